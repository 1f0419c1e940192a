"""The bgp checks against the running lab: the session, TCP 179 and a polite OPEN exchange."""

from __future__ import annotations

import pytest

from drconsole.profile import Profile
from drconsole.results import Status
from tests.checks.network_support import BGP, describe, run_keys, run_with

pytestmark = [pytest.mark.lab]


def test_bgp_checks_pass_against_the_lab(lab_profile: Profile) -> None:
    results = run_keys(lab_profile, BGP)
    assert set(results) == set(BGP)
    assert all(r.status is Status.PASS for r in results.values()), describe(results)
    session = results["network.bgp-idc/session"]
    assert "is Established" in session.summary
    peers = session.evidence[0].answer
    assert peers[0]["BgpStatus"] == "Established" and peers[0]["AdvertisedRouteCount"] >= 7
    probe = results["network.bgp-idc/open"].evidence[0].answer
    assert probe["peer_open"]["asn"] == 45104 and probe["accepted"] is True
    assert probe["messages"][-1].startswith("sent NOTIFICATION Cease")


def test_open_probe_reports_a_bad_peer_as(lab_profile: Profile) -> None:
    """Offering the wrong ASN gets BIRD's NOTIFICATION, decoded; the real session is left alone."""
    result = run_with(lab_profile, "network.bgp-idc/open", local_asn=64999)
    assert result.status is Status.FAIL
    assert result.code == "BGP-PROBE-BAD-PEER-AS"
    assert result.evidence[0].answer["notification"]["code"] == 2  # OPEN Message Error
    after = run_keys(lab_profile, ["network.bgp-idc/session"])["network.bgp-idc/session"]
    assert after.status is Status.PASS, after.summary
