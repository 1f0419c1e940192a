"""One sweep asks each distinct read once: the sweep's shared answers to cloud Describe*/List*/Get* calls,
Kubernetes GETs, DNS lookups, and the sample of requests the users' view sends through the gateway.

`engine.sweep` opens a SweepReads for its checks (a context variable each check's task and worker threads
inherit); `checks/_cloud.ask` sends its reads through it, and `checks/_k8s.request`, `checks/dns.lookup` and
`checks/gateway_users` through `shared`.
Two checks making the same read share one call — the second waits for the first one's answer (or error) —
and the answers are dropped with the sweep, so the next sweep asks again. Anything else (a mutating call, a
check run on its own) goes straight to the source.
"""
from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
READ_PREFIXES = ("Describe", "List", "Get")


def is_read(action: str) -> bool:
    """Whether an API action only reads (by the cloud's naming: Describe*, List*, Get*)."""
    return action.startswith(READ_PREFIXES)


class SweepReads:
    """The reads one sweep has made, by request key: finished answers and calls still in flight."""

    def __init__(self) -> None:
        self._calls: dict[Hashable, Future[Any]] = {}
        self._lock = threading.Lock()

    def share(self, key: Hashable, read: Callable[[], T]) -> T:
        """`read()`'s answer for `key`: the first caller runs it (blocking), later ones wait for that answer."""
        with self._lock:
            shared = self._calls.get(key)
            first = shared is None
            if shared is None:
                shared = self._calls[key] = Future()
        if not first:
            return shared.result()
        try:
            answer = read()
        except BaseException as exc:
            shared.set_exception(exc)
            raise
        shared.set_result(answer)
        return answer


CURRENT: contextvars.ContextVar[SweepReads | None] = contextvars.ContextVar("drconsole_sweep_reads", default=None)


def current() -> SweepReads | None:
    """The reads of the sweep the caller runs in, if any."""
    return CURRENT.get()


def shared(key: Hashable, read: Callable[[], T]) -> T:
    """`read()` (blocking), shared by key with the other checks of the sweep the caller runs in; outside a
    sweep it is simply run."""
    reads = current()
    return read() if reads is None else reads.share(key, read)
