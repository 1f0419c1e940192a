"""Work inside a lab network namespace from a normal (root-namespace) process.

A socket stays in the namespace it was created in, so probes create their sockets in a
short-lived thread that has joined the namespace with setns(2); the rest of the process is
never moved. Namespaces are the ones `ip netns add` made (/var/run/netns/<name>).
"""

from __future__ import annotations

import ctypes
import os
import socket
import threading
from collections.abc import Callable
from typing import TypeVar

from drconsole.errors import LabError

T = TypeVar("T")

CLONE_NEWNET = 0x40000000
NETNS_DIR = "/var/run/netns"

_libc = ctypes.CDLL(None, use_errno=True)


def netns_path(ns: str) -> str:
    return os.path.join(NETNS_DIR, ns)


def netns_exists(ns: str) -> bool:
    return os.path.exists(netns_path(ns))


def _enter(ns: str) -> None:
    """Move the calling thread (only) into namespace `ns`."""
    try:
        fd = os.open(netns_path(ns), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise LabError(f"network namespace {ns!r} does not exist", where=netns_path(ns),
                       fix="start the lab with `drconsole lab up`") from None
    except PermissionError:
        raise LabError(f"no permission to open network namespace {ns!r}", where=netns_path(ns),
                       fix="run as root, or use the lab in loopback mode") from None
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise LabError(f"cannot enter network namespace {ns!r}: {os.strerror(err)}",
                           where=netns_path(ns), fix="run as root (entering a namespace needs CAP_SYS_ADMIN)")
    finally:
        os.close(fd)


def run_in_netns(ns: str | None, fn: Callable[[], T], timeout: float | None = None) -> T:
    """Run `fn` in a fresh thread inside namespace `ns` (directly when `ns` is None) and return
    its result; its exceptions propagate. `timeout` bounds the wait (TimeoutError); `fn` itself
    must still put timeouts on its own network calls."""
    if ns is None:
        return fn()
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            _enter(ns)
            outcome["value"] = fn()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target, name=f"netns-{ns}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"work in network namespace {ns!r} did not finish within {timeout} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def socket_in_netns(ns: str | None, family: int = socket.AF_INET,
                    type: int = socket.SOCK_STREAM, proto: int = 0) -> socket.socket:
    """A new socket that lives in namespace `ns` (the current one when `ns` is None)."""
    return run_in_netns(ns, lambda: socket.socket(family, type, proto), timeout=5.0)
