"""The users' view against the lab in fast timing: a lost zone fails users (and the check says so) before
Kubernetes turns its endpoints unready; a cut link leaves zone B's endpoints stale in the gateway, which
the check names a black hole, and pinning traffic to zone A clears it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from drconsole.results import Status
from tests.actions.helpers import drconsole
from tests.actions.test_failover import pin_runbook
from tests.checks.network_support import run_with
from tests.fixtures.net import wait_until

if TYPE_CHECKING:
    from drconsole.lab.controllers.kubeapi import Kube
    from drconsole.lab.env import LabEnv
    from drconsole.profile import Profile

pytestmark = [pytest.mark.lab]
PIN_KEYS = ("mse.ingress.kubernetes.io/service-subset", "mse.ingress.kubernetes.io/subset-labels")


def ready_endpoints(kube: Kube, profile: Profile) -> int:
    from drconsole.lab.controllers.kubeapi import api_path

    gw = profile.gateway
    slices = kube.list(api_path("discovery.k8s.io/v1", "endpointslices", gw.namespace),
                       f"kubernetes.io/service-name={gw.service}")
    return sum(1 for s in slices for e in s.get("endpoints") or [] if (e.get("conditions") or {}).get("ready"))


@pytest.fixture
def planes(lab: dict[str, Any]) -> Iterator[dict[str, Kube]]:
    from drconsole.lab.controllers.kubeapi import Kube

    kubes = {p: Kube.from_kubeconfig(lab["kube"]["kubeconfig"], p) for p in ("fleet", "ack", "idc")}
    yield kubes
    for kube in kubes.values():
        kube.close()


def test_zone_loss_shows_on_the_dashboard_before_the_endpoints_turn_unready(lab_env: LabEnv, lab_profile: Profile,
                                                                           planes: dict[str, Kube]) -> None:
    """The dashboard's model (its zone probes feeding a Board, as the screen does) names zone A a black hole
    before Kubernetes marks zone A's endpoints unready; then the gateway falls back on its own."""
    from drconsole.app.board import Board
    from drconsole.app.session import Session
    from drconsole.journal import Journal
    from drconsole.lab.lab import Lab

    board, lock = Board(), threading.Lock()
    events: list[str] = []
    stop = threading.Event()

    def emit(result: Any) -> None:
        with lock:
            board.add(result)
            hole = board.black_hole()
            if hole is not None and hole.zone == "a" and "dashboard" not in events:
                events.append("dashboard")

    def zone_a_serves_users() -> bool:
        with lock:
            return (found := board.results.get("gateway.verify/users-a")) is not None and found.status is Status.PASS

    def watch_endpoints() -> None:
        while not stop.is_set():
            if ready_endpoints(planes["ack"], lab_profile) == 0:
                events.append("endpoints")
                return
            time.sleep(0.05)

    session = Session(lab_profile, journal=Journal.for_profile(lab_profile.name), operator="test")
    probes = threading.Thread(target=session.probe_zones, args=(emit, stop.is_set))
    probes.start()
    watcher = threading.Thread(target=watch_endpoints)
    try:
        wait_until(zone_a_serves_users, 60, "the dashboard shows zone A serving users before the break")
        Lab(lab_env).break_("zone-a")
        watcher.start()
        wait_until(lambda: "dashboard" in events, 60, "the dashboard names zone A a black hole")
        watcher.join(timeout=120)
        assert events == ["dashboard", "endpoints"], events
        # then the gateway's own fallback (after its sync interval): zone B serves, no users go to zone A
        wait_until(lambda: run_with(lab_profile, "gateway.verify/users-b").status is Status.PASS, 60,
                   "the gateway falls back to zone B")
        assert run_with(lab_profile, "gateway.verify/users-a").status is Status.PASS
    finally:
        stop.set()
        probes.join()
        if watcher.is_alive():
            watcher.join()
        session.close()
        Lab(lab_env).heal("zone-a")
    wait_until(lambda: ready_endpoints(planes["ack"], lab_profile) > 0, 60, "zone A's endpoints ready again")


def _failing(result: Any) -> Any:
    return result if result.status is Status.FAIL else None


@pytest.fixture
def spread(lab_env: LabEnv, planes: dict[str, Kube], lab_profile: Profile) -> Iterator[None]:
    """The DR Ingress unpinned (both zones serve) for the test; pinned back as it was after."""
    from drconsole.lab.controllers.kubeapi import api_path
    from drconsole.lab.net.gateway import current_routing

    gw = lab_profile.gateway
    path = api_path("networking.k8s.io/v1", "ingresses", gw.namespace, gw.ingress)
    before = (planes["fleet"].get(path) or {})["metadata"].get("annotations") or {}
    planes["fleet"].merge(path, {"metadata": {"annotations": dict.fromkeys(PIN_KEYS)}})
    try:
        wait_until(lambda: set(current_routing(lab_env).primary) == {"a", "b"}, 30, "traffic spread over both zones")
        yield
    finally:
        planes["fleet"].merge(path, {"metadata": {"annotations": {k: before[k] for k in PIN_KEYS if k in before}}})


def test_a_cut_link_is_named_a_black_hole_and_pinning_clears_it(lab_env: LabEnv, lab_profile: Profile,
                                                                spread: None, tmp_path: Path) -> None:
    """Seen from the users' side (a vantage in the VPC): the gateway cannot see the registered cluster any
    more and keeps its endpoints, so the requests it sends to zone B fail until traffic is pinned to zone A."""
    from drconsole.lab.lab import Lab
    from drconsole.lab.net.gateway import current_routing
    from drconsole.profile import save_profile

    vantage = lab_env.netns("vpc") if lab_env.mode == "netns" else None
    users = lab_profile.model_copy(update={"network": lab_profile.network.model_copy(
        update={"vantage_netns": vantage})})
    save_profile(users)
    Lab(lab_env).break_("link")
    try:
        hole = wait_until(lambda: _failing(run_with(users, "gateway.verify/users-b")), 30, "zone B named")
        assert hole.code == "GW-BLACK-HOLE", hole.summary
        assert "b" in current_routing(lab_env).primary  # stale: the gateway still routes to zone B
        assert run_with(users, "gateway.verify/users-a").status is Status.PASS
        zone_a = str(users.clusters.ack.zone)
        pinned = drconsole("run", pin_runbook(tmp_path, "a"), "--profile", users.name, "--yes",
                           "--confirm-target", zone_a)
        assert pinned.exit_code == 0, pinned.output
        wait_until(lambda: current_routing(lab_env).primary == {"a": 1}, 30, "the gateway routes to zone A only")
        assert run_with(users, "gateway.verify/users-b").status is Status.PASS  # the black hole is gone
        assert run_with(users, "gateway.verify/users-a").status is Status.PASS
    finally:
        Lab(lab_env).heal("link")
