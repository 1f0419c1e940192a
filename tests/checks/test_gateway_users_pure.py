"""The users' view of a zone as pure logic: the routing shares the DR Ingress asks for, the per-zone error
share derived from attributed answers, and the verdict (black hole, failing, served, not routed)."""

from __future__ import annotations

from drconsole.checks.gateway_users import judge_users
from drconsole.probes.users import Sample, pinned_cluster, routing_shares, zone_shares
from drconsole.results import Evidence, Status
from drconsole.zones import Zone

ZONE_B = Zone("b", "registered", "cn-hangzhou-i", "c-idc")
SEEN = [Evidence(source="test", asked="test", answer="test")]


def test_routing_shares_follow_the_pin_or_the_ready_endpoints() -> None:
    assert routing_shares("a", {"a": 2, "b": 2}) == {"a": 1.0, "b": 0.0}
    assert routing_shares(None, {"a": 3, "b": 1}) == {"a": 0.75, "b": 0.25}
    assert routing_shares("a", {"a": 0, "b": 2}) == {"a": 0.0, "b": 1.0}  # the gateway's own fallback
    assert routing_shares(None, {"a": 0, "b": 0}) == {"a": 0.5, "b": 0.5}


def test_error_share_counts_the_answers_a_zone_did_not_give() -> None:
    samples = [Sample(True, "a")] * 4 + [Sample(False, None)] * 4
    shares = zone_shares(samples, {"a": 0.5, "b": 0.5})
    assert (shares["a"].error_share, shares["b"].error_share) == (0.0, 1.0)
    assert shares["b"].failing and not shares["a"].failing


def test_a_failing_zone_with_ready_endpoints_is_a_black_hole() -> None:
    share = zone_shares([Sample(True, "a"), Sample(False, None)], {"a": 0.5, "b": 0.5})["b"]
    hole = judge_users(ZONE_B, share, 2, SEEN)
    assert (hole.status, hole.code) == (Status.FAIL, "GW-BLACK-HOLE")
    down = judge_users(ZONE_B, share, 0, SEEN)
    assert (down.status, down.code) == (Status.FAIL, "GW-USERS-FAILING")


def test_a_zone_not_routed_or_serving_passes() -> None:
    samples = [Sample(True, "a")] * 4
    assert judge_users(ZONE_B, zone_shares(samples, {"a": 1.0, "b": 0.0})["b"], 2, SEEN).status is Status.PASS
    served = zone_shares([Sample(True, "a"), Sample(True, "b")], {"a": 0.5, "b": 0.5})["b"]
    assert judge_users(ZONE_B, served, 2, SEEN).status is Status.PASS


def test_the_pin_is_read_from_the_subset_labels() -> None:
    notes = {"mse.ingress.kubernetes.io/service-subset": "",
             "mse.ingress.kubernetes.io/subset-labels": "topology.istio.io/cluster c-idc"}
    assert pinned_cluster(notes) == "c-idc"
    assert pinned_cluster({"mse.ingress.kubernetes.io/subset-labels": "topology.istio.io/cluster c-idc"}) is None
