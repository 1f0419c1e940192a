"""What a check reports: a status, a one-line summary, the evidence, and for anything not passing
a finding code from the catalogue (drconsole.findings) with the likely cause, the remedy and the
runbook step that fixes it. The statuses' order (worst first) and symbols live here too."""

from __future__ import annotations

import time
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, model_validator


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"  # could not evaluate
    SKIPPED = "skipped"

    @property
    def symbol(self) -> str:
        return SYMBOLS[self]

    @property
    def bad(self) -> bool:
        """Fail or error: something is broken, or could not be evaluated."""
        return self in (Status.FAIL, Status.ERROR)

    @property
    def holds(self) -> bool:
        """Pass or warn: what was checked holds (a warning is worth a look, not a stop)."""
        return self in (Status.PASS, Status.WARN)


# Worst first. A skipped check observed nothing, so it ranks below a pass: a sweep of passes and skips
# passes, and a cell with one pass and one skip shows the pass.
WORST_FIRST: tuple[Status, ...] = (Status.FAIL, Status.ERROR, Status.WARN, Status.PASS, Status.SKIPPED)
SYMBOLS: dict[Status, str] = {Status.PASS: "✓", Status.WARN: "⚠", Status.FAIL: "✗", Status.ERROR: "?",
                              Status.SKIPPED: "-"}


def worst(statuses: Iterable[Status | str]) -> Status | None:
    """The worst of the statuses, or None when there are none."""
    present = {Status(s) for s in statuses}
    return next((s for s in WORST_FIRST if s in present), None)


class Evidence(BaseModel):
    """One observation: what was asked of whom, and what came back."""

    source: str  # e.g. "vpc:DescribeBgpPeers", "birdc", "dns 10.200.0.3:53", "GET https://..."
    asked: str = ""
    answer: Any = None
    ms: float | None = None


class Outcome(BaseModel):
    """What a check function returns; the engine adds the identity and timing."""

    status: Status
    summary: str
    evidence: list[Evidence] = Field(default_factory=list)
    code: str | None = None  # the finding's code in the catalogue; every non-pass outcome has one
    cause: str | None = None
    remedy: str | None = None
    fix_step: str | None = None

    @model_validator(mode="after")
    def _coded(self) -> Outcome:
        if self.status is not Status.PASS and not self.code:
            raise ValueError(f"a {self.status.value} outcome must carry a finding code (drconsole.findings)")
        return self

    @classmethod
    def passed(cls, summary: str, *evidence: Evidence) -> Outcome:
        if not evidence:
            raise ValueError("a passing outcome must carry the evidence that was observed")
        return cls(status=Status.PASS, summary=summary, evidence=list(evidence))

    @classmethod
    def failed(cls, code: str, summary: str, *evidence: Evidence, cause: str | None = None,
               remedy: str | None = None, fix_step: str | None = None, **facts: object) -> Outcome:
        return cls._finding(Status.FAIL, code, summary, evidence, cause, remedy, fix_step, facts)

    @classmethod
    def warned(cls, code: str, summary: str, *evidence: Evidence, cause: str | None = None,
               remedy: str | None = None, fix_step: str | None = None, **facts: object) -> Outcome:
        return cls._finding(Status.WARN, code, summary, evidence, cause, remedy, fix_step, facts)

    @classmethod
    def errored(cls, code: str, summary: str, *evidence: Evidence, cause: str | None = None,
                remedy: str | None = None, **facts: object) -> Outcome:
        return cls._finding(Status.ERROR, code, summary, evidence, cause, remedy, None, facts)

    @classmethod
    def skipped(cls, code: str, reason: str, **facts: object) -> Outcome:
        return cls._finding(Status.SKIPPED, code, reason, (), reason, None, None, facts)

    @classmethod
    def _finding(cls, status: Status, code: str, summary: str, evidence: Iterable[Evidence], cause: str | None,
                 remedy: str | None, fix_step: str | None, facts: dict[str, object]) -> Outcome:
        """The catalogue entry `code` gives the cause, remedy and fixing step that the check does not;
        `cause` is what the check saw, `fix_step` a step that depends on the check's target."""
        from drconsole.findings import lookup

        finding = lookup(code)
        if finding.severity != status.value:
            raise ValueError(f"finding {code} is a {finding.severity} in the catalogue, not a {status.value}")
        return cls(status=status, code=code, summary=summary, evidence=list(evidence),
                   cause=cause or finding.cause_for(facts), remedy=remedy or finding.remedy_for(facts),
                   fix_step=fix_step or finding.fix_step)


class CheckResult(Outcome):
    check: str  # registered check name, e.g. "bgp.peer-established"
    key: str  # this invocation's id within the sweep, e.g. "network/bgp.peer-established"
    title: str
    family: str
    step: str | None = None
    zone: str | None = None  # "a", "b" or None for shared parts
    started_at: float = Field(default_factory=time.time)
    duration_ms: float = 0.0
    params: dict[str, Any] | None = None  # the parameters it ran with, resolved from the profile
