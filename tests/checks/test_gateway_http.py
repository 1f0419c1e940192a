"""The gateway's HTTP side against the lab: the app is served from the primary zone, told by the demo
application's marker (its page names its cluster ID); each zone answers; a marker that matches nothing
is a finding of its own, at once; and nothing in the lab's answers says the zone by itself."""

from __future__ import annotations

import json

import pytest

from drconsole.profile import Attribution, Profile
from drconsole.results import Status
from tests.checks.network_support import GATEWAY, describe, run_keys

pytestmark = [pytest.mark.lab]
INVENTED_HEADERS = {"x-served-zone", "x-zone", "x-upstream"}


def test_gateway_checks_pass_against_the_lab(lab_profile: Profile) -> None:
    results = run_keys(lab_profile, GATEWAY)
    assert set(results) == set(GATEWAY)
    assert all(r.status is Status.PASS for r in results.values()), describe(results)
    served = results["gateway.verify/app-served"]
    assert "primary zone a (cn-hangzhou-h)" in served.summary
    ack, idc = lab_profile.clusters.ack.id, lab_profile.clusters.registered.id
    assert [(e.answer["zone"], e.answer["served_by"]) for e in served.evidence] == [(ack, "a"), (ack, "a")]
    assert results["gateway.verify/zone-b"].evidence[0].answer["zone"] == idc
    assert results["gateway.verify/zone-a"].zone == "a"


def test_a_marker_that_matches_nothing_is_named_with_what_the_answer_looked_like(lab_profile: Profile) -> None:
    blind = lab_profile.model_copy(update={"attribution": Attribution(path="/", header="x-cluster-id")})
    served = run_keys(blind, ["gateway.verify/app-served"])["gateway.verify/app-served"]
    assert (served.status, served.code) == (Status.FAIL, "GW-MARKER-NO-MATCH"), describe({"s": served})
    answer = served.evidence[0].answer
    assert "content-type" in answer["header_names"] and str(lab_profile.clusters.ack.id) in answer["first_bytes"]


def test_no_lab_part_says_the_zone_by_itself(lab_profile: Profile) -> None:
    """Observed replies of the gateway (routed, unrouted) and of each zone's copy: no invented header, no
    JSON zone or cluster field."""
    from drconsole.probes import http

    gw, where = lab_profile.gateway, lab_profile.network.vantage_netns
    targets = [(str(gw.address), gw.http_port, gw.host, "/"), (str(gw.address), gw.http_port, gw.host, "/nothing"),
               (str(gw.address), gw.http_port, "unknown.example.com", "/")]
    targets += [(address, int(port), gw.host, "/") for address, _, port in
                (backend.rpartition(":") for backend in gw.zone_backends.values())]
    statuses = []
    for address, port, host, path in targets:
        reply = http.get(where, address, port, host, path, timeout=3.0)
        statuses.append(reply.status)
        assert not INVENTED_HEADERS & set(reply.headers), (address, path, reply.headers)
        try:
            body = json.loads(reply.body)
        except ValueError:
            continue
        assert not (isinstance(body, dict) and {"zone", "zone_id", "cluster"} & set(body)), body
    assert statuses[0] == 200 and statuses[-2:] == [200, 200], statuses


def test_verification_stops_with_the_code_when_the_marker_matches_nothing(lab_profile: Profile) -> None:
    """traffic.verify reads answers by the same marker: unmatched 2xx answers end it with the finding long
    before its timeout (the timeout is set far beyond the test's run, so reaching it would hang the test)."""
    from drconsole.actions.context import ActionContext
    from drconsole.actions.registry import load_all
    from drconsole.actions.traffic import MarkerUnmatched, VerifyParams
    from drconsole.context import Context

    blind = lab_profile.model_copy(update={"attribution": Attribution(path="/", body_regex=r"cluster=(\S+)")})
    ctx = Context(blind)
    try:
        actx = ActionContext(ctx)
        verify = load_all()["traffic.verify"]
        plan = verify.plan(actx, VerifyParams(zone="a", requests=2, timeout_s=900))
        with pytest.raises(MarkerUnmatched) as caught:
            verify.apply(actx, plan)
    finally:
        ctx.close()
    assert caught.value.finding == "GW-MARKER-NO-MATCH" and caught.value.fix
