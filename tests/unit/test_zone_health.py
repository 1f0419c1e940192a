"""Zone health, the one definition, and the status order: lab-free."""

from __future__ import annotations

import pytest

from drconsole.probes.health import ZoneHealth, from_results
from drconsole.results import SYMBOLS, WORST_FIRST, CheckResult, Evidence, Status, worst
from drconsole.zones import Zone

A = Zone("a", "ack", "cn-hangzhou-h", "c1")
B = Zone("b", "registered", "cn-hangzhou-i", "c2")
CODES = {Status.FAIL: "GW-ZONE-DOWN", Status.ERROR: "CHECK-TIMEOUT", Status.WARN: "GW-FAILED-OVER",
         Status.SKIPPED: "GW-ZONE-NO-BACKEND"}


def result(family: str, zone: str | None, status: Status) -> CheckResult:
    return CheckResult(check=f"{family}.x", key=f"s/{family}-{zone}-{status.value}", title="t", family=family,
                       zone=zone, status=status, summary="s", code=CODES.get(status),
                       evidence=[Evidence(source="t")])


@pytest.mark.parametrize(("cluster_ok", "ready", "app_ok", "healthy"), [
    (True, 2, True, True),
    (True, 0, True, False),
    (False, None, True, False),
    (True, 2, False, False),
    (True, None, None, True),
    (None, None, None, False),  # nothing observed is not healthy
])
def test_a_zone_is_healthy_when_all_it_observed_is_good(cluster_ok: bool | None, ready: int | None,
                                                        app_ok: bool | None, healthy: bool) -> None:
    health = ZoneHealth(A, cluster_ok=cluster_ok, ready_endpoints=ready, app_ok=app_ok)
    assert health.healthy is healthy
    assert health.describe().startswith(f"zone a (cn-hangzhou-h): {'healthy' if healthy else 'UNHEALTHY'}")


def test_from_results_reads_the_zones_kube_and_gateway_checks() -> None:
    results = [result("kube", "a", Status.PASS), result("gateway", "a", Status.FAIL),
               result("gitops", "a", Status.FAIL), result("kube", "b", Status.PASS),
               result("gateway", "b", Status.SKIPPED), result("gateway", None, Status.FAIL)]
    a, b = from_results(A, results), from_results(B, results)
    assert (a.cluster_ok, a.app_ok, a.healthy) == (True, False, False)
    assert (b.cluster_ok, b.app_ok, b.healthy) == (True, None, True)


def test_the_board_fails_over_from_the_one_unhealthy_zone() -> None:
    from drconsole.app.board import Board
    from drconsole.profile import Profile

    profile = Profile.model_validate({
        "name": "p", "cloud": {"region": "cn-hangzhou", "access_key_id": "LTAIdemo"},
        "network": {"vpc_id": "vpc-demo000001", "vpc_cidrs": ["192.168.0.0/16"], "idc_cidrs": ["10.10.0.0/16"],
                    "bgp": {"idc_asn": 65001, "vbr_peer_ip": "10.0.0.1", "idc_peer_ip": "10.0.0.2"}},
        "clusters": {"fleet": {"context": "f"}, "ack": {"context": "a", "zone": "cn-hangzhou-h"},
                     "registered": {"context": "i", "zone": "cn-hangzhou-i"}},
        "gateway": {"host": "app.example.com"}})
    board = Board()
    for r in (result("gateway", "a", Status.FAIL), result("gateway", "b", Status.PASS)):
        board.add(r)
    assert board.failing_zone(profile) == "a"
    board.add(result("gateway", "b", Status.ERROR))
    assert board.failing_zone(profile) is None  # both down: no single zone to leave


def test_the_status_order_and_symbols_are_defined_once() -> None:
    assert WORST_FIRST == (Status.FAIL, Status.ERROR, Status.WARN, Status.PASS, Status.SKIPPED)
    assert worst(["pass", "skipped"]) is Status.PASS and worst([Status.WARN, "error"]) is Status.ERROR
    assert worst([]) is None
    assert set(SYMBOLS) == set(Status) and len(set(SYMBOLS.values())) == len(Status)
    assert [s for s in Status if s.bad] == [Status.FAIL, Status.ERROR]
    assert [s for s in Status if s.holds] == [Status.PASS, Status.WARN]
