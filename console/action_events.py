"""The payload of every action event, typed: the runner writes these models into the journal and the
exporters read them back through the same models, so a key cannot be spelt two ways.

Each event kind has its model (`PAYLOADS`); every model forbids unknown keys when written. Reading is
lenient only about keys an older drconsole wrote and this one no longer knows (`read_payload`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rehearsal: bool = False


class CallRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product: str
    action: str
    params: dict[str, Any]


class ChangeRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: str
    exists: bool
    diff: list[str]


class TrafficRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_zones: list[str]
    fallback: list[str]
    away_from: list[str] = Field(default_factory=list)


class PlanRecord(BaseModel):
    """A plan as the journal keeps it."""

    model_config = ConfigDict(extra="forbid")

    title: str
    risk: str
    summary: str
    already_done: bool
    evidence: dict[str, Any]
    target: str | None
    production: bool
    calls: list[CallRecord]
    changes: list[ChangeRecord]
    traffic: TrafficRecord | None
    profile_updates: dict[str, Any]


class ActionOutput(BaseModel):
    """What an action's apply reports beyond its summary; every action fills only what it measured."""

    model_config = ConfigDict(extra="forbid")

    applied: list[Any] | None = None  # resource versions of the objects applied
    zone: str | None = None
    recovery_s: float | None = None  # from the traffic decision to the chosen zone serving
    served_zone: str | None = None
    last_reply: dict[str, Any] | None = None
    stable_samples: int | None = None
    healthy_zones: list[str] | None = None
    pinned_zone: str | None = None
    zones: dict[str, str] | None = None
    fleet_id: str | None = None
    cluster_id: str | None = None
    cen_id: str | None = None
    cen_kind: str | None = None  # transit-router or legacy
    learnt_from_vbr: list[str] | None = None  # prefixes the transit router learnt from the VBR
    service_routes: dict[str, str] | None = None  # cloud-service range -> status


class RuleVerdict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str
    holds: bool
    reason: str


class Planned(Payload):
    plan: PlanRecord


class AlreadyDone(Payload):
    evidence: dict[str, Any]
    profile_updates: dict[str, Any]
    saved: bool


class Refused(Payload):
    reason: str
    rule: str | None = None
    risk: str | None = None
    evidence: dict[str, Any] | None = None
    fix: str | None = None
    fleet_identity: dict[str, str] | None = None  # who the Fleet saw, when its lock refused the action


class Rehearsed(Payload):
    note: str


class Safety(Payload):
    rules: list[RuleVerdict]


class Override(Payload):
    rule: str
    reason: str
    blocked_because: str
    who: str
    identity: str | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)
    fleet_identity: dict[str, str] | None = None
    overridden_holder: str | None = None  # the operator whose Fleet lock was taken over


class Declined(Payload):
    question: str
    typed: str | None = None
    who: str
    identity: str | None = None


class Confirmed(Payload):
    typed: str | None = None
    who: str
    identity: str | None = None


class Started(Payload):
    at: float
    token_seed: str | None = None  # the seed of the ClientTokens this attempt sends (a rerun reuses it)


class Failed(Payload):
    phase: str = "apply"  # or "plan"
    error: str
    fix: str | None = None
    request_ids: list[str] = Field(default_factory=list)
    duration_ms: float | None = None


class Succeeded(Payload):
    summary: str
    request_ids: list[str] = Field(default_factory=list)
    profile_updates: dict[str, Any] = Field(default_factory=dict)
    saved: bool = False
    duration_ms: float | None = None
    output: ActionOutput = Field(default_factory=ActionOutput)


class Interrupted(Payload):
    reason: str


class LockTaken(Payload):
    """The run holds the Fleet lock over traffic-changing and destructive actions."""

    holder: str
    fleet_identity: dict[str, str]
    lease: str
    previous_holder: str | None = None
    previous_expired: bool = False


class LockSkipped(Payload):
    """No Fleet to coordinate on (no kubeconfig, no drconsole namespace): the action goes on unlocked."""

    reason: str
    fix: str | None = None


class LockLost(Payload):
    """The lock was taken over by another console (or could not be renewed) while this run held it."""

    lease: str
    holder: str
    reason: str
    taken_by: str | None = None
    overridden_holder: str | None = None


PAYLOADS: dict[str, type[Payload]] = {
    "planned": Planned, "already-done": AlreadyDone, "refused": Refused, "rehearsed": Rehearsed,
    "safety": Safety, "override": Override, "declined": Declined, "confirmed": Confirmed, "started": Started,
    "failed": Failed, "succeeded": Succeeded, "interrupted": Interrupted,
    "lock": LockTaken, "lock-skipped": LockSkipped, "lock-lost": LockLost,
}


def read_payload(kind: str, data: dict[str, Any]) -> Payload | None:
    """The typed payload of a journaled event, or None when it does not fit (an older or foreign row)."""
    model = PAYLOADS.get(kind)
    if model is None:
        return None
    known = {k: v for k, v in data.items() if k in model.model_fields}
    try:
        return model.model_validate(known)
    except ValueError:
        return None
