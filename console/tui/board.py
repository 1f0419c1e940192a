"""The incident dashboard's picture of health: per zone and per shared part, by check family."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drconsole.results import CheckResult

# The families always shown (more appear as checks report them).
ZONE_FAMILIES = ("kube", "gitops", "gateway", "endpoints")
SHARED_FAMILIES = ("bgp", "routes", "dns", "fleet", "gateway")
WORST_FIRST = ("fail", "error", "warn", "pass", "skipped")
HISTORY = 30


def worst(statuses: list[str]) -> str:
    """The worst status, or 'unknown' when nothing was evaluated."""
    return next((s for s in WORST_FIRST if s in statuses), "unknown")


@dataclass
class Board:
    """The latest result of every check key, and a latency history per family and zone."""

    results: dict[str, CheckResult] = field(default_factory=dict)
    latency: dict[tuple[str, str | None], deque[float]] = field(default_factory=dict)

    def add(self, result: CheckResult) -> None:
        self.results[result.key] = result
        self.latency.setdefault((result.family, result.zone), deque(maxlen=HISTORY)).append(result.duration_ms)

    def cell(self, family: str, zone: str | None) -> list[CheckResult]:
        return [r for r in self.results.values() if r.family == family and r.zone == zone]

    def families(self, zone: str | None) -> list[str]:
        base = SHARED_FAMILIES if zone is None else ZONE_FAMILIES
        seen = {r.family for r in self.results.values() if r.zone == zone}
        return [*base, *sorted(seen - set(base))]

    def verdict(self, family: str, zone: str | None) -> str:
        return worst([r.status.value for r in self.cell(family, zone)])

    def zone_verdict(self, zone: str) -> str:
        return worst([r.status.value for r in self.results.values() if r.zone == zone])

    def failing_zone(self) -> str | None:
        """The zone to fail over from: the one whose checks fail while the other's do not."""
        bad = [z for z in ("a", "b") if self.zone_verdict(z) in ("fail", "error")]
        return bad[0] if len(bad) == 1 else None
