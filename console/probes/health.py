"""A zone's health, the one definition: the safety rules and traffic actions judge it from live probes,
the dashboard from the zone's check results.

A zone is healthy when everything observed of it is good and something was observed: its cluster's API
server answers, its copy of the application has ready endpoints, and that copy answers requests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from drconsole.results import Status
from drconsole.zones import Zone

if TYPE_CHECKING:
    from drconsole.results import CheckResult

# the check families that observe each part of a zone's health on the dashboard
CLUSTER_FAMILIES = ("kube",)
APP_FAMILIES = ("gateway",)


@dataclass
class ZoneHealth:
    zone: Zone
    cluster_ok: bool | None = None  # None: not observed
    ready_endpoints: int | None = None
    app_ok: bool | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        parts = (self.cluster_ok, None if self.ready_endpoints is None else self.ready_endpoints > 0, self.app_ok)
        observed = [p for p in parts if p is not None]
        return bool(observed) and all(observed)

    def describe(self) -> str:
        parts = []
        if self.cluster_ok is not None:
            parts.append(f"cluster API {'up' if self.cluster_ok else 'DOWN'}")
        if self.ready_endpoints is not None:
            parts.append(f"{self.ready_endpoints} ready endpoint(s)")
        if self.app_ok is not None:
            parts.append(f"app {'answers' if self.app_ok else 'DOWN'}")
        return (f"{self.zone.name}: {'healthy' if self.healthy else 'UNHEALTHY'} — "
                + (", ".join(parts) or "nothing observed"))


def from_results(zone: Zone, results: Iterable[CheckResult]) -> ZoneHealth:
    """The zone's health from its check results: its kube checks observe the cluster, its gateway checks
    the application (a skipped check observed nothing)."""
    mine = [r for r in results if r.zone == zone.key and r.status is not Status.SKIPPED]

    def good(families: tuple[str, ...]) -> bool | None:
        seen = [r for r in mine if r.family in families]
        return all(not r.status.bad for r in seen) if seen else None

    return ZoneHealth(zone, cluster_ok=good(CLUSTER_FAMILIES), app_ok=good(APP_FAMILIES),
                      evidence={r.key: r.status.value for r in mine})
