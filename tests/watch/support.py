"""Shared by the watch tests: results as a sweep makes them, metrics with every series present."""

from __future__ import annotations

from drconsole.results import CheckResult, Evidence, Status
from drconsole.watch.metrics import WatchMetrics

# A catalogue code of the right severity for each status that is not a pass.
CODES = {Status.FAIL: "BGP-PEER-IDLE", Status.ERROR: "CLOUD-UNAVAILABLE", Status.WARN: "GW-FAILED-OVER",
         Status.SKIPPED: "CHECK-PARAM-UNSET"}


def result(key: str, status: Status = Status.PASS, *, check: str = "bgp.peer-established", family: str = "bgp",
           zone: str | None = None) -> CheckResult:
    return CheckResult(status=status, summary=f"{key} is {status.value}", check=check, key=key, title=check,
                       family=family, zone=zone, evidence=[Evidence(source="test")], duration_ms=12.0,
                       code=CODES.get(status),
                       cause=None if status is Status.PASS else "it broke",
                       fix_step=None if status is Status.PASS else "network.bgp-idc")


def populated_metrics() -> WatchMetrics:
    """Metrics after one sweep, one failover, one notification: every series the watcher exports exists."""
    metrics = WatchMetrics("prod", "replica-a")
    swept = [result("s/a", zone="a"), result("s/b", Status.FAIL, zone="b"), result("s/x", Status.ERROR)]
    metrics.observe(swept)
    metrics.zones(swept)
    metrics.sweep_duration.observe(1.5)
    metrics.last_sweep.set(1.0)
    metrics.failovers.labels("b").inc()
    metrics.leader.set(1)
    metrics.alerts_open.set(1)
    metrics.notifications.labels("oncall", "sent").inc()
    return metrics


def exported_names(metrics: WatchMetrics) -> set[str]:
    from drconsole.cloudstats import COUNTS

    COUNTS.sent("vpc")
    COUNTS.throttled("vpc")
    return {sample.name for family in metrics.registry.collect() for sample in family.samples}
