"""How old a result is, in words an operator reads at a glance, and whether it predates the current walk."""

from __future__ import annotations

import time
from collections.abc import Callable

clock: Callable[[], float] = time.time  # the console's idea of now (tests hold it still)

EARLIER = "before this walk"


def age(at: float, now: float | None = None) -> str:
    """'just now', '42 s ago', '5 min ago', '3 h ago', '2 d ago'."""
    seconds = max(0.0, (clock() if now is None else now) - at)
    if seconds < 2:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return f"{int(seconds)} s ago"


def predates(at: float, walk_started: float | None) -> bool:
    """Whether a result taken at `at` is older than the walk that began at `walk_started` (None: no walk)."""
    return walk_started is not None and at < walk_started


def label(at: float, walk_started: float | None) -> str:
    """The age, with the mark of a result older than the current walk."""
    return age(at) + (f" · {EARLIER}" if predates(at, walk_started) else "")
