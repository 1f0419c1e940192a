"""The bgp checks against the running lab: the session, TCP 179, and the OPEN probe — off by default,
and exercised only through the BGP peer relationship the VBR really has."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from drconsole.lab.env import LabEnv
from drconsole.profile import Profile
from drconsole.results import Status
from tests.checks.network_support import BGP, describe, run_keys, run_with
from tests.fixtures.net import wait_until

pytestmark = [pytest.mark.lab]


def test_bgp_checks_pass_and_the_open_probe_is_off(lab_profile: Profile) -> None:
    results = run_keys(lab_profile, BGP)
    assert set(results) == set(BGP)
    probe = results.pop("network.bgp-idc/open")
    assert (probe.status, probe.code) == (Status.SKIPPED, "BGP-PROBE-UNCONFIGURED")
    assert all(r.status is Status.PASS for r in results.values()), describe(results)
    session = results["network.bgp-idc/session"]
    peers = session.evidence[0].answer
    assert peers[0]["BgpStatus"] == "Established" and peers[0]["AdvertisedRouteCount"] >= 7


@contextmanager
def router_session_paused(lab_env: LabEnv) -> Iterator[None]:
    """Stop the data-center router's session so its address is free to speak BGP to the VBR."""
    from drconsole.lab.net.bgp import IDC_PROTOCOL, bgp_session, set_protocol

    set_protocol(lab_env, IDC_PROTOCOL, False, side="idc")
    try:
        wait_until(lambda: bgp_session(lab_env)["state"] != "Established", 8, "the VBR's session dropping")
        yield
    finally:
        set_protocol(lab_env, IDC_PROTOCOL, True, side="idc")
        wait_until(lambda: bgp_session(lab_env)["state"] == "Established", 15, "the session re-established")


def test_open_probe_speaks_as_the_vbrs_configured_peer(lab_profile: Profile, lab_env: LabEnv) -> None:
    """With the probe pointed at the address the VBR's peer really is (its router paused), the VBR
    answers our OPEN; a wrong ASN gets its NOTIFICATION, decoded. No invented neighbour is involved."""
    as_peer = lab_profile.model_copy(deep=True)
    as_peer.network.bgp.probe_source_ip = lab_profile.network.bgp.idc_peer_ip
    with router_session_paused(lab_env):
        good = run_with(as_peer, "network.bgp-idc/open")
        bad = run_with(as_peer, "network.bgp-idc/open", local_asn=64999)
    assert good.status is Status.PASS, good.summary
    answer = good.evidence[0].answer
    assert answer["peer_open"]["asn"] == 45104 and answer["accepted"] is True
    assert answer["messages"][-1].startswith("sent NOTIFICATION Cease")
    assert (bad.status, bad.code) == (Status.FAIL, "BGP-PROBE-BAD-PEER-AS")
    assert bad.evidence[0].answer["notification"]["code"] == 2  # OPEN Message Error
    after = run_keys(lab_profile, ["network.bgp-idc/session"])["network.bgp-idc/session"]
    assert after.status is Status.PASS, after.summary
