"""The gateway judges and the zone attribution without a lab: which zone served, from the marker; a
zone's copy up, down, hanging or miswired; the application served, failed over or not served."""

from __future__ import annotations

import pytest

from drconsole.checks.gateway_http import Seen, judge_app, judge_zone
from drconsole.probes.attribution import Marker, served_by
from drconsole.probes.http import Reply
from drconsole.probes.net import Failure
from drconsole.results import Evidence, Status
from drconsole.zones import Zone

A = Zone("a", "ack", "cn-hangzhou-h", "c" + "1" * 32)
B = Zone("b", "registered", "cn-hangzhou-i", "c" + "2" * 32)
EV = Evidence(source="test")


@pytest.mark.parametrize(("headers", "body", "zone", "reported"), [
    ({"x-served-zone": "cn-hangzhou-i"}, b"", B, "cn-hangzhou-i"),
    ({"x-zone": "cn-hangzhou-h"}, b"", A, "cn-hangzhou-h"),
    ({}, b'{"zone": "cn-hangzhou-i"}', B, "cn-hangzhou-i"),
    ({}, b'{"zone_id": "cn-hangzhou-h"}', A, "cn-hangzhou-h"),
    ({}, b'{"clusterId": "c' + b"2" * 32 + b'"}', B, "c" + "2" * 32),
    ({"x-served-zone": "cn-shanghai-a"}, b"", None, "cn-shanghai-a"),  # not one of ours: named, not guessed
    ({}, b"<html>hello</html>", None, None),
    ({}, b"[1, 2]", None, None),
])
def test_the_attribution_reads_the_marker(headers: dict[str, str], body: bytes, zone: Zone | None,
                                          reported: str | None) -> None:
    served = served_by(headers, body, (A, B))
    assert (served.zone, served.reported) == (zone, reported)


def test_the_marker_is_the_attributions_input() -> None:
    marker = Marker(zone_headers=("x-site-zone",), zone_keys=(), cluster_keys=())
    assert served_by({"x-site-zone": "cn-hangzhou-i"}, b"", (A, B), marker).zone == B
    assert served_by({"x-served-zone": "cn-hangzhou-i"}, b'{"zone": "cn-hangzhou-i"}', (A, B), marker).zone is None


def reply(status: int | None = 200, failed_at: str | None = None, kind: str = "refused") -> Reply:
    failure = Failure(kind, kind) if failed_at else None  # type: ignore[arg-type]
    return Reply("http://app/ at 10.0.0.1:80", status=None if failed_at else status, failed_at=failed_at,
                 failure=failure)


def seen(r: Reply, zone: Zone | None, reported: str | None = None) -> Seen:
    from drconsole.probes.attribution import Served

    return Seen(r, Served(zone, reported or (zone.zone_id if zone else None)))


@pytest.mark.parametrize(("observed", "code"), [
    (seen(reply(200), A), None),
    (seen(reply(failed_at="connect", kind="refused"), None), "GW-ZONE-DOWN"),
    (seen(reply(failed_at="connect", kind="timeout"), None), "GW-ZONE-UNREACHABLE"),
    (seen(reply(failed_at="http", kind="timeout"), None), "GW-ZONE-HANGS"),
    (seen(reply(503), A), "GW-ZONE-BAD-ANSWER"),
    (seen(reply(200), B), "GW-ZONE-MISWIRED"),
    (seen(reply(200), None, "cn-shanghai-a"), "GW-ZONE-MISWIRED"),
    (seen(reply(200), None, None), None),  # a copy that does not say its zone is taken at its address's word
])
def test_a_zones_copy(observed: Seen, code: str | None) -> None:
    assert judge_zone(observed, A, "10.0.0.1:80", EV).code == code


@pytest.mark.parametrize(("observed", "mode", "status", "code"), [
    ([seen(reply(200), A), seen(reply(200), A)], "active-standby", Status.PASS, None),
    ([seen(reply(200), B)], "active-standby", Status.WARN, "GW-FAILED-OVER"),
    ([seen(reply(200), B), seen(reply(200), A)], "active-active", Status.PASS, None),
    ([seen(reply(failed_at="connect", kind="timeout"), None)], "active-standby", Status.FAIL, "GW-UNREACHABLE"),
    ([seen(reply(200), A), seen(reply(failed_at="tls", kind="untrusted"), None)], "active-standby", Status.FAIL,
     "GW-TLS-FAILED"),
    ([seen(reply(404), None)], "active-standby", Status.FAIL, "GW-NO-ROUTE"),
    ([seen(reply(503), None)], "active-standby", Status.FAIL, "GW-NO-BACKEND"),
    ([seen(reply(500), None)], "active-standby", Status.FAIL, "GW-BAD-ANSWER"),
])
def test_the_application_through_the_gateway(observed: list[Seen], mode: str, status: Status,
                                             code: str | None) -> None:
    outcome = judge_app(observed, "app.example.com", A, mode, [EV])
    assert (outcome.status, outcome.code) == (status, code)
