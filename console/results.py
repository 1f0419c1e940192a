"""What a check reports: a status, a one-line summary, the evidence, and for anything not passing
the likely cause and the runbook step that fixes it."""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"  # could not evaluate
    SKIPPED = "skipped"

    @property
    def symbol(self) -> str:
        return {"pass": "✓", "warn": "⚠", "fail": "✗", "error": "?", "skipped": "-"}[self.value]


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
    cause: str | None = None
    remedy: str | None = None
    fix_step: str | None = None

    @classmethod
    def passed(cls, summary: str, *evidence: Evidence) -> Outcome:
        if not evidence:
            raise ValueError("a passing outcome must carry the evidence that was observed")
        return cls(status=Status.PASS, summary=summary, evidence=list(evidence))

    @classmethod
    def failed(cls, summary: str, *evidence: Evidence, cause: str, remedy: str,
               fix_step: str | None = None) -> Outcome:
        return cls(status=Status.FAIL, summary=summary, evidence=list(evidence), cause=cause, remedy=remedy,
                   fix_step=fix_step)

    @classmethod
    def warned(cls, summary: str, *evidence: Evidence, cause: str, remedy: str,
               fix_step: str | None = None) -> Outcome:
        return cls(status=Status.WARN, summary=summary, evidence=list(evidence), cause=cause, remedy=remedy,
                   fix_step=fix_step)

    @classmethod
    def errored(cls, summary: str, *evidence: Evidence, cause: str, remedy: str | None = None) -> Outcome:
        return cls(status=Status.ERROR, summary=summary, evidence=list(evidence), cause=cause, remedy=remedy)

    @classmethod
    def skipped(cls, reason: str, remedy: str | None = None) -> Outcome:
        return cls(status=Status.SKIPPED, summary=reason, cause=reason, remedy=remedy)


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
