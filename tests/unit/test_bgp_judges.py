"""BGP judges without a lab: every BgpStatus, every way an OPEN exchange ends, every TCP 179 failure;
and the OPEN codec on bytes."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from drconsole.checks.bgp import OpenParams, connect_failure, judge_open, judge_session
from drconsole.probes import bgp
from drconsole.results import Evidence, Status

EV = Evidence(source="test")
PEER = "10.200.0.2"


def peer(state: str, ip: str = PEER) -> dict[str, object]:
    return {"PeerIpAddress": ip, "BgpStatus": state, "ReceivedRouteCount": 3, "AdvertisedRouteCount": 1}


@pytest.mark.parametrize(("state", "status", "code"), [
    ("Established", Status.PASS, None),
    ("Idle", Status.FAIL, "BGP-PEER-IDLE"),
    ("Connect", Status.FAIL, "BGP-PEER-CONNECT"),
    ("Active", Status.FAIL, "BGP-PEER-ACTIVE"),
    ("Down", Status.FAIL, "BGP-PEER-DOWN"),
    ("OpenConfirm", Status.FAIL, "BGP-PEER-NOT-ESTABLISHED"),  # not in the facts: judged, not guessed
])
def test_every_bgp_state(state: str, status: Status, code: str | None) -> None:
    outcome = judge_session([peer("Idle", "10.9.9.9"), peer(state)], "vbr-1", PEER, EV)
    assert (outcome.status, outcome.code) == (status, code)
    if code:
        assert outcome.fix_step == "network.bgp-idc" and "{" not in (outcome.cause or "")  # its fields filled


def test_a_vbr_without_our_peer() -> None:
    outcome = judge_session([peer("Established", "10.9.9.9")], "vbr-1", PEER, EV)
    assert (outcome.code, outcome.fix_step) == ("BGP-PEER-MISSING", "network.bgp-vbr")
    assert judge_session([], "vbr-1", PEER, EV).code == "BGP-PEER-MISSING"


PARAMS = OpenParams(peer_ip="10.200.0.1", local_asn=65001, expected_asn=45104)
PEER_OPEN = {"asn": 45104, "hold_time": 90, "router_id": "10.200.0.1", "capabilities": [1, 65]}


@pytest.mark.parametrize(("seen", "code"), [
    (bgp.Exchange(ended="eof"), "BGP-PROBE-NO-OPEN"),
    (bgp.Exchange(ended="timeout"), "BGP-PROBE-NO-OPEN"),
    (bgp.Exchange(notification={"code": 2, "subcode": 2, "words": "OPEN: Bad Peer AS"}), "BGP-PROBE-BAD-PEER-AS"),
    (bgp.Exchange(notification={"code": 2, "subcode": 6, "words": "OPEN: Unacceptable Hold"}),
     "BGP-PROBE-BAD-HOLD-TIME"),
    (bgp.Exchange(notification={"code": 6, "subcode": 2, "words": "Cease: Shutdown"}), "BGP-PROBE-CEASE"),
    (bgp.Exchange(notification={"code": 3, "subcode": 1, "words": "UPDATE: Malformed"}), "BGP-PROBE-NOTIFICATION"),
    (bgp.Exchange(peer_open={**PEER_OPEN, "asn": 64512}, accepted=True), "BGP-PROBE-WRONG-AS"),
    (bgp.Exchange(peer_open=PEER_OPEN, accepted=False, ended="timeout"), "BGP-PROBE-UNCONFIRMED"),
    (bgp.Exchange(peer_open=PEER_OPEN, accepted=True), None),
])
def test_every_way_an_open_exchange_ends(seen: bgp.Exchange, code: str | None) -> None:
    outcome = judge_open(seen, PARAMS, "10.200.0.2", "10.200.0.1:179", EV)
    assert outcome.code == code
    assert outcome.status is (Status.PASS if code is None else Status.FAIL)


@pytest.mark.parametrize(("exc", "code"), [
    (TimeoutError(), "BGP-TCP-TIMEOUT"),
    (ConnectionRefusedError(111, "Connection refused"), "BGP-TCP-REFUSED"),
    (OSError(113, "No route to host"), "BGP-TCP-UNREACHABLE"),
])
def test_every_tcp_179_failure(exc: OSError, code: str) -> None:
    assert connect_failure(exc)[0] == code


def _open_bytes(asn2: int, hold: int, router_id: bytes, asn4: int | None) -> bytes:
    caps = bytes([1, 4, 0, 1, 0, 1])  # multiprotocol IPv4 unicast
    if asn4 is not None:
        caps += bytes([65, 4]) + asn4.to_bytes(4, "big")
    params = bytes([2, len(caps)]) + caps  # BIRD packs every capability into one parameter
    body = bytes([4]) + asn2.to_bytes(2, "big") + hold.to_bytes(2, "big") + router_id + bytes([len(params)]) + params
    return b"\xff" * 16 + (19 + len(body)).to_bytes(2, "big") + bytes([1]) + body


def test_parse_open_prefers_the_four_byte_asn() -> None:
    parsed = bgp.parse_open(_open_bytes(bgp.AS_TRANS, 240, bytes([10, 200, 0, 1]), 4200000001))
    assert parsed == {"asn": 4200000001, "hold_time": 240, "router_id": "10.200.0.1", "capabilities": [1, 65]}
    assert bgp.parse_open(_open_bytes(45104, 90, bytes([1, 2, 3, 4]), None))["asn"] == 45104


def test_frames_split_a_stream_into_messages() -> None:
    keepalive = b"\xff" * 16 + (19).to_bytes(2, "big") + bytes([4])
    opening = _open_bytes(45104, 90, bytes([1, 2, 3, 4]), 45104)
    ours, theirs = socket.socketpair()
    with ours, theirs:
        sender = threading.Thread(target=lambda: (theirs.sendall(opening + keepalive[:7]), theirs.sendall(
            keepalive[7:]), theirs.shutdown(socket.SHUT_WR)))
        sender.start()
        deadline = time.monotonic() + 10  # far beyond a local socket pair's delay; never reached
        got = list(bgp.frames(ours, lambda: deadline))
        sender.join()
    assert got == [opening, keepalive, b""]
