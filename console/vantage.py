"""Probe from the vantage: the network namespace the data center's traffic starts in.

A vantage is a network namespace name (`/var/run/netns/<name>`, as `ip netns add` makes it) or
None for the namespace this process runs in. A socket stays in the namespace it was created in,
so sockets (and netlink lookups) are made in a short-lived thread that has joined the vantage
with setns(2); the rest of the process never moves. Entering a namespace needs CAP_SYS_ADMIN.
"""

from __future__ import annotations

import ctypes
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from drconsole.errors import DrconsoleError

T = TypeVar("T")

CLONE_NEWNET = 0x40000000
NETNS_DIR = "/var/run/netns"
RTM_F_FIB_MATCH = 0x2000  # ask the kernel for the routing-table entry that matched, not just the result
ENTER_TIMEOUT = 5.0


class VantageError(DrconsoleError):
    """The vantage namespace cannot be used."""


def netns_path(name: str) -> str:
    return os.path.join(NETNS_DIR, name)


def _enter(name: str) -> None:
    """Move the calling thread (only) into the network namespace `name`."""
    path = netns_path(name)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise VantageError(f"network namespace {name!r} does not exist", where=path,
                           fix="correct network.vantage_netns in the profile (or start the lab)") from None
    except PermissionError:
        raise VantageError(f"no permission to open network namespace {name!r}", where=path,
                           fix="run drconsole as root to probe from a namespace, or unset network.vantage_netns "
                               "to probe from this host") from None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise VantageError(f"cannot enter network namespace {name!r}: {os.strerror(err)}", where=path,
                               fix="entering a namespace needs CAP_SYS_ADMIN: run drconsole as root")
    finally:
        os.close(fd)


def run_in(vantage: str | None, fn: Callable[[], T], timeout: float = ENTER_TIMEOUT) -> T:
    """Run `fn` inside `vantage` (in a fresh thread; directly when `vantage` is None) and return its
    result; its exceptions propagate. `fn` must bound its own network calls; `timeout` bounds the wait."""
    if vantage is None:
        return fn()
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            _enter(vantage)
            outcome["value"] = fn()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target, name=f"vantage-{vantage}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"work in network namespace {vantage!r} did not finish within {timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


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

    def describe(self) -> str:
        if not self.reachable:
            return f"no route to {self.destination} ({self.error})"
        via = f"via {self.gateway}" if self.gateway else "directly connected"
        entry = f" (route {self.matched})" if self.matched else ""
        return f"{self.destination} {via} dev {self.interface} src {self.source}{entry}"


def route_get(vantage: str | None, destination: str) -> Route:
    """Ask the kernel of `vantage` how it would send a packet to `destination` (netlink RTM_GETROUTE)."""
    return run_in(vantage, lambda: _route_get(destination))


def _route_get(destination: str) -> Route:
    from pyroute2 import IPRoute
    from pyroute2.netlink.exceptions import NetlinkError

    # pyroute2 opens its netlink socket per thread, so everything happens here, inside the vantage.
    with IPRoute() as ipr:
        try:
            found = ipr.route("get", dst=destination)[0]
        except NetlinkError as exc:
            return Route(destination, reachable=False, error=os.strerror(exc.code) if exc.code else str(exc))
        oif = found.get_attr("RTA_OIF")
        interface = ipr.link("get", index=oif)[0].get_attr("IFLA_IFNAME") if oif else None
        try:
            entry = ipr.route("get", dst=destination, flags=RTM_F_FIB_MATCH)[0]
            prefix = entry.get_attr("RTA_DST")
            matched = f"{prefix}/{entry['dst_len']}" if prefix else "default"
        except NetlinkError:  # kernels before 4.13 do not know the flag
            matched = None
        return Route(destination, reachable=True, gateway=found.get_attr("RTA_GATEWAY"), interface=interface,
                     source=found.get_attr("RTA_PREFSRC"), matched=matched)
