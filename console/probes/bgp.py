"""The BGP OPEN exchange with a neighbour, from a vantage: our OPEN (multiprotocol IPv4 unicast, 4-byte
ASN), the peer's OPEN parsed, KEEPALIVE or NOTIFICATION, then a Cease. Also a plain TCP 179 connect.
One probe at a time per neighbour: two connections from the same source collide in the peer."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from drconsole import vantage

CONNECT_TIMEOUT = 2.0
AS_TRANS = 23456  # RFC 6793: the 2-byte stand-in for a 4-byte ASN
OUR_HOLD_TIME = 90
VERDICT_WAIT = 0.5  # after the peer's OPEN, how long to wait for its KEEPALIVE or NOTIFICATION
ERROR_WAIT_RETRY = 1.2  # BIRD refuses a neighbour for ~1 s after a failed attempt ("error wait time")

# One probe at a time per neighbour: two connections from the same source collide in the peer.
_LOCKS: dict[tuple[str | None, str | None, str, int], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def neighbour_lock(where: str | None, source: str | None, peer: str, port: int) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault((where, source, peer, port), threading.Lock())


@dataclass
class Exchange:
    """What one OPEN exchange observed."""

    peer_open: dict[str, Any] | None = None
    accepted: bool = False  # the peer sent KEEPALIVE after its OPEN: it accepted ours
    notification: dict[str, Any] | None = None
    ended: str = ""  # "eof" or "timeout" when the peer stopped talking
    ms: float = 0.0
    log: list[str] = field(default_factory=list)


def reach(where: str | None, source: str | None, peer: str, port: int) -> float:
    """TCP connect to the neighbour (and close); the connect time in ms. Raises OSError."""
    with neighbour_lock(where, source, peer, port):
        started = time.monotonic()
        vantage.connect_tcp(where, peer, port, CONNECT_TIMEOUT, source).close()
        return round((time.monotonic() - started) * 1000, 2)


def exchange(where: str | None, source: str, peer: str, port: int, local_asn: int) -> Exchange:
    """An OPEN exchange as AS `local_asn` from `source` with the neighbour peer:port, from `where`; once more
    after BIRD's error-wait time when the peer hung up on us at once."""
    _bgp_layers()  # the import takes most of a second: not while holding the neighbour
    with neighbour_lock(where, source, peer, port):
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
        sock.sendall(open_message(layers, local_asn, source))
        seen.log.append("sent OPEN")
        deadline = [started + CONNECT_TIMEOUT]  # shortened once the peer's OPEN is in
        for message in frames(sock, lambda: deadline[0]):
            if message is None:
                seen.ended = "timeout"
                break
            if message == b"":
                seen.ended = "eof"
                break
            kind = message[18]
            if kind == 1:
                seen.peer_open = parse_open(message)
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


def open_message(layers: ModuleType, asn: int, router_id: str) -> bytes:
    """OPEN with the multiprotocol (IPv4 unicast) and 4-byte-ASN capabilities."""
    return bytes(layers.BGPHeader(type=1) / layers.BGPOpen(
        my_as=asn if asn <= 0xFFFF else AS_TRANS, hold_time=OUR_HOLD_TIME, bgp_id=router_id,
        opt_params=[layers.BGPOptParam(param_value=layers.BGPCapMultiprotocol(afi=1, safi=1)),
                    layers.BGPOptParam(param_value=layers.BGPCapFourBytesASN(asn=asn))]))


def parse_open(message: bytes) -> dict[str, Any]:
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


def frames(sock: socket.socket, deadline: Callable[[], float]) -> Iterator[bytes | None]:
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
