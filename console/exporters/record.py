"""The record of one run, built from the journal: every step with its state, confirmations, checks and
actions; the profile (it never holds secrets); the tool version and timestamps."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, Field

from drconsole import __version__
from drconsole.journal import Journal
from drconsole.profile import Profile
from drconsole.results import CheckResult, Status
from drconsole.runbooks.schema import Runbook

SCHEMA = "drconsole.run/2"  # 2: every check result carries its finding `code`


class Confirmation(BaseModel):
    item: str
    text: str
    confirmed: bool
    operator: str | None = None
    at: float | None = None
    note: str | None = None


class ActionEvent(BaseModel):
    kind: str
    at: float
    operator: str
    identity: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class ActionRecord(BaseModel):
    uid: str
    action: str
    step: str | None
    state: str
    events: list[ActionEvent]
    request_ids: list[str] = Field(default_factory=list)
    override: dict[str, Any] | None = None


class StepRecord(BaseModel):
    id: str
    title: str
    section: str | None
    optional: bool
    state: str
    confirmations: list[Confirmation]
    checks: list[CheckResult]
    actions: list[ActionRecord]


class RunInfo(BaseModel):
    id: int
    kind: str
    runbook: str | None
    profile: str
    operator: str
    started: float
    finished: float | None
    outcome: str | None
    rehearsal: bool
    tool_version: str


class Totals(BaseModel):
    checks: int
    by_status: dict[str, int]
    actions: int
    overrides: int


class RunRecord(BaseModel):
    schema_: str = Field(default=SCHEMA, alias="schema")
    tool_version: str = __version__
    generated_at: float = Field(default_factory=time.time)
    run: RunInfo
    runbook_title: str
    profile: dict[str, Any]
    production: bool
    steps: list[StepRecord]
    totals: Totals
    recovery_seconds: float | None = None

    model_config = {"populate_by_name": True}


def step_state(checks: list[CheckResult], confirmations: list[Confirmation], actions: list[ActionRecord],
               journaled: str | None) -> str:
    """failing / done / in progress / not started, from what was observed."""
    if any(c.status in (Status.FAIL, Status.ERROR) for c in checks) or any(a.state == "failed" for a in actions):
        return "failing"
    confirmed = [c for c in confirmations if c.confirmed]
    if not (checks or confirmed or actions or journaled):
        return "not started"
    every_check_ok = all(c.status in (Status.PASS, Status.WARN) for c in checks)
    if every_check_ok and len(confirmed) == len(confirmations) and (checks or confirmations):
        return "done"
    return "in progress"


def build_record(journal: Journal, run_id: int, runbook: Runbook, profile: Profile) -> RunRecord:
    run = journal.run(run_id)
    if run is None:
        raise KeyError(run_id)
    results = journal.results(run_id)
    confirmations = journal.confirmations(runbook.id)
    states = journal.step_states(runbook.id)
    actions = _actions(journal, run_id)
    steps = []
    for step in runbook.steps:
        confirms = []
        for item in step.confirm:
            row = confirmations.get((step.id, item.id))
            confirms.append(Confirmation(item=item.id, text=item.text, confirmed=bool(row and row["confirmed"]),
                                         operator=row["operator"] if row else None, at=row["at"] if row else None,
                                         note=row["note"] if row else None))
        checks = [r for r in results if r.step == step.id]
        step_actions = [a for a in actions if a.step == step.id]
        steps.append(StepRecord(
            id=step.id, title=step.title, section=step.section, optional=step.optional,
            state=step_state(checks, confirms, step_actions, states.get(step.id)),
            confirmations=confirms, checks=checks, actions=step_actions))
    by_status = {s.value: sum(1 for r in results if r.status is s) for s in Status}
    recovery = [e.data["recovery_seconds"] for a in actions for e in a.events if "recovery_seconds" in e.data]
    return RunRecord(
        run=RunInfo(id=run["id"], kind=run["kind"], runbook=run["runbook"], profile=run["profile"],
                    operator=run["operator"], started=run["started"], finished=run["finished"],
                    outcome=run["outcome"], rehearsal=bool(run["rehearsal"]), tool_version=run["tool_version"]),
        runbook_title=runbook.title,
        profile=profile.model_dump(mode="json", exclude_none=True),
        production=profile.production,
        steps=steps,
        totals=Totals(checks=len(results), by_status=by_status, actions=len(actions),
                      overrides=sum(1 for a in actions if a.override)),
        recovery_seconds=recovery[-1] if recovery else None,
    )


def _actions(journal: Journal, run_id: int) -> list[ActionRecord]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for event in journal.action_events(run_id=run_id):
        grouped.setdefault(event["action_uid"], []).append(event)
    records = []
    for uid, events in grouped.items():
        request_ids = [rid for e in events for rid in e["data"].get("request_ids", [])]
        override = next((e["data"] for e in events if e["kind"] == "override"), None)
        records.append(ActionRecord(
            uid=uid, action=events[0]["action"], step=events[0]["step"], state=events[-1]["kind"],
            events=[ActionEvent(kind=e["kind"], at=e["at"], operator=e["operator"], identity=e["identity"],
                                data=e["data"]) for e in events],
            request_ids=request_ids, override=override))
    return records
