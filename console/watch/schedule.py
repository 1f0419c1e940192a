"""When each family's checks run next: an interval per family with jitter, sweeps that never
overlap (the next is planned only when one ends), and a longer wait while the API throttles."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Schedule:
    """Due times per family on a monotonic clock. Pure: the caller supplies `now`."""

    intervals: dict[str, float]
    jitter: float = 0.1
    max_backoff: float = 8.0
    rng: random.Random = field(default_factory=random.Random)
    backoff: float = 1.0
    _due: dict[str, float] = field(default_factory=dict)

    def start(self, now: float) -> None:
        """Every family is due at once: the first sweep covers everything."""
        self._due = {family: now for family in self.intervals}

    def due(self, now: float) -> list[str]:
        return sorted(f for f, at in self._due.items() if at <= now)

    def next_at(self) -> float:
        return min(self._due.values())

    def swept(self, families: Iterable[str], started: float, ended: float, *, throttled: bool) -> None:
        """Plan the swept families' next run: one jittered interval after the sweep started (stretched
        while throttled), and never before it ended."""
        self.backoff = min(self.max_backoff, self.backoff * 2) if throttled else 1.0
        for family in families:
            wait = self.intervals[family] * self.backoff * (1 + self.rng.uniform(-self.jitter, self.jitter))
            self._due[family] = max(started + wait, ended)
