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

@check("bgp.peer-established", family="bgp", title="VBR BGP session is Established (API)", timeout=8.0,
       fix_step="network.bgp-idc")
async def peer_established(ctx: Context, params: PeerParams) -> Outcome:
    from drconsole.cloud import models

    def describe() -> Any:  # the client and its SDK are loaded in the worker thread, off the event loop
        request = models("vpc").DescribeBgpPeersRequest(region_id=ctx.profile.cloud.region,
                                                        router_id=params.vbr_id, bgp_peer_id=params.bgp_peer_id)
        return ctx.cloud("vpc").describe_bgp_peers(request)

    started = time.monotonic()
    response = await ctx.blocking(ctx.cloud_call, "vpc", "DescribeBgpPeers", describe)
    ms = round((time.monotonic() - started) * 1000, 1)
    peers = list(response.body.bgp_peers.bgp_peer or []) if response.body.bgp_peers else []
    answer = [{"BgpPeerId": p.bgp_peer_id, "PeerIpAddress": p.peer_ip_address, "PeerAsn": p.peer_asn,
               "BgpStatus": p.bgp_status, "Status": p.status, "ReceivedRouteCount": p.received_route_count,
               "AdvertisedRouteCount": p.advertised_route_count} for p in peers]
    evidence = Evidence(source="vpc:DescribeBgpPeers",
                        asked=f"RouterId={params.vbr_id}" + (f" BgpPeerId={params.bgp_peer_id}"
                                                             if params.bgp_peer_id else ""),
                        answer=answer, ms=ms)
    peer = next((p for p in peers if p.peer_ip_address == str(params.peer_ip)), None)
    if peer is None:
        listed = ", ".join(str(p.peer_ip_address) for p in peers) or "none"
        return Outcome.failed(f"the VBR {params.vbr_id} has no BGP peer {params.peer_ip} (peers: {listed})",
                              evidence, cause=f"no BGP peer with PeerIpAddress {params.peer_ip} on the VBR",
                              remedy="create the BGP group and peer (CreateBgpGroup, CreateBgpPeer) with the "
                                     "data-center router's address", fix_step="network.bgp-vbr")
    counts = f"{peer.received_route_count} routes received, {peer.advertised_route_count} advertised"
    if peer.bgp_status != "Established":
        return Outcome.failed(f"BGP session with {params.peer_ip} is {peer.bgp_status} ({counts})", evidence,
                              cause=_status_cause(str(peer.bgp_status), str(params.peer_ip)),
                              remedy="check the data-center router's neighbour config (address, AS 45104 or "
                                     "the VBR's LocalAsn, MD5 key) and that TCP 179 crosses the circuit")
    return Outcome.passed(f"BGP session with {params.peer_ip} is Established ({counts})", evidence)


def _status_cause(status: str, peer: str) -> str:
    return {
        "Idle": f"the VBR is not trying to reach {peer}: the peer is disabled, just created, or the circuit is down",
        "Connect": f"the VBR is opening TCP 179 to {peer} and gets no answer",
        "Active": f"TCP 179 to {peer} does not get through or the OPEN is refused (ASN, address, MD5)",
        "Down": "the BGP peer is unavailable on the cloud side",
    }.get(status, f"the session is {status}, not Established")


# -- TCP 179 from the data center ----------------------------------------------------------------

@check("bgp.peer-tcp", family="bgp", title="VBR answers on TCP 179 from the data center", timeout=5.0,
       fix_step="network.bgp-idc")
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
        why, cause = _connect_failure(exc, target)
        return Outcome.failed(f"{target} {why}", Evidence(source="tcp", asked=asked, answer=why),
                              cause=cause, remedy="check the circuit, the VLAN and any ACL for TCP 179 "
                                                  "between the data-center router and the VBR")
    return Outcome.passed(f"{target} accepts TCP connections ({ms} ms)",
                          Evidence(source="tcp", asked=asked, answer="connected", ms=ms))


def _connect_failure(exc: OSError, target: str) -> tuple[str, str]:
    if isinstance(exc, TimeoutError):
        return (f"did not answer within {CONNECT_TIMEOUT:g} s",
                f"packets to {target} are dropped on the way (link down, ACL or firewall)")
    if isinstance(exc, ConnectionRefusedError):
        return "refused the connection", f"nothing listens at {target}: the BGP speaker is down or not configured"
    return f"is unreachable: {exc.strerror or exc}", f"the data center has no working path to {target}"


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
       timeout=8.0, fix_step="network.bgp-idc")
async def open_probe(ctx: Context, params: OpenParams) -> Outcome:
    source = _source(ctx)
    if source is None:
        return Outcome.skipped("no BGP probe neighbour is configured (network.bgp.probe_source_ip): the OPEN "
                               "probe only talks to a neighbour the VBR keeps for it, never to the live session",
                               remedy="ask the network team for a passive probe neighbour on the VBR and put its "
                                      "source address in network.bgp.probe_source_ip")
    where = ctx.profile.network.vantage_netns
    peer = str(params.peer_ip)
    target = f"{peer}:{params.port}"
    asked = (f"BGP OPEN as AS {params.local_asn} (hold {OUR_HOLD_TIME} s, router ID {source}) "
             f"from {source} to {target}{_in(where)}; then Cease")
    try:
        seen = await ctx.blocking(_exchange_with_retry, where, source, peer, params.port, params.local_asn)
    except OSError as exc:
        why, cause = _connect_failure(exc, target)
        return Outcome.failed(f"BGP probe: {target} {why}", Evidence(source="bgp", asked=asked, answer=why),
                              cause=cause, remedy="check the circuit and TCP 179 between the data center and "
                                                  "the VBR")
    evidence = Evidence(source="bgp", asked=asked, ms=seen.ms, answer={
        "peer_open": seen.peer_open, "accepted": seen.accepted, "notification": seen.notification,
        "ended": seen.ended or None, "messages": seen.log})
    return _judge(seen, params, source, target, evidence)


def _judge(seen: Exchange, params: OpenParams, source: str, target: str, evidence: Evidence) -> Outcome:
    note = seen.notification
    if seen.peer_open is None and note is None:
        what = "closed the connection" if seen.ended == "eof" else "sent nothing"
        return Outcome.failed(f"BGP probe: {target} {what} without an OPEN", evidence,
                              cause=f"the VBR does not list {source} as a BGP neighbour (or refuses it for now)",
                              remedy="configure a passive probe neighbour for the source address on the VBR, or "
                                     "correct network.bgp.probe_source_ip")
    if note is not None:
        return Outcome.failed(f"BGP probe: {target} refused our OPEN: {note['words']}", evidence,
                              cause=_notification_cause(note, params),
                              remedy="make the data-center side's ASN, hold time and router ID match the VBR's "
                                     "BGP group (DescribeBgpGroups: PeerAsn, LocalAsn)")
    assert seen.peer_open is not None
    asn = seen.peer_open["asn"]
    summary = (f"AS {asn}, hold time {seen.peer_open['hold_time']} s, router ID {seen.peer_open['router_id']}")
    if asn != params.expected_asn:
        return Outcome.failed(f"BGP probe: {target} speaks as AS {asn}, expected AS {params.expected_asn}", evidence,
                              cause=f"the VBR's ASN is {asn}; the profile says network.bgp.vbr_asn = "
                                    f"{params.expected_asn}",
                              remedy="set network.bgp.vbr_asn to the VBR's LocalAsn (45104 unless changed) and use "
                                     "it as the remote AS on the data-center router")
    if not seen.accepted:
        return Outcome.failed(f"BGP probe: {target} sent its OPEN ({summary}) but did not confirm ours", evidence,
                              cause="the VBR never sent KEEPALIVE after the OPEN exchange",
                              remedy="look at the VBR's BGP peer state; retry the probe")
    return Outcome.passed(f"BGP OPEN exchange with {target}: {summary}", evidence)


def _notification_cause(note: dict[str, Any], params: OpenParams) -> str:
    code, subcode = note["code"], note["subcode"]
    if (code, subcode) == (2, 2):
        return (f"bad peer AS: the VBR expects another ASN than ours (network.bgp.idc_asn = {params.local_asn}); "
                "the BGP group's PeerAsn must be the data center's ASN")
    if (code, subcode) == (2, 6):
        return "unacceptable hold time: the VBR refuses the hold time we offered"
    if code == 6:
        return f"the VBR closed the session administratively ({note['words']})"
    return f"the VBR sent NOTIFICATION {note['words']}"


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
