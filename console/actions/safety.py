"""Safety rules for traffic changes, evaluated from live probes just before the change.

A rule that does not hold blocks the change and is named; a break-glass override needs a typed
reason, names the rule it overrides, and is journaled as an `override` event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drconsole import zones
from drconsole.action_events import TrafficRecord
from drconsole.actions.context import ActionContext
from drconsole.actions.probes import zone_health
from drconsole.probes.health import ZoneHealth


@dataclass
class TrafficChange:
    """Where traffic goes after a change: the zones meant to serve, and the zones the gateway may
    fall back to when those have no ready pods (a subset pin falls back to every zone)."""

    to_zones: list[str]
    fallback: list[str] = field(default_factory=list)
    away_from: list[str] = field(default_factory=list)

    def to_record(self) -> TrafficRecord:
        return TrafficRecord(to_zones=self.to_zones, fallback=self.fallback, away_from=self.away_from)


@dataclass
class RuleResult:
    rule: str
    holds: bool
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)


Rule = Callable[[TrafficChange, dict[str, ZoneHealth]], RuleResult]


def one_zone_serving(change: TrafficChange, health: dict[str, ZoneHealth]) -> RuleResult:
    serving = [z for z in dict.fromkeys(change.to_zones + change.fallback) if health[z].healthy]
    reason = (f"zone(s) {', '.join(serving)} will serve after the change" if serving else
              "no zone that would receive traffic after the change is healthy; the app would go dark")
    return RuleResult("one-zone-serving", bool(serving), reason,
                      {z: health[z].describe() for z in health})


def target_zone_healthy(change: TrafficChange, health: dict[str, ZoneHealth]) -> RuleResult:
    broken = [z for z in change.to_zones if not health[z].healthy]
    reason = (f"target zone(s) {', '.join(change.to_zones)} pass their gateway and cluster checks" if not broken
              else "; ".join(health[z].describe() for z in broken))
    return RuleResult("target-zone-healthy", not broken, reason,
                      {z: health[z].evidence for z in change.to_zones})


RULES: dict[str, Rule] = {"one-zone-serving": one_zone_serving, "target-zone-healthy": target_zone_healthy}


def live_health(actx: ActionContext) -> dict[str, ZoneHealth]:
    return {zone: zone_health(actx, zone) for zone in zones.KEYS}


def evaluate(actx: ActionContext, change: TrafficChange) -> list[RuleResult]:
    """Every rule, judged on probes taken now."""
    health = live_health(actx)
    return [rule(change, health) for rule in RULES.values()]
