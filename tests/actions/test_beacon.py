"""The drconsole zone beacon against the built lab: deployed by its ApplicationSet to both clusters and
routed by the DR Ingress, it tells which zone serves with the default marker, through the gateway and
at each zone's own address; the lab's zones serve it only once its workload runs there."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.fixtures.net import wait_until

if TYPE_CHECKING:
    from drconsole.profile import Profile

pytestmark = [pytest.mark.lab]
GATEWAY_KEYS = ["gateway.verify/app-served", "gateway.verify/zone-a", "gateway.verify/zone-b"]


def run_action(profile: Profile, name: str, params: dict[str, Any]) -> Any:
    from drconsole.actions.context import ActionContext
    from drconsole.actions.registry import load_all
    from drconsole.context import Context

    ctx = Context(profile)
    try:
        actx = ActionContext(ctx)
        spec = load_all()[name]
        plan = spec.plan(actx, spec.params(**params))
        if plan.already_done:
            return plan
        actx.phase = "apply"
        return spec.apply(actx, plan)
    finally:
        ctx.close()


def beacon_page(profile: Profile, zone: str) -> Any:
    from drconsole.probes import http

    address, _, port = profile.gateway.zone_backends[zone].rpartition(":")  # type: ignore[index]
    return http.get(profile.network.vantage_netns, address, int(port), profile.gateway.host, "/drconsole-beacon/",
                    timeout=3.0)


def test_the_beacon_attributes_every_zone(lab_profile: Profile) -> None:
    from drconsole.profile import Attribution
    from drconsole.results import Status
    from tests.checks.network_support import describe, run_keys

    beacon = lab_profile.model_copy(update={"attribution": Attribution()})  # the default marker: the beacon
    assert run_action(lab_profile, "gitops.beacon", {}).already_done  # the demo marker needs no beacon
    assert beacon_page(beacon, "a").status == 404  # no beacon workload runs yet: nothing serves its path
    run_action(beacon, "gitops.beacon", {})
    run_action(beacon, "gateway.ingress", {})
    wait_until(lambda: beacon_page(beacon, "a").status == 200 and beacon_page(beacon, "b").status == 200, 60,
               "the beacon served in both zones")
    results = wait_until(lambda: (r := run_keys(beacon, GATEWAY_KEYS))
                         and all(x.status is Status.PASS for x in r.values()) and r, 30, "gateway checks by beacon")
    served = results["gateway.verify/app-served"]
    assert [e.answer["served_by"] for e in served.evidence] == ["a", "a"], describe(results)
    assert [e.answer["zone"] for e in served.evidence] == [lab_profile.clusters.ack.id] * 2
    assert results["gateway.verify/zone-b"].evidence[0].answer["zone"] == lab_profile.clusters.registered.id
