"""The gateway judges and the zone attribution without a lab: which zone served, from the marker; a
zone's copy up, down, hanging or miswired; the application served, failed over or not served."""

from __future__ import annotations

import pytest

from drconsole.checks.gateway_http import Seen, judge_app, judge_zone
from drconsole.probes.attribution import SAMPLE_BYTES, Marker, served_by, unmatched_sample
from drconsole.probes.http import Reply
from drconsole.probes.net import Failure
from drconsole.results import Evidence, Status
from drconsole.zones import Zone

A = Zone("a", "ack", "cn-hangzhou-h", "c" + "1" * 32)
B = Zone("b", "registered", "cn-hangzhou-i", "c" + "2" * 32)
EV = Evidence(source="test")


DEMO = Marker(path="/", body_regex=r"\b(c[0-9a-f]{32})\b")  # the demo page names its cluster ID (ENV_NAME)
BEACON = Marker(path="/drconsole-beacon/", body_regex=r"drconsole-beacon cluster=(c[0-9a-z]{10,40})")
SITE = Marker(header="x-site-zone")
NAMED = Zone("b", "registered", "cn-hangzhou-i", "c" + "2" * 32, "idc-hz")


@pytest.mark.parametrize(("marker", "headers", "body", "zone", "reported"), [
    (DEMO, {}, b"<html><body>env c" + b"2" * 32 + b"</body></html>", B, "c" + "2" * 32),
    (BEACON, {}, b"drconsole-beacon cluster=c" + b"1" * 32 + b"\n", A, "c" + "1" * 32),
    (SITE, {"x-site-zone": "cn-hangzhou-i"}, b"", B, "cn-hangzhou-i"),
    (SITE, {"x-site-zone": "cn-shanghai-a"}, b"", None, "cn-shanghai-a"),  # not one of ours: named, not guessed
    (DEMO, {}, b"<html>c" + b"9" * 32 + b"</html>", None, "c" + "9" * 32),
    (DEMO, {"x-served-zone": "cn-hangzhou-i"}, b"<html>hello</html>", None, None),  # only the marker counts
    (SITE, {}, b'{"zone": "cn-hangzhou-i"}', None, None),
    (BEACON, {}, b"", None, None),
])
def test_the_attribution_reads_only_the_marker(marker: Marker, headers: dict[str, str], body: bytes,
                                               zone: Zone | None, reported: str | None) -> None:
    served = served_by(headers, body, (A, B), marker)
    assert (served.zone, served.reported, served.matched) == (zone, reported, reported is not None)


def test_a_cluster_name_attributes_too() -> None:
    marker = Marker(body_regex=r"env=(\S+)")
    assert served_by({}, b"env=idc-hz", (A, NAMED), marker).zone == NAMED


def test_an_unmatched_answer_is_shown_by_its_header_names_and_first_bytes() -> None:
    sample = unmatched_sample({"content-type": "text/html", "server": "x"}, b"<html>" + b"x" * 1000)
    assert sample["header_names"] == ["content-type", "server"]
    assert str(sample["first_bytes"]).startswith("<html>") and len(str(sample["first_bytes"])) == SAMPLE_BYTES


def reply(status: int | None = 200, failed_at: str | None = None, kind: str = "refused") -> Reply:
    failure = Failure(kind, kind) if failed_at else None  # type: ignore[arg-type]
    return Reply("http://app/ at 10.0.0.1:80", status=None if failed_at else status, failed_at=failed_at,
                 failure=failure)


def seen(r: Reply, zone: Zone | None, reported: str | None = None) -> Seen:
    from drconsole.probes.attribution import Served

    return Seen(r, Served(zone, reported or (zone.cluster_id if zone else None)))


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
    assert judge_zone(observed, A, "10.0.0.1:80", EV, DEMO).code == code


def test_an_unserved_beacon_path_is_the_markers_finding() -> None:
    assert judge_zone(seen(reply(404), None, None), A, "10.0.0.1:80", EV, BEACON).code == "GW-MARKER-NO-MATCH"
    assert judge_app([seen(reply(404), None, None)], "app", A, "active-standby", [EV], BEACON).code == \
        "GW-MARKER-NO-MATCH"
    assert judge_app([seen(reply(404), None, None)], "app", A, "active-standby", [EV], DEMO).code == "GW-NO-ROUTE"


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
    ([seen(reply(200), None, None)], "active-standby", Status.FAIL, "GW-MARKER-NO-MATCH"),
    ([seen(reply(200), A), seen(reply(200), None, None)], "active-active", Status.FAIL, "GW-MARKER-NO-MATCH"),
])
def test_the_application_through_the_gateway(observed: list[Seen], mode: str, status: Status,
                                             code: str | None) -> None:
    outcome = judge_app(observed, "app.example.com", A, mode, [EV], DEMO)
    assert (outcome.status, outcome.code) == (status, code)
