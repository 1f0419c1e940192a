"""How long the work in progress may still take: a check's timeout, carried to the blocking calls it makes.

The engine opens a Budget around each check. `Context.blocking` runs a call in a copy of the caller's
context variables, so code in a worker thread (the cloud adapter's retries) sees the same Budget, fits
its retries inside it, and leaves there the last error it got — which the engine reports if the deadline
strikes while a call is still in flight.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from drconsole.errors import DrconsoleError

# Of every budget this share (at least RESERVE_MIN_S) is kept for reporting: a retry is started only
# when it is expected to end before the reserve begins.
RESERVE_SHARE = 0.2
RESERVE_MIN_S = 0.25


@dataclass
class Budget:
    seconds: float
    deadline: float  # time.monotonic()
    last_error: DrconsoleError | None = None

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def usable(self) -> float:
        """Seconds left before the reserve for reporting begins."""
        return self.remaining() - max(RESERVE_MIN_S, RESERVE_SHARE * self.seconds)


_CURRENT: ContextVar[Budget | None] = ContextVar("drconsole_budget", default=None)


@contextmanager
def budget(seconds: float) -> Iterator[Budget]:
    """Everything run in this block (and in threads started through `Context.blocking`) has `seconds`."""
    opened = Budget(seconds, time.monotonic() + seconds)
    token = _CURRENT.set(opened)
    try:
        yield opened
    finally:
        _CURRENT.reset(token)


def current() -> Budget | None:
    return _CURRENT.get()
