"""/metrics as Prometheus reads it: parsed with the client library's own parser, the series per
check bounded by the runbook, and nothing from a summary or a secret in any label."""

from __future__ import annotations

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from drconsole.registry import load_checks
from drconsole.results import Status
from drconsole.runbooks.loader import load_runbook
from drconsole.sweeps import invocations
from drconsole.watch.metrics import WatchMetrics
from tests.watch.support import populated_metrics, result


def parsed(metrics: WatchMetrics) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(generate_latest(metrics.registry).decode()):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def test_status_duration_success_and_zone_health() -> None:
    samples = parsed(populated_metrics())
    status = {(labels["key"], labels["status"]): value for labels, value in samples["drconsole_check_status"]}
    assert status[("s/b", "fail")] == 1 and status[("s/b", "pass")] == 0 and status[("s/a", "pass")] == 1
    assert {labels["key"] for labels, _ in samples["drconsole_check_last_success_timestamp_seconds"]} == {"s/a"}
    health = {labels["zone"]: value for labels, value in samples["drconsole_zone_health_ratio"]}
    assert health == {"a": 1.0, "b": 0.0, "shared": 0.0}
    assert samples["drconsole_sweep_duration_seconds_count"][0][1] == 1
    assert samples["drconsole_watch_leader"][0][1] == 1
    assert ({"to_zone": "b"}, 1.0) in samples["drconsole_failovers_seen_total"]


def test_cloud_calls_and_throttles_come_from_the_process_counters() -> None:
    from drconsole.cloudstats import COUNTS

    metrics = WatchMetrics("prod", "replica-a")
    before = {k: v for k, v in parsed(metrics).items() if k.startswith("drconsole_cloud_api")}
    COUNTS.sent("cbn")
    COUNTS.throttled("cbn")
    after = parsed(metrics)

    def value(name: str, samples: dict[str, list[tuple[dict[str, str], float]]]) -> float:
        return next((v for labels, v in samples.get(name, []) if labels == {"product": "cbn"}), 0.0)

    for name in ("drconsole_cloud_api_calls_total", "drconsole_cloud_api_throttles_total"):
        assert value(name, after) == value(name, before) + 1


def test_series_per_check_are_bounded_by_the_runbook() -> None:
    chosen = invocations(load_runbook("zone-dr-hybrid"))
    metrics = WatchMetrics("prod", "replica-a")
    for round_ in range(3):  # later sweeps with other statuses add no series
        statuses = list(Status)
        metrics.observe([result(inv.key, statuses[(i + round_) % len(statuses)], check=inv.spec.name,
                                family=inv.spec.family, zone=inv.zone) for i, inv in enumerate(chosen)])
    samples = parsed(metrics)
    assert len(samples["drconsole_check_status"]) == len(chosen) * len(Status)
    registered = load_checks()
    for labels, _ in samples["drconsole_check_status"]:
        assert set(labels) == {"key", "check", "family", "zone", "status"}
        assert labels["check"] in registered and labels["zone"] in {"a", "b", "shared"}


def test_a_failover_is_counted_from_the_attributed_zone() -> None:
    """The watcher reads gateway.app-served's attributed zone key (`served_by`), not what the answer reported."""
    from types import SimpleNamespace

    from drconsole.results import CheckResult, Evidence
    from drconsole.watch.runner import Watcher

    def served(zone: str) -> list[CheckResult]:
        answer = {"zone": "c" + zone * 32, "served_by": zone}
        found = result("gateway.verify/app-served", check="gateway.app-served", family="gateway")
        return [found.model_copy(update={"evidence": [Evidence(source="GET /", answer=answer)] * 2})]

    said: list[str] = []
    watcher = SimpleNamespace(metrics=WatchMetrics("prod", "replica-a"), say=said.append, _served_zone=None)
    for zone in ("a", "a", "b"):
        Watcher._note_failover(watcher, served(zone))  # type: ignore[arg-type]
    samples = parsed(watcher.metrics)
    assert [labels for labels, value in samples["drconsole_failovers_seen_total"] if value] == [{"to_zone": "b"}]
    assert len(said) == 1
