"""The action contract: a registered, idempotent change with a plan, an apply and a risk level.

An action's `plan(actx, params)` only reads (the ActionContext refuses any mutating request while
planning) and says exactly what `apply(actx, plan)` will do, or that the live state already matches.
`apply` runs only after the runner has confirmed the plan and checked the safety rules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pydantic import BaseModel

from drconsole.action_events import ActionOutput, CallRecord, ChangeRecord, PlanRecord

if TYPE_CHECKING:
    from drconsole.actions.context import ActionContext
    from drconsole.actions.safety import RuleResult, TrafficChange


class Risk(StrEnum):
    READ = "read"
    SAFE = "safe"
    MUTATING = "mutating"
    DESTRUCTIVE = "destructive"

    @property
    def changes(self) -> bool:
        """Whether this risk level changes anything (and so is refused in read-only mode)."""
        return self in (Risk.MUTATING, Risk.DESTRUCTIVE)


@dataclass
class ApiCall:
    """One cloud API operation a plan will send (parameters with secrets masked)."""

    product: str
    action: str
    params: dict[str, Any]

    def render(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.product}:{self.action}({shown})"


@dataclass
class KubeChange:
    """One server-side apply a plan will make, with the diff against the live object."""

    role: str
    kind: str
    name: str
    namespace: str | None
    manifest: dict[str, Any]
    exists: bool
    diff: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.role}: {self.kind} {where}{self.name}"

    def render(self) -> str:
        verb = "update" if self.exists else "create"
        lines = [f"{verb} {self.ref} (server-side apply, field manager drconsole)"]
        lines += [f"    {line}" for line in self.diff]
        return "\n".join(lines)


@dataclass
class Plan:
    """What an action will do, or why it needs to do nothing."""

    action: str
    title: str
    risk: Risk
    summary: str
    calls: list[ApiCall] = field(default_factory=list)
    changes: list[KubeChange] = field(default_factory=list)
    already_done: bool = False
    evidence: dict[str, Any] = field(default_factory=dict)
    target: str | None = None  # what a destructive action's confirmation must type back
    traffic: TrafficChange | None = None  # set by actions that move traffic: the safety rules apply
    profile_updates: dict[str, Any] = field(default_factory=dict)  # IDs found live, to write back
    production: bool = False
    data: dict[str, Any] = field(default_factory=dict)  # the action's own working values for apply

    def render(self) -> str:
        marker = "[PRODUCTION] " if self.production else ""
        head = f"{marker}{self.action} ({self.risk}): {self.title}"
        lines = [head, f"  {self.summary}"]
        if self.already_done:
            lines.append("  already done: " + json.dumps(self.evidence, default=str, sort_keys=True)[:400])
        for call in self.calls:
            lines.append(f"  call {call.render()}")
        for change in self.changes:
            lines.append("  " + change.render())
        if self.target:
            lines.append(f"  target: {self.target}")
        if self.profile_updates:
            lines.append(f"  profile: {self.profile_updates}")
        return "\n".join(lines)

    def to_record(self) -> PlanRecord:
        """The plan as the journal keeps it."""
        return PlanRecord(
            title=self.title, risk=str(self.risk), summary=self.summary, already_done=self.already_done,
            evidence=self.evidence, target=self.target, production=self.production,
            calls=[CallRecord(product=c.product, action=c.action, params=c.params) for c in self.calls],
            changes=[ChangeRecord(ref=c.ref, exists=c.exists, diff=c.diff) for c in self.changes],
            traffic=self.traffic.to_record() if self.traffic else None,
            profile_updates=self.profile_updates)


@dataclass
class Result:
    """What apply did."""

    summary: str
    profile_updates: dict[str, Any] = field(default_factory=dict)  # e.g. {"clusters.fleet.id": "c..."}
    output: ActionOutput = field(default_factory=ActionOutput)


class Action:
    """Subclass, set the class attributes through @action, and implement plan and apply."""

    name: ClassVar[str] = ""
    risk: ClassVar[Risk] = Risk.MUTATING
    title: ClassVar[str] = ""
    params: ClassVar[type[BaseModel]] = BaseModel

    def plan(self, actx: ActionContext, params: Any) -> Plan:
        raise NotImplementedError

    def apply(self, actx: ActionContext, plan: Plan) -> Result:
        raise NotImplementedError

    def new_plan(self, actx: ActionContext, summary: str, **fields: Any) -> Plan:
        return Plan(action=self.name, title=self.title, risk=self.risk, summary=summary,
                    production=actx.profile.production, **fields)


ACTIONS: dict[str, Action] = {}


def action(name: str, *, risk: Risk, title: str, params: type[BaseModel]) -> Any:
    """Class decorator: register an Action subclass under `name`."""

    def register(cls: type[Action]) -> type[Action]:
        cls.name, cls.risk, cls.title, cls.params = name, risk, title, params
        if name in ACTIONS and type(ACTIONS[name]) is not cls:
            raise ValueError(f"action {name!r} is registered twice")
        ACTIONS[name] = cls()
        return cls

    return register


class Confirmer(Protocol):
    """How the operator answers: the CLI from flags and prompts, the TUI with modals."""

    def ask_yes(self, plan: Plan) -> bool:
        """Go ahead with this mutating/destructive plan?"""
        ...

    def ask_target(self, plan: Plan, target: str) -> str:
        """The target as the operator typed it back (destructive plans)."""
        ...

    def ask_override(self, rule: RuleResult) -> str | None:
        """A break-glass reason to override this blocking rule, or None to stay blocked."""
        ...

    def ask_save_profile(self, updates: dict[str, Any]) -> bool:
        """May these IDs be written to the profile?"""
        ...
