"""The lab's namespaces, entered with the core's vantage helpers (drconsole.vantage)."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from typing import TypeVar

from drconsole.vantage import ENTER_TIMEOUT, netns_path, run_in

T = TypeVar("T")

__all__ = ["netns_exists", "netns_path", "run_in_netns", "socket_in_netns"]


def netns_exists(ns: str) -> bool:
    return os.path.exists(netns_path(ns))


def run_in_netns(ns: str | None, fn: Callable[[], T], timeout: float | None = None) -> T:
    """Run `fn` inside namespace `ns` (here when None); see drconsole.vantage.run_in."""
    return run_in(ns, fn, timeout=ENTER_TIMEOUT if timeout is None else timeout)


def socket_in_netns(ns: str | None, family: int = socket.AF_INET,
                    type: int = socket.SOCK_STREAM, proto: int = 0) -> socket.socket:
    """A new socket that lives in namespace `ns` (the current one when `ns` is None)."""
    return run_in(ns, lambda: socket.socket(family, type, proto))
