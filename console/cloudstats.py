"""Counts of cloud API calls per product, kept by console/cloud.py for whoever reports on them
(the watcher's metrics). Plain counters, no dependencies: reading them costs nothing."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class CallCounts:
    """Calls sent and calls the API throttled, per product, for the life of the process."""

    calls: Counter[str] = field(default_factory=Counter)
    throttles: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def sent(self, product: str) -> None:
        with self._lock:
            self.calls[product] += 1

    def throttled(self, product: str) -> None:
        with self._lock:
            self.throttles[product] += 1

    def snapshot(self) -> tuple[dict[str, int], dict[str, int]]:
        with self._lock:
            return dict(self.calls), dict(self.throttles)

    def total_throttles(self) -> int:
        with self._lock:
            return sum(self.throttles.values())


COUNTS = CallCounts()
