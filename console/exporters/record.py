"""The record of one run, built from the journal alone: what the run ran against (the profile and the
runbook as they were when it started), every step with its state, confirmations, checks and actions,
the tool version and timestamps. What an older run never recorded is exported as not recorded — never
filled in from today's files."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, Field

from drconsole import __version__
from drconsole import action_events as payloads
from drconsole.app import stepstate
from drconsole.journal import Journal
from drconsole.results import CheckResult, Status
from drconsole.runbooks.schema import Runbook, Step

SCHEMA = "drconsole.run/2"  # 2: built from the journal alone (run inputs, typed action payloads); every check
# result carries its finding `code`
NOT_RECORDED = "not recorded"


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
    override: payloads.Override | None = None
    recovery_s: float | None = None
    served_zone: str | None = None


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
    sweeps: list[int] = Field(default_factory=list)  # sweeps made during this walk of a runbook


class RunbookInfo(BaseModel):
    """The runbook as the run recorded it; `recorded` is false for runs made before drconsole kept it."""

    id: str | None
    recorded: bool
    sha256: str | None = None


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
    runbook: RunbookInfo
    profile: dict[str, Any] | None  # None: the run did not record it
    production: bool | None
    steps: list[StepRecord]
    totals: Totals
    recovery_seconds: float | None = None

    model_config = {"populate_by_name": True}


def build_record(journal: Journal, run_id: int) -> RunRecord:
    """The record of run `run_id`, from the journal only."""
    from drconsole.runbooks.loader import parse_runbook

    run = journal.run(run_id)
    if run is None:
        raise KeyError(run_id)
    inputs = journal.run_inputs(run_id)
    sweeps = journal.walk_sweeps(run_id)
    results = [r for rid in (run_id, *sweeps) for r in journal.results(rid)]
    actions = _actions(journal, run_id)
    confirmations = journal.run_confirmations(run_id)
    journaled = {e.step: e.state for e in journal.run_step_events(run_id)}
    runbook: Runbook | None = None
    if inputs is not None and inputs.runbook_text:
        runbook = parse_runbook(inputs.runbook_text, source=f"the runbook recorded with run #{run_id}",
                                check_names=False)
    steps = list(runbook.steps) if runbook else _unrecorded_steps(results, actions, confirmations, journaled)
    latest = {r.key: r for r in results}  # the newest result of each check within the run
    states = stepstate.step_states(steps, journaled, confirmations, latest)
    records = []
    for step in steps:
        confirms = []
        for item in step.confirm:
            row = confirmations.get((step.id, item.id))
            confirms.append(Confirmation(item=item.id, text=item.text, confirmed=bool(row and row["confirmed"]),
                                         operator=row["operator"] if row else None, at=row["at"] if row else None,
                                         note=row["note"] if row else None))
        for (step_id, item_id), row in confirmations.items():  # ticked, but the recorded runbook has no such item
            if step_id == step.id and item_id not in {i.id for i in step.confirm}:
                confirms.append(Confirmation(item=item_id, text=NOT_RECORDED, confirmed=bool(row["confirmed"]),
                                             operator=row["operator"], at=row["at"], note=row["note"]))
        records.append(StepRecord(
            id=step.id, title=step.title, section=step.section, optional=step.optional, state=states[step.id],
            confirmations=confirms, checks=[r for r in results if r.step == step.id],
            actions=[a for a in actions if a.step == step.id]))
    by_status = {s.value: sum(1 for r in results if r.status is s) for s in Status}
    recovery = [a.recovery_s for a in actions if a.recovery_s is not None]
    profile = inputs.profile if inputs is not None else None
    return RunRecord(
        run=RunInfo(id=run["id"], kind=run["kind"], runbook=run["runbook"], profile=run["profile"],
                    operator=run["operator"], started=run["started"], finished=run["finished"],
                    outcome=run["outcome"], rehearsal=bool(run["rehearsal"]), tool_version=run["tool_version"],
                    sweeps=sweeps),
        runbook_title=runbook.title if runbook else f"{run['runbook'] or 'checks'} (runbook {NOT_RECORDED})",
        runbook=RunbookInfo(id=run["runbook"], recorded=runbook is not None,
                            sha256=inputs.runbook_sha256 if inputs else None),
        profile=profile,
        production=bool(profile.get("production", False)) if profile is not None else None,
        steps=records,
        totals=Totals(checks=len(results), by_status=by_status, actions=len(actions),
                      overrides=sum(1 for a in actions if a.override)),
        recovery_seconds=recovery[-1] if recovery else None,
    )


def _unrecorded_steps(results: list[CheckResult], actions: list[ActionRecord],
                      confirmations: dict[tuple[str, str], dict[str, Any]], journaled: dict[str, str]) -> list[Step]:
    """The steps an old run touched, known only by their ids (the run did not record its runbook)."""
    seen = [r.step for r in results] + [a.step for a in actions] + [s for s, _ in confirmations] + list(journaled)
    ids = list(dict.fromkeys(s for s in seen if s))
    return [Step(id=step_id, title=NOT_RECORDED, guide="") for step_id in ids]


def _actions(journal: Journal, run_id: int) -> list[ActionRecord]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for event in journal.action_events(run_id=run_id):
        grouped.setdefault(event["action_uid"], []).append(event)
    records = []
    for uid, rows in grouped.items():
        read = [payloads.read_payload(row["kind"], row["data"]) for row in rows]
        succeeded = [p for p in read if isinstance(p, payloads.Succeeded)]
        output = succeeded[-1].output if succeeded else payloads.ActionOutput()
        request_ids = [rid for p in read if isinstance(p, payloads.Succeeded | payloads.Failed)
                       for rid in p.request_ids]
        records.append(ActionRecord(
            uid=uid, action=rows[0]["action"], step=rows[0]["step"], state=rows[-1]["kind"],
            events=[ActionEvent(kind=e["kind"], at=e["at"], operator=e["operator"], identity=e["identity"],
                                data=e["data"]) for e in rows],
            request_ids=request_ids,
            override=next((p for p in read if isinstance(p, payloads.Override)), None),
            recovery_s=output.recovery_s, served_zone=output.served_zone))
    return records
