"""BGP between the data center and the VBR: the session as the API reports it, TCP 179 from the
data center's side, and a real BGP OPEN exchange with the VBR's probe neighbour."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from pydantic import BaseModel, ConfigDict

from drconsole import vantage
from drconsole.checks import _cloud
from drconsole.context import Context
from drconsole.registry import check
from drconsole.results import Evidence, Outcome

CONNECT_TIMEOUT = 2.0
AS_TRANS = 23456  # RFC 6793: the 2-byte stand-in for a 4-byte ASN
OUR_HOLD_TIME = 90
VERDICT_WAIT = 0.5  # after the peer's OPEN, how long to wait for its KEEPALIVE or NOTIFICATION
ERROR_WAIT_RETRY = 1.2  # BIRD refuses a neighbour for ~1 s after a failed attempt ("error wait time")

# One probe at a time per neighbour: two connections from the same source collide in the peer.
_LOCKS: dict[tuple[str | None, str | None, str, int], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _neighbour_lock(where: str | None, source: str | None, peer: str, port: int) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault((where, source, peer, port), threading.Lock())


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PeerParams(Params):
    vbr_id: str
    peer_ip: ipaddress.IPv4Address  # the data-center router's address, as the VBR's peer
    bgp_peer_id: str | None = None


class ReachParams(Params):
    peer_ip: ipaddress.IPv4Address  # the VBR's address as the data center sees it
    port: int = 179


class OpenParams(ReachParams):
    local_asn: int
    expected_asn: int


# -- from the API -------------------------------------------------------------------------------

@check("bgp.peer-established", family="bgp", title="VBR BGP session is Established (API)", timeout=8.0)
async def peer_established(ctx: Context, params: PeerParams) -> Outcome:
    body, evidence = await _cloud.ask(
        ctx, "vpc", "DescribeBgpPeers",
        lambda c, m: c.describe_bgp_peers(m.DescribeBgpPeersRequest(
            region_id=ctx.profile.cloud.region, router_id=params.vbr_id, bgp_peer_id=params.bgp_peer_id)),
        asked=f"RouterId={params.vbr_id}" + (f" BgpPeerId={params.bgp_peer_id}" if params.bgp_peer_id else ""))
    peers: list[dict[str, Any]] = (body.get("BgpPeers") or {}).get("BgpPeer") or []
    evidence.answer = [{k: p.get(k) for k in PEER_FIELDS} for p in peers]
    peer = next((p for p in peers if p.get("PeerIpAddress") == str(params.peer_ip)), None)
    if peer is None:
        listed = ", ".join(str(p.get("PeerIpAddress")) for p in peers) or "none"
        return Outcome.failed("BGP-PEER-MISSING", f"the VBR {params.vbr_id} has no BGP peer {params.peer_ip} "
                              f"(peers: {listed})", evidence, peer=params.peer_ip)
    counts = f"{peer.get('ReceivedRouteCount')} routes received, {peer.get('AdvertisedRouteCount')} advertised"
    state = peer.get("BgpStatus")
    if state != "Established":
        return Outcome.failed(STATE_FINDINGS.get(str(state), "BGP-PEER-NOT-ESTABLISHED"),
                              f"BGP session with {params.peer_ip} is {state} ({counts})", evidence,
                              peer=params.peer_ip, state=state)
    return Outcome.passed(f"BGP session with {params.peer_ip} is Established ({counts})", evidence)


PEER_FIELDS = ("BgpPeerId", "PeerIpAddress", "PeerAsn", "BgpStatus", "Status", "ReceivedRouteCount",
               "AdvertisedRouteCount")


# BgpStatus values other than Established (docs/ackone-facts.md)
STATE_FINDINGS = {"Idle": "BGP-PEER-IDLE", "Connect": "BGP-PEER-CONNECT", "Active": "BGP-PEER-ACTIVE",
                  "Down": "BGP-PEER-DOWN"}


# -- TCP 179 from the data center ----------------------------------------------------------------

@check("bgp.peer-tcp", family="bgp", title="VBR answers on TCP 179 from the data center", timeout=5.0)
async def peer_tcp(ctx: Context, params: ReachParams) -> Outcome:
    where = ctx.profile.network.vantage_netns
    source = _source(ctx)
    peer = str(params.peer_ip)
    target = f"{peer}:{params.port}"
    asked = f"TCP connect to {target}" + (f" from {source}" if source else "") + _in(where)

    def connect() -> float:
        with _neighbour_lock(where, source, peer, params.port):
            started = time.monotonic()
            vantage.connect_tcp(where, peer, params.port, CONNECT_TIMEOUT, source).close()
            return round((time.monotonic() - started) * 1000, 2)

    try:
        ms = await ctx.blocking(connect)
    except OSError as exc:
        code, why = _connect_failure(exc)
        return Outcome.failed(code, f"{target} {why}", Evidence(source="tcp", asked=asked, answer=why), target=target)
    return Outcome.passed(f"{target} accepts TCP connections ({ms} ms)",
                          Evidence(source="tcp", asked=asked, answer="connected", ms=ms))


def _connect_failure(exc: OSError) -> tuple[str, str]:
    """(finding code, what happened) for a failed TCP connect to the VBR."""
    if isinstance(exc, TimeoutError):
        return "BGP-TCP-TIMEOUT", f"did not answer within {CONNECT_TIMEOUT:g} s"
    if isinstance(exc, ConnectionRefusedError):
        return "BGP-TCP-REFUSED", "refused the connection"
    return "BGP-TCP-UNREACHABLE", f"is unreachable: {exc.strerror or exc}"


def _source(ctx: Context) -> str | None:
    source = ctx.profile.network.bgp.probe_source_ip
    return str(source) if source else None


def _in(where: str | None) -> str:
    return f" (in network namespace {where})" if where else ""


# -- the BGP OPEN exchange --------------------------------------------------------------------------

@dataclass
class Exchange:
    """What one OPEN exchange observed."""

    peer_open: dict[str, Any] | None = None
    accepted: bool = False  # the peer sent KEEPALIVE after its OPEN: it accepted ours
    notification: dict[str, Any] | None = None
    ended: str = ""  # "eof" or "timeout" when the peer stopped talking
    ms: float = 0.0
    log: list[str] = field(default_factory=list)


@check("bgp.open-probe", family="bgp", title="VBR completes a BGP OPEN exchange with the probe neighbour",
       timeout=8.0)
async def open_probe(ctx: Context, params: OpenParams) -> Outcome:
    source = _source(ctx)
    if source is None:
        return Outcome.skipped("BGP-PROBE-UNCONFIGURED", "no BGP probe neighbour is configured "
                               "(network.bgp.probe_source_ip): the OPEN probe only talks to a neighbour the VBR "
                               "keeps for it, never to the live session")
    where = ctx.profile.network.vantage_netns
    peer = str(params.peer_ip)
    target = f"{peer}:{params.port}"
    asked = (f"BGP OPEN as AS {params.local_asn} (hold {OUR_HOLD_TIME} s, router ID {source}) "
             f"from {source} to {target}{_in(where)}; then Cease")
    try:
        seen = await ctx.blocking(_exchange_with_retry, where, source, peer, params.port, params.local_asn)
    except OSError as exc:
        code, why = _connect_failure(exc)
        return Outcome.failed(code, f"BGP probe: {target} {why}", Evidence(source="bgp", asked=asked, answer=why),
                              target=target)
    evidence = Evidence(source="bgp", asked=asked, ms=seen.ms, answer={
        "peer_open": seen.peer_open, "accepted": seen.accepted, "notification": seen.notification,
        "ended": seen.ended or None, "messages": seen.log})
    return _judge(seen, params, source, target, evidence)


def _judge(seen: Exchange, params: OpenParams, source: str, target: str, evidence: Evidence) -> Outcome:
    note = seen.notification
    if seen.peer_open is None and note is None:
        what = "closed the connection" if seen.ended == "eof" else "sent nothing"
        return Outcome.failed("BGP-PROBE-NO-OPEN", f"BGP probe: {target} {what} without an OPEN", evidence,
                              source=source)
    if note is not None:
        return Outcome.failed(_notification_finding(note), f"BGP probe: {target} refused our OPEN: {note['words']}",
                              evidence, local_asn=params.local_asn, words=note["words"])
    assert seen.peer_open is not None
    asn = seen.peer_open["asn"]
    summary = (f"AS {asn}, hold time {seen.peer_open['hold_time']} s, router ID {seen.peer_open['router_id']}")
    if asn != params.expected_asn:
        return Outcome.failed("BGP-PROBE-WRONG-AS", f"BGP probe: {target} speaks as AS {asn}, expected AS "
                              f"{params.expected_asn}", evidence, asn=asn, expected=params.expected_asn)
    if not seen.accepted:
        return Outcome.failed("BGP-PROBE-UNCONFIRMED",
                              f"BGP probe: {target} sent its OPEN ({summary}) but did not confirm ours", evidence)
    return Outcome.passed(f"BGP OPEN exchange with {target}: {summary}", evidence)


def _notification_finding(note: dict[str, Any]) -> str:
    """The finding for a NOTIFICATION (RFC 4271 6.2: OPEN errors 2/2 bad peer AS, 2/6 hold time; 6 Cease)."""
    code, subcode = note["code"], note["subcode"]
    if (code, subcode) == (2, 2):
        return "BGP-PROBE-BAD-PEER-AS"
    if (code, subcode) == (2, 6):
        return "BGP-PROBE-BAD-HOLD-TIME"
    return "BGP-PROBE-CEASE" if code == 6 else "BGP-PROBE-NOTIFICATION"


def _exchange_with_retry(where: str | None, source: str, peer: str, port: int, local_asn: int) -> Exchange:
    """Run the exchange; once more after BIRD's error-wait time when the peer hung up on us at once."""
    _bgp_layers()  # the import takes most of a second: not while holding the neighbour
    with _neighbour_lock(where, source, peer, port):
        first = _exchange(where, source, peer, port, local_asn)
        if first.peer_open is not None or first.notification is not None or first.ended != "eof":
            return first
        time.sleep(ERROR_WAIT_RETRY)
        second = _exchange(where, source, peer, port, local_asn)
        second.log = [*first.log, f"retried after {ERROR_WAIT_RETRY:g} s", *second.log]
        return second


def _bgp_layers() -> ModuleType:
    """scapy's BGP layers (only them: `scapy.all` costs over a second), without its import-time warning."""
    import logging

    runtime = logging.getLogger("scapy.runtime")
    level = runtime.level
    runtime.setLevel(logging.ERROR)
    try:
        from scapy.contrib import bgp as layers
    finally:
        runtime.setLevel(level)
    return layers


def _exchange(where: str | None, source: str, peer: str, port: int, local_asn: int) -> Exchange:
    layers = _bgp_layers()
    BGPHeader, BGPNotification = layers.BGPHeader, layers.BGPNotification

    started = time.monotonic()
    seen = Exchange()
    sock = vantage.connect_tcp(where, peer, port, CONNECT_TIMEOUT, source)
    try:
        sock.sendall(_open_message(layers, local_asn, source))
        seen.log.append("sent OPEN")
        deadline = [started + CONNECT_TIMEOUT]  # shortened once the peer's OPEN is in
        for message in _messages(sock, lambda: deadline[0]):
            if message is None:
                seen.ended = "timeout"
                break
            if message == b"":
                seen.ended = "eof"
                break
            kind = message[18]
            if kind == 1:
                seen.peer_open = _parse_open(message)
                seen.log.append("received OPEN")
                deadline[0] = min(deadline[0], time.monotonic() + VERDICT_WAIT)
            elif kind == 4:
                seen.log.append("received KEEPALIVE")
                seen.accepted = seen.peer_open is not None
                if seen.accepted:
                    break
            elif kind == 3:
                note = BGPHeader(message)[BGPNotification]
                seen.notification = {"code": int(note.error_code), "subcode": int(note.error_subcode),
                                     "words": note.sprintf("%error_code%: %error_subcode%")}
                seen.log.append(f"received NOTIFICATION {seen.notification['words']}")
                break
            else:
                seen.log.append(f"received message type {kind}")
        if not seen.ended and seen.notification is None:
            sock.sendall(bytes(BGPHeader(type=3) / BGPNotification(error_code=6, error_subcode=2)))
            seen.log.append("sent NOTIFICATION Cease: Administrative Shutdown")
    except OSError as exc:
        if seen.peer_open is None and seen.notification is None and not isinstance(exc, TimeoutError):
            seen.ended = "eof"
        seen.log.append(f"socket: {exc}")
    finally:
        sock.close()
        seen.ms = round((time.monotonic() - started) * 1000, 1)
    return seen


def _open_message(layers: ModuleType, asn: int, router_id: str) -> bytes:
    """OPEN with the multiprotocol (IPv4 unicast) and 4-byte-ASN capabilities."""
    return bytes(layers.BGPHeader(type=1) / layers.BGPOpen(
        my_as=asn if asn <= 0xFFFF else AS_TRANS, hold_time=OUR_HOLD_TIME, bgp_id=router_id,
        opt_params=[layers.BGPOptParam(param_value=layers.BGPCapMultiprotocol(afi=1, safi=1)),
                    layers.BGPOptParam(param_value=layers.BGPCapFourBytesASN(asn=asn))]))


def _parse_open(message: bytes) -> dict[str, Any]:
    """The peer's OPEN: ASN (the 4-byte one from capability 65 when present), hold time, router ID.
    Capabilities are walked by hand: BIRD packs them into one parameter, which scapy half-decodes."""
    my_as = int.from_bytes(message[20:22], "big")
    hold = int.from_bytes(message[22:24], "big")
    router_id = str(ipaddress.IPv4Address(message[24:28]))
    params_len = message[28]
    params = message[29:29 + params_len]
    capabilities: list[int] = []
    asn4 = None
    i = 0
    while i + 2 <= len(params):
        ptype, plen = params[i], params[i + 1]
        value = params[i + 2:i + 2 + plen]
        j = 0
        while ptype == 2 and j + 2 <= len(value):
            code, clen = value[j], value[j + 1]
            capabilities.append(code)
            if code == 65 and clen == 4:
                asn4 = int.from_bytes(value[j + 2:j + 6], "big")
            j += 2 + clen
        i += 2 + plen
    return {"asn": asn4 or my_as, "hold_time": hold, "router_id": router_id, "capabilities": capabilities}


def _messages(sock: socket.socket, deadline: Callable[[], float]) -> Iterator[bytes | None]:
    """Yield whole BGP messages; b"" on EOF, None when the deadline passes."""
    buffer = b""
    while True:
        while len(buffer) >= 19 and len(buffer) >= int.from_bytes(buffer[16:18], "big"):
            length = max(19, int.from_bytes(buffer[16:18], "big"))
            yield buffer[:length]
            buffer = buffer[length:]
        remaining = deadline() - time.monotonic()
        if remaining <= 0:
            yield None
            return
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            yield None
            return
        if not chunk:
            yield b""
            return
        buffer += chunk
