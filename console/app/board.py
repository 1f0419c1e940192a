"""The incident dashboard's picture of health: per zone and per shared part, by check family.

Results are indexed by (family, zone) and grouped by status there, so a verdict, a count or a zone's
health never scans the whole board; the board also remembers which of those cells changed since the
screen last drew them."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from drconsole.results import WORST_FIRST
from drconsole.results import worst as worst_status

if TYPE_CHECKING:
    from drconsole.profile import Profile
    from drconsole.results import CheckResult

# The families always shown (more appear as checks report them).
ZONE_FAMILIES = ("kube", "gitops", "gateway", "endpoints")
SHARED_FAMILIES = ("bgp", "routes", "dns", "fleet", "gateway")
BLACK_HOLE = "GW-BLACK-HOLE"  # drconsole.checks.gateway_users: users fail in a zone whose endpoints look ready
PROBLEM_ORDER = {status.value: rank for rank, status in enumerate(WORST_FIRST[:3])}  # fail, error, warn
HISTORY = 30

Where = tuple[str, str | None]  # (family, zone); zone None for the shared path


def worst(statuses: list[str]) -> str:
    """The worst status, or 'unknown' when nothing was evaluated."""
    found = worst_status(statuses)
    return found.value if found else "unknown"


@dataclass
class Cell:
    """The latest results of one family in one zone, grouped by status (status -> key -> result)."""

    by_status: dict[str, dict[str, CheckResult]] = field(default_factory=dict)

    def put(self, result: CheckResult) -> None:
        self.by_status.setdefault(result.status.value, {})[result.key] = result

    def drop(self, result: CheckResult) -> None:
        group = self.by_status[result.status.value]
        del group[result.key]
        if not group:
            del self.by_status[result.status.value]

    @property
    def results(self) -> list[CheckResult]:
        return [r for group in self.by_status.values() for r in group.values()]

    @property
    def total(self) -> int:
        return sum(len(group) for group in self.by_status.values())

    def count(self, status: str) -> int:
        return len(self.by_status.get(status, ()))

    @property
    def verdict(self) -> str:
        return worst(list(self.by_status))


@dataclass
class Board:
    """The latest result of every check key, and a latency history per family and zone (filled by `add` only,
    which keeps the index in step)."""

    results: dict[str, CheckResult] = field(default_factory=dict, init=False)
    latency: dict[Where, deque[float]] = field(default_factory=dict, init=False)
    cells: dict[Where, Cell] = field(default_factory=dict, init=False)
    changed: set[Where] = field(default_factory=set, init=False)  # cells changed since `take_changes`

    def add(self, result: CheckResult) -> bool:
        """Record `result`'s latency and make it its key's latest, unless the latest was observed later (a
        quick zone probe that started after this sweep's check). True when it became the latest."""
        where = (result.family, result.zone)
        self.latency.setdefault(where, deque(maxlen=HISTORY)).append(result.duration_ms)
        self.changed.add(where)
        old = self.results.get(result.key)
        if old is not None:
            if old.started_at > result.started_at:
                return False
            self.cells[(old.family, old.zone)].drop(old)
            self.changed.add((old.family, old.zone))
        self.results[result.key] = result
        self.cells.setdefault(where, Cell()).put(result)
        return True

    def take_changes(self) -> set[Where]:
        """The cells changed since the last call."""
        changed, self.changed = self.changed, set()
        return changed

    def cell(self, family: str, zone: str | None) -> list[CheckResult]:
        found = self.cells.get((family, zone))
        return found.results if found else []

    def families(self, zone: str | None) -> list[str]:
        base = SHARED_FAMILIES if zone is None else ZONE_FAMILIES
        seen = {family for (family, z), cell in self.cells.items() if z == zone and cell.total}
        return [*base, *sorted(seen - set(base))]

    def verdict(self, family: str, zone: str | None) -> str:
        found = self.cells.get((family, zone))
        return found.verdict if found else "unknown"

    def zone_verdict(self, zone: str) -> str:
        return worst([s for (_, z), cell in self.cells.items() if z == zone for s in cell.by_status])

    def failing_zone(self, profile: Profile) -> str | None:
        """The zone to fail over from: the one that is unhealthy (drconsole.probes.health) while the other is not."""
        from drconsole import zones
        from drconsole.probes.health import from_results

        health = [from_results(zone, self.results.values()) for zone in zones.zones(profile)]
        bad = [h.zone.key for h in health if not h.healthy and (h.cluster_ok is not None or h.app_ok is not None)]
        return bad[0] if len(bad) == 1 else None

    def black_hole(self) -> CheckResult | None:
        """A zone the gateway still sends users to while it fails them, if the board shows one: the moment to
        offer pinning traffic to the other zone."""
        found = self.cells.get(("gateway", "a")), self.cells.get(("gateway", "b"))
        return next((r for cell in found if cell for r in cell.by_status.get("fail", {}).values()
                     if r.code == BLACK_HOLE), None)

    def problem_list(self) -> list[CheckResult]:
        """The failing, erroring and warning results, worst first, then by key."""
        found = [r for cell in self.cells.values() for status in PROBLEM_ORDER
                 for r in cell.by_status.get(status, {}).values()]
        return sorted(found, key=lambda r: (PROBLEM_ORDER[r.status.value], r.key))

    def samples(self) -> list[CheckResult]:
        """One result per (family, zone, status) on the board: enough for anything that depends on those only
        (the topology's health), at a fraction of the results."""
        return [next(iter(group.values())) for cell in self.cells.values() for group in cell.by_status.values()]
