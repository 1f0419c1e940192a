"""Probe from the vantage: the network namespace the data center's traffic starts in.

A vantage is a network namespace name (`/var/run/netns/<name>`, as `ip netns add` makes it) or
None for the namespace this process runs in. A socket stays in the namespace it was created in,
so sockets (and netlink lookups) are made by a resident thread that has joined the vantage with
setns(2) once; the rest of the process never moves. A namespace removed and made again under the
same name gets a new resident. Entering a namespace needs CAP_SYS_ADMIN.
"""

from __future__ import annotations

import ctypes
import functools
import ipaddress
import itertools
import os
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from drconsole.errors import DrconsoleError

T = TypeVar("T")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

CLONE_NEWNET = 0x40000000
NETNS_DIR = "/var/run/netns"
ENTER_TIMEOUT = 5.0

# rtnetlink (linux/netlink.h, linux/rtnetlink.h)
NLM_F_REQUEST = 0x1
NLMSG_ERROR = 0x2
RTM_GETROUTE = 26
RTM_F_FIB_MATCH = 0x2000  # ask the kernel for the routing-table entry that matched, not just the result
RTA_DST, RTA_OIF, RTA_GATEWAY, RTA_PREFSRC = 1, 4, 5, 7
_NLMSGHDR = struct.Struct("=IHHII")  # length, type, flags, sequence number, port id
_RTMSG = struct.Struct("=BBBBBBBBI")  # family, dst_len, src_len, tos, table, protocol, scope, type, flags
_RTATTR = struct.Struct("=HH")  # length, type


class VantageError(DrconsoleError):
    """The vantage namespace cannot be used."""


def netns_path(name: str) -> str:
    return os.path.join(NETNS_DIR, name)


def _open(name: str) -> int:
    """A read-only descriptor of the network namespace `name`; VantageError when it is missing or closed to us."""
    path = netns_path(name)
    try:
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise VantageError(f"network namespace {name!r} does not exist", where=path,
                           fix="correct network.vantage_netns in the profile (or start the lab)") from None
    except PermissionError:
        raise VantageError(f"no permission to open network namespace {name!r}", where=path,
                           fix="run drconsole as root to probe from a namespace, or unset network.vantage_netns "
                               "to probe from this host") from None


def _join(fd: int, name: str) -> None:
    """Move the calling thread (only) into the network namespace open at `fd`."""
    if _libc().setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise VantageError(f"cannot enter network namespace {name!r}: {os.strerror(err)}", where=netns_path(name),
                           fix="entering a namespace needs CAP_SYS_ADMIN: run drconsole as root")


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def run_in(vantage: str | None, fn: Callable[[], T], timeout: float = ENTER_TIMEOUT) -> T:
    """Run `fn` inside `vantage` (on its resident thread; directly when `vantage` is None) and return its
    result; its exceptions propagate. `fn` must be quick and bound its own network calls (the resident runs
    one at a time); `timeout` bounds the wait."""
    if vantage is None:
        return fn()
    work = _resident(vantage).submit(fn)
    try:
        return work.result(timeout)
    except TimeoutError:
        if work.done():  # fn's own timeout
            raise
        raise TimeoutError(f"work in network namespace {vantage!r} did not finish within {timeout:g} s") from None


_RESIDENTS: dict[str, tuple[tuple[int, int], ThreadPoolExecutor]] = {}
_RESIDENTS_LOCK = threading.Lock()


def _resident(name: str) -> ThreadPoolExecutor:
    """The one-thread worker that has entered namespace `name` as it is now (its device and inode say which)."""
    fd = _open(name)
    try:
        stat = os.fstat(fd)
        identity = (stat.st_dev, stat.st_ino)
        with _RESIDENTS_LOCK:
            known = _RESIDENTS.get(name)
            if known is not None and known[0] == identity:
                return known[1]
            worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"vantage-{name}")
            try:
                worker.submit(_join, fd, name).result(ENTER_TIMEOUT)
            except BaseException:
                worker.shutdown(wait=False)
                raise
            if known is not None:  # the namespace was made again: let the old resident go
                known[1].shutdown(wait=False)
            _RESIDENTS[name] = (identity, worker)
            return worker
    finally:
        os.close(fd)


def new_socket(vantage: str | None, kind: int = socket.SOCK_STREAM) -> socket.socket:
    """A new IPv4 socket that lives in `vantage`."""
    return run_in(vantage, lambda: socket.socket(socket.AF_INET, kind))


def connect_tcp(vantage: str | None, host: str, port: int, timeout: float,
                source: str | None = None) -> socket.socket:
    """A TCP connection to host:port made from `vantage` (from address `source` when given).
    The socket keeps `timeout` for later reads; the caller closes it. Raises OSError/TimeoutError."""
    sock = new_socket(vantage)
    try:
        sock.settimeout(timeout)
        if source:
            sock.bind((source, 0))
        sock.connect((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def udp_socket(vantage: str | None) -> socket.socket:
    """A non-blocking UDP socket in `vantage` (what dnspython's `dns.query.udp(sock=...)` wants)."""
    sock = new_socket(vantage, socket.SOCK_DGRAM)
    sock.setblocking(False)
    return sock


@dataclass(frozen=True)
class Route:
    """The kernel's decision for one destination, as `ip route get` would print it."""

    destination: str
    reachable: bool
    gateway: str | None = None  # next hop; None when the destination is on a directly connected link
    interface: str | None = None
    source: str | None = None  # preferred source address
    matched: str | None = None  # the routing-table entry used, e.g. "100.118.28.0/24" or "default"
    error: str | None = None  # why there is no route, when not reachable
    ms: float | None = field(default=None, compare=False)  # how long the kernel took to answer

    def describe(self) -> str:
        if not self.reachable:
            return f"no route to {self.destination} ({self.error})"
        via = f"via {self.gateway}" if self.gateway else "directly connected"
        entry = f" (route {self.matched})" if self.matched else ""
        return f"{self.destination} {via} dev {self.interface} src {self.source}{entry}"


def route_get(vantage: str | None, destination: str) -> Route:
    """Ask the kernel of `vantage` how it would send a packet to `destination` (netlink RTM_GETROUTE)."""
    return route_get_many(vantage, [destination])[0]


def route_get_many(vantage: str | None, destinations: Sequence[str], timeout: float = ENTER_TIMEOUT) -> list[Route]:
    """The kernel's decision for each of `destinations`, in order, asked with one entry into `vantage` and one
    netlink socket. Raises ValueError for a destination that is not an IP address."""
    asked = [(destination, ipaddress.ip_address(destination)) for destination in destinations]
    return run_in(vantage, lambda: _ask_all(asked, timeout), timeout)


class _NetlinkError(Exception):
    """The kernel refused a request; the message is its errno's text, e.g. "Network is unreachable"."""


def _ask_all(destinations: list[tuple[str, IPAddress]], timeout: float) -> list[Route]:
    """Every decision over one NETLINK_ROUTE socket, made in (and bound to) the calling thread's namespace."""
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as sock:
        sock.settimeout(timeout)
        sequence = itertools.count(1)
        return [_decide(sock, sequence, name, address) for name, address in destinations]


def _decide(sock: socket.socket, sequence: Iterator[int], destination: str, address: IPAddress) -> Route:
    started = time.perf_counter()
    try:
        _, found = _get_route(sock, next(sequence), address)
    except _NetlinkError as exc:
        return Route(destination, reachable=False, error=str(exc), ms=_ms_since(started))
    try:
        prefix_len, entry = _get_route(sock, next(sequence), address, RTM_F_FIB_MATCH)
        matched = f"{_address(entry[RTA_DST])}/{prefix_len}" if RTA_DST in entry else "default"
    except _NetlinkError:  # kernels before 4.13 do not know the flag
        matched = None
    oif = struct.unpack("=I", found[RTA_OIF])[0] if RTA_OIF in found else 0
    return Route(destination, reachable=True, gateway=_address(found.get(RTA_GATEWAY)),
                 interface=socket.if_indextoname(oif) if oif else None, source=_address(found.get(RTA_PREFSRC)),
                 matched=matched, ms=_ms_since(started))


def _get_route(sock: socket.socket, seq: int, address: IPAddress, flags: int = 0) -> tuple[int, dict[int, bytes]]:
    """One RTM_GETROUTE for `address`: the answer's prefix length and attributes, or _NetlinkError."""
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    body = _RTMSG.pack(family, address.max_prefixlen, 0, 0, 0, 0, 0, 0, flags)
    body += _RTATTR.pack(_RTATTR.size + len(address.packed), RTA_DST) + address.packed
    sock.send(_NLMSGHDR.pack(_NLMSGHDR.size + len(body), RTM_GETROUTE, NLM_F_REQUEST, seq, 0) + body)
    while True:  # the kernel answers within send(); anything with another sequence number is stale
        for kind, reply_seq, reply in _messages(sock.recv(65536)):
            if reply_seq != seq:
                continue
            if kind == NLMSG_ERROR:
                raise _NetlinkError(os.strerror(-struct.unpack_from("=i", reply)[0]))
            return reply[1], _attributes(reply[_RTMSG.size:])


def _messages(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """(type, sequence number, payload) of each netlink message in one datagram."""
    offset = 0
    while offset + _NLMSGHDR.size <= len(data):
        length, kind, _, seq, _ = _NLMSGHDR.unpack_from(data, offset)
        if length < _NLMSGHDR.size:
            return
        yield kind, seq, data[offset + _NLMSGHDR.size:offset + length]
        offset += _align(length)


def _attributes(data: bytes) -> dict[int, bytes]:
    """The route attributes (RTA_*) of an rtmsg payload, by type."""
    found: dict[int, bytes] = {}
    offset = 0
    while offset + _RTATTR.size <= len(data):
        length, kind = _RTATTR.unpack_from(data, offset)
        if length < _RTATTR.size:
            break
        found[kind] = data[offset + _RTATTR.size:offset + length]
        offset += _align(length)
    return found


def _align(length: int) -> int:
    return (length + 3) & ~3


def _address(raw: bytes | None) -> str | None:
    return str(ipaddress.ip_address(raw)) if raw else None


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
