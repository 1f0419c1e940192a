"""`drconsole watch` on the running lab: a fault gives one alert per finding at a local webhook
receiver (with its code, cause and fix step) and one recovery after heal; transitions are journaled;
the region's request log shows no mutating call; a killed leader hands over to the other replica
without a duplicate or a lost alert; a real Prometheus scrapes the series and fires the shipped rule."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from drconsole.coordination.fleet import kube_call
from drconsole.findings import lookup
from drconsole.journal import Journal
from drconsole.lab.env import LabEnv
from drconsole.lab.lab import Lab
from drconsole.profile import Profile
from tests.fixtures.region import RegionLab
from tests.watch.process import WatchProcess, wait_for
from tests.watch.receiver import Receiver, receiver

pytestmark = [pytest.mark.lab, pytest.mark.kube]

FAULT = "agent"
FAILING_KEYS = {"registered.agent-connected/registered.agent-available",
                "registered.agent-connected/registered.running"}
INTERVAL_S = 4
LEASE_S = 6
NAMESPACE = "drconsole"
DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.fixture
def fleet(lab_profile: Profile) -> Iterator[Any]:
    """An admin client on the lab Fleet, with the namespace the watcher's Lease lives in."""
    from drconsole.kube import api_client

    api = api_client(lab_profile.clusters.kubeconfig, lab_profile.clusters.fleet.context)
    kube_call(api, "POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                  "metadata": {"name": NAMESPACE}},
              verb="create", resource="namespaces", namespace="", conflict_ok=True)
    yield api
    api.close()


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as rx:
        yield rx


def watch_config(tmp_path: Path, rx: Receiver) -> Path:
    """Settings for one test: its own Lease (so tests never share one), a short interval and lease."""
    path = tmp_path / "watch.toml"
    path.write_text(f"interval_s = {INTERVAL_S}\njitter = 0.1\n"
                    f'[lease]\nname = "watch-{uuid.uuid4().hex[:8]}"\nduration_s = {LEASE_S}\n'
                    f'[alerts]\nbackoff_s = 0.2\n[[alerts.webhooks]]\nname = "oncall"\nurl = "{rx.url}/alerts"\n')
    return path


def alerts_of(rx: Receiver, status: str) -> list[dict[str, Any]]:
    return [alert for body in rx.bodies() for alert in body["alerts"] if alert["status"] == status]


def fingerprints(rx: Receiver, status: str) -> list[str]:
    return sorted(alert["fingerprint"] for alert in alerts_of(rx, status))


def break_and_heal(lab: Lab, rx: Receiver, watcher: WatchProcess) -> None:
    """Inject the fault, wait for its alerts and two more sweeps, heal, wait for the recoveries."""
    lab.break_(FAULT)
    try:
        wait_for(lambda: set(fingerprints(rx, "firing")) >= FAILING_KEYS or None, "the firing alerts")
        watcher.wait_sweeps(2)
    finally:
        lab.heal(FAULT)
    wait_for(lambda: set(fingerprints(rx, "resolved")) >= FAILING_KEYS or None, "the recoveries")


def assert_baseline_quiet(rx: Receiver) -> None:
    assert not FAILING_KEYS & set(fingerprints(rx, "firing")), "the fault's checks failed before the fault"


def test_fault_alerts_once_recovers_once_and_never_mutates(lab: dict[str, Any], lab_env: LabEnv,
                                                          lab_profile: Profile, region_lab: RegionLab, fleet: Any,
                                                          hook: Receiver, tmp_path: Path) -> None:
    watcher = WatchProcess(lab_profile.name, watch_config(tmp_path, hook), "zone-a")
    started = time.time()
    try:
        wait_for(watcher.leading, "the watcher to lead")
        watcher.wait_sweeps(1)
        assert_baseline_quiet(hook)
        before = len(hook.bodies())
        break_and_heal(Lab(lab_env), hook, watcher)
        watcher.wait_sweeps(2)
    finally:
        assert watcher.stop() == 0, watcher.output()
    ended = time.time()
    new = [alert for body in hook.bodies()[before:] for alert in body["alerts"]]
    firing = [a for a in new if a["status"] == "firing"]
    resolved = [a for a in new if a["status"] == "resolved"]
    assert sorted(a["fingerprint"] for a in firing) == sorted(FAILING_KEYS)  # one alert per finding
    assert sorted(a["fingerprint"] for a in resolved) == sorted(FAILING_KEYS)  # one recovery each
    for alert in firing:
        assert alert["cause"] and alert["fix_step"], alert
        assert alert["check_status"] == "fail" == lookup(alert["code"]).severity, alert  # the result's finding
    assert all(body["sender"] == "zone-a" for body in hook.bodies())

    journal = Journal.for_profile(lab_profile.name)
    try:
        [run] = [r for r in journal.runs() if r["kind"] == "watch"]
        recorded = [(r.key, r.status.value) for r in journal.results(run["id"]) if r.key in FAILING_KEYS]
    finally:
        journal.close()
    for key in FAILING_KEYS:  # journaled: each change of status once (a check may pass through `error`)
        statuses = [status for k, status in recorded if k == key]
        assert "fail" in statuses and statuses[-1] == "pass", (key, statuses)
        assert all(a != b for a, b in pairwise(statuses)), (key, statuses)

    calls = [r for r in region_lab.requests() if started <= r["epoch"] <= ended]
    assert calls, "the watcher made no cloud call at all"
    assert [r["action"] for r in calls if r["mutating"]] == []


def test_killing_the_leader_hands_over_without_duplicate_or_lost_alert(
        lab: dict[str, Any], lab_env: LabEnv, lab_profile: Profile, fleet: Any, hook: Receiver,
        tmp_path: Path) -> None:
    config = watch_config(tmp_path, hook)
    lease = config.read_text().split('name = "', 1)[1].split('"', 1)[0]
    replicas = [WatchProcess(lab_profile.name, config, "zone-a"), WatchProcess(lab_profile.name, config, "zone-b")]
    lab = Lab(lab_env)
    try:
        leader = wait_for(lambda: next((w for w in replicas if w.leading()), None), "a leader")
        standby = next(w for w in replicas if w is not leader)
        assert not standby.leading()
        leader.wait_sweeps(1)
        assert_baseline_quiet(hook)
        before = len(hook.bodies())
        lab.break_(FAULT)
        try:
            wait_for(lambda: set(fingerprints(hook, "firing")) >= FAILING_KEYS or None, "the leader's alerts")
            # what the leader told the receiver is in the shared state before it dies
            wait_for(lambda: _shared_open(fleet, lease) >= FAILING_KEYS or None, "the shared alert state")
            leader.kill()
            killed = time.monotonic()
        finally:
            lab.heal(FAULT)
        wait_for(standby.leading, "the standby to take over")
        handover = time.monotonic() - killed
        wait_for(lambda: set(fingerprints(hook, "resolved")) >= FAILING_KEYS or None, "the recoveries")
        standby.wait_sweeps(2)
    finally:
        for watcher in replicas:
            watcher.stop()
    bodies = hook.bodies()[before:]
    firing = sorted(a["fingerprint"] for b in bodies for a in b["alerts"] if a["status"] == "firing")
    resolved = [(a["fingerprint"], b["sender"]) for b in bodies for a in b["alerts"] if a["status"] == "resolved"]
    assert firing == sorted(FAILING_KEYS), firing  # not sent again by the new leader
    assert sorted(resolved) == sorted((key, standby.identity) for key in FAILING_KEYS)  # not lost either
    print(f"handover took {handover:.1f} s (lease {LEASE_S} s)")


def _shared_open(fleet: Any, lease: str) -> set[str]:
    found = kube_call(fleet, "GET", f"/api/v1/namespaces/{NAMESPACE}/configmaps/{lease}-alerts", verb="get",
                      resource="configmaps", namespace=NAMESPACE)
    if not found:
        return set()
    state = json.loads(found["data"]["alerts.json"])
    return set(state["receivers"].get("oncall", {}))


# -- a real Prometheus ------------------------------------------------------------------------------
@pytest.fixture
def prometheus_binaries() -> Any:
    from drconsole.lab.prometheus.build import PrometheusBinaries, build_dir

    built = PrometheusBinaries(build_dir() / "prometheus", build_dir() / "promtool")
    if not (built.prometheus.exists() and built.promtool.exists()):  # tests never build: ./dev setup does
        pytest.skip("Prometheus is not built: python -m drconsole.lab.prometheus.build (./dev setup does)")
    return built


def query(base: str, promql: str) -> list[dict[str, Any]]:
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    answer = json.loads(urllib.request.urlopen(url, timeout=10).read())
    assert answer["status"] == "success", answer
    return list(answer["data"]["result"])


@pytest.mark.timeout(600)  # the shipped rule waits 1 minute (`for: 1m`) before it fires
def test_prometheus_scrapes_the_series_and_fires_the_shipped_rule(
        lab: dict[str, Any], lab_env: LabEnv, lab_profile: Profile, fleet: Any, hook: Receiver, tmp_path: Path,
        prometheus_binaries: Any, unused_tcp_port: int) -> None:
    config = watch_config(tmp_path, hook)
    replicas = [WatchProcess(lab_profile.name, config, "zone-a"), WatchProcess(lab_profile.name, config, "zone-b")]
    targets = ", ".join(f"'127.0.0.1:{w.port}'" for w in replicas)
    shutil.copy(DEPLOY / "prometheus/rules.yaml", tmp_path / "rules.yaml")
    (tmp_path / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\nrule_files: [rules.yaml]\n"
        "scrape_configs:\n  - job_name: drconsole-watch\n"
        f"    static_configs: [{{targets: [{targets}]}}]\n")
    base = f"http://127.0.0.1:{unused_tcp_port}"
    server = subprocess.Popen([str(prometheus_binaries.prometheus), f"--config.file={tmp_path / 'prometheus.yml'}",
                               f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                               f"--web.listen-address=127.0.0.1:{unused_tcp_port}"],
                              stdout=subprocess.DEVNULL, stderr=(tmp_path / "prometheus.log").open("w"))
    lab = Lab(lab_env)
    try:
        wait_for(lambda: _ready(base), "Prometheus to answer")
        wait_for(lambda: len(query(base, 'up{job="drconsole-watch"} == 1')) == 2 or None, "both replicas scraped")
        wait_for(lambda: query(base, "sum(drconsole_watch_leader) == 1"), "one leader among the replicas")
        dashboard = json.loads((DEPLOY / "grafana/drconsole.json").read_text())
        for panel in dashboard["panels"]:  # every dashboard query is valid PromQL for this Prometheus
            for target in panel["targets"]:
                query(base, target["expr"])
        key = "registered.agent-connected/registered.running"
        lab.break_(FAULT)
        try:
            wait_for(lambda: query(base, f'drconsole_check_status{{status="fail",key="{key}"}} == 1'),
                     "the failing series")
            firing = wait_for(lambda: [a for a in _alerts(base) if a["labels"].get("alertname") ==
                                       "DrconsoleCheckFailing" and a["labels"].get("key") == key
                                       and a["state"] == "firing"] or None,
                              "the shipped rule to fire", timeout=240)
        finally:
            lab.heal(FAULT)
        assert len(firing) == 1 and firing[0]["labels"]["severity"] == "critical"  # one alert for two replicas
        assert len(query(base, "drconsole_sweep_duration_seconds_count")) == 2
    finally:
        server.terminate()
        server.wait(timeout=30)
        for watcher in replicas:
            watcher.stop()


def _ready(base: str) -> bool:
    try:
        return urllib.request.urlopen(f"{base}/-/ready", timeout=5).status == 200
    except OSError:
        return False


def _alerts(base: str) -> list[dict[str, Any]]:
    answer = json.loads(urllib.request.urlopen(f"{base}/api/v1/alerts", timeout=10).read())
    return list(answer["data"]["alerts"])


def test_a_throttling_api_stretches_the_interval(lab: dict[str, Any], lab_env: LabEnv, lab_profile: Profile,
                                                  fleet: Any, hook: Receiver, tmp_path: Path) -> None:
    watcher = WatchProcess(lab_profile.name, watch_config(tmp_path, hook), "zone-a", lease=False)
    lab = Lab(lab_env)
    try:
        watcher.wait_sweeps(1)
        assert watcher.sample("drconsole_watch_backoff_factor")[0][1] == 1
        lab.break_("region-throttle")
        try:
            wait_for(lambda: watcher.sample("drconsole_watch_backoff_factor")[0][1] > 1 or None, "the backoff")
            throttles = sum(v for _, v in watcher.sample("drconsole_cloud_api_throttles_total"))
            calls = sum(v for _, v in watcher.sample("drconsole_cloud_api_calls_total"))
            assert 0 < throttles <= calls
        finally:
            lab.heal("region-throttle")
        wait_for(lambda: watcher.sample("drconsole_watch_backoff_factor")[0][1] == 1 or None, "the backoff to end")
    finally:
        watcher.stop()
