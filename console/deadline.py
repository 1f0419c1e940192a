"""How long the work in progress may still take: a check's timeout, carried to the blocking calls it makes.

The engine opens a Budget around each check. `Context.blocking` runs a call in a copy of the caller's
context variables, so code in a worker thread sees the same Budget: the cloud adapter fits its retries inside
it and leaves there the last error it got — which the engine reports if the deadline strikes while a call
is still in flight — and the time spent loading an SDK client is exempted from it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field

from drconsole.errors import DrconsoleError

# Of every budget this share (at least RESERVE_MIN_S) is kept for reporting: a retry is started only
# when it is expected to end before the reserve begins.
RESERVE_SHARE = 0.2
RESERVE_MIN_S = 0.25
# Set-up stops a budget's clock for at most this long in all (a kubeconfig's exec plugin could hang).
SETUP_CAP_S = 120.0


@dataclass
class Budget:
    seconds: float
    deadline: float  # time.monotonic(); moved on by local set-up time (see `setting_up`)
    last_error: DrconsoleError | None = None
    setup_s: float = 0.0  # set-up time exempted so far
    _setups: int = field(default=0, repr=False)
    _paused_at: float = field(default=0.0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def remaining(self) -> float:
        now = time.monotonic()
        with self._lock:
            paused = min(now - self._paused_at, SETUP_CAP_S - self.setup_s) if self._setups else 0.0
            return self.deadline + paused - now

    def usable(self) -> float:
        """Seconds left before the reserve for reporting begins."""
        return self.remaining() - max(RESERVE_MIN_S, RESERVE_SHARE * self.seconds)

    @contextmanager
    def setting_up(self) -> Iterator[None]:
        """Local one-off set-up (loading an SDK, building its client) does not count against the budget:
        the timeout bounds the wait on the other side, which a loaded machine's imports must not eat.
        The clock stops while any set-up of this budget runs."""
        with self._lock:
            if not self._setups:
                self._paused_at = time.monotonic()
            self._setups += 1
        try:
            yield
        finally:
            with self._lock:
                self._setups -= 1
                if not self._setups:
                    paused = min(time.monotonic() - self._paused_at, SETUP_CAP_S - self.setup_s)
                    self.deadline += paused
                    self.setup_s += paused


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


def setting_up() -> AbstractContextManager[None]:
    """The current budget's `setting_up`, or nothing outside a budget."""
    budget = current()
    return budget.setting_up() if budget is not None else nullcontext()
