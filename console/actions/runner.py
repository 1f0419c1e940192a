"""Run a runbook's actions in order: plan → (read-only refusal) → safety rules → confirmation →
apply → verify, with the journal written before and after every call.

The same runner serves `drconsole run` and the console; only the Confirmer and `out` differ. A run of the
runner is one walk of the runbook, unless the console hands it the walk already going on (`walk`). IDs
found or created are written through `save_profile` (the console's session owns its profile).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from drconsole import action_events as events
from drconsole import templating
from drconsole.actions.base import Action, Confirmer, Plan, Result, Risk
from drconsole.actions.context import ActionContext, RunState
from drconsole.actions.registry import load_all
from drconsole.actions.tokens import resumable_seed
from drconsole.context import Context
from drconsole.coordination.run import RunCoordination, needs_lock, work_name
from drconsole.errors import DrconsoleError, RefusedError, RunbookError
from drconsole.journal import Journal
from drconsole.journal_db import JournalError
from drconsole.profile import Profile, save_profile
from drconsole.runbooks.schema import ActionRef, Runbook, Step
from drconsole.runs import begin_run

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 4
VERIFY_TIMEOUT = 45.0


@dataclass
class ActionOutcome:
    step: str
    action: str
    uid: str
    state: str  # succeeded | already-done | failed | refused | declined | rehearsed
    summary: str
    duration_ms: float = 0.0
    request_ids: list[str] = field(default_factory=list)
    output: events.ActionOutput = field(default_factory=events.ActionOutput)
    journal_problem: str | None = None  # set when the action was refused because the journal cannot write


@dataclass
class RunReport:
    run_id: int
    outcomes: list[ActionOutcome] = field(default_factory=list)
    verify_failures: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        states = {o.state for o in self.outcomes}
        if "failed" in states or self.verify_failures:
            return EXIT_FAILED
        if states & {"refused", "declined"}:
            return EXIT_REFUSED
        return EXIT_OK


class Runner:
    def __init__(self, ctx: Context, journal: Journal, runbook: Runbook, confirmer: Confirmer, *,
                 rehearsal: bool = False, out: Callable[[str], None] = print,
                 verify_timeout: float = VERIFY_TIMEOUT, walk: int | None = None,
                 save_profile: Callable[[Profile], None] = save_profile) -> None:
        self.ctx = ctx
        self.journal = journal
        self.runbook = runbook
        self.confirmer = confirmer
        self.rehearsal = rehearsal
        self.out = out
        self.verify_timeout = verify_timeout
        self.actions = load_all()
        self.run_state = RunState()
        self.walk = walk
        self.save_profile = save_profile
        self.run_id = walk or 0
        self.coordination = RunCoordination(ctx, journal, out)

    @property
    def executes(self) -> bool:
        """A rehearsal executes against the lab, and only plans against a real environment."""
        return not self.rehearsal or self.ctx.profile.lab is not None

    def steps(self, wanted: Iterable[str] = ()) -> list[Step]:
        wanted = list(wanted)
        known = {s.id for s in self.runbook.steps}
        for step_id in wanted:
            if step_id not in known:
                raise RunbookError(f"runbook {self.runbook.id!r} has no step {step_id!r}",
                                   fix=f"`drconsole runbook show {self.runbook.id}` lists the steps")
        return [s for s in self.runbook.steps if s.actions and (not wanted or s.id in wanted)]

    def run(self, steps: Iterable[str] = ()) -> RunReport:
        chosen = self.steps(steps)
        profile = self.ctx.profile
        note = "rehearsal" + ("" if self.executes else " (plan only: not a lab profile)") if self.rehearsal else None
        try:
            damage = self.journal.verify()  # a large journal's integrity check may still be running
            if damage is not None:
                raise damage
            if not self.journal.recording and self.journal.problem is not None:
                raise self.journal.problem
            if self.walk is None:
                self.run_id = begin_run(self.journal, kind="runbook", profile=profile, operator=self.ctx.operator,
                                        runbook=self.runbook, rehearsal=self.rehearsal, note=note)
        except JournalError as exc:
            raise RefusedError(f"no action was started, because the journal cannot record them: {exc.message}",
                               where=exc.where, fix=exc.fix) from None
        report = RunReport(self.run_id)
        banner = f"run {self.run_id}: {self.runbook.id} on profile {profile.name}"
        if profile.production:
            banner = "[PRODUCTION] " + banner
        if self.rehearsal:
            banner += " — REHEARSAL" + ("" if self.executes else " (plans only, nothing is applied)")
        if self.ctx.read_only:
            banner += " — READ-ONLY"
        self.out(banner)
        self.coordination.start()
        step_id = ""
        try:
            for step in chosen:
                step_id = step.id
                self.journal.record_step(self.runbook.id, step.id, "in-progress", self.ctx.operator,
                                         run_id=self.run_id)
                applied = False
                stop = False
                for ref in step.actions:
                    outcome = self.run_action(step, ref)
                    report.outcomes.append(outcome)
                    applied |= outcome.state == "succeeded"
                    if outcome.state not in ("succeeded", "already-done", "rehearsed"):
                        stop = True
                        break
                if not stop and step.checks and self.executes:
                    failures = self.verify(step, retry=applied)
                    report.verify_failures += failures
                    stop = bool(failures)
                state = "failed" if stop else "done"
                self.journal.record_step(self.runbook.id, step.id, state, self.ctx.operator, run_id=self.run_id)
                if stop:
                    break
        except JournalError as exc:  # a step's own row; an action already refused for the journal says it once
            if not any(o.journal_problem for o in report.outcomes):
                report.outcomes.append(self._unrecordable(step_id, exc))
        finally:
            if self.walk is None:
                try:
                    self.journal.finish_run(self.run_id,
                                            {0: "succeeded", 1: "failed", 4: "refused"}[report.exit_code])
                except JournalError as exc:
                    self.out(f"!!! the end of run {self.run_id} could not be journaled: {exc}")
            self.coordination.close()
        return report

    def _unrecordable(self, step: str, exc: JournalError) -> ActionOutcome:
        """The outcome of an action (or step) refused because its journal rows could not be written."""
        self.out(f"✗ {step}: refused: the journal cannot record it, so nothing was applied: {exc}")
        return ActionOutcome(step, "", "", "refused", f"the journal cannot record it ({exc.problem}); nothing was "
                             "applied", journal_problem=exc.problem)

    # -- one action -------------------------------------------------------------------------------
    def run_action(self, step: Step, ref: ActionRef) -> ActionOutcome:
        spec = self.actions[ref.use]
        uid = uuid.uuid4().hex
        started = time.monotonic()

        def event(payload: events.Payload) -> None:
            payload.rehearsal = self.rehearsal
            self.journal.action_event(uid, spec.name, _kind(payload), self.ctx.operator,
                                      identity=self.ctx.cloud_identity(), run_id=self.run_id,
                                      runbook=self.runbook.id, step=step.id, data=payload)
            self.coordination.journaled()

        def ms() -> float:
            return round((time.monotonic() - started) * 1000, 1)

        def outcome(state: str, summary: str, output: events.ActionOutput | None = None) -> ActionOutcome:
            symbol = {"succeeded": "✓", "already-done": "=", "rehearsed": "~"}.get(state, "✗")
            self.out(f"{symbol} {step.id}/{ref.key}: {state}: {summary} ({ms():.0f} ms)")
            return ActionOutcome(step.id, spec.name, uid, state, summary, ms(), list(actx.request_ids),
                                 output or events.ActionOutput())

        actx = ActionContext(self.ctx, phase="plan", progress=lambda m: self.out(f"    … {m}"),
                             run_state=self.run_state)
        try:
            actx.token_seed = resumable_seed(self.journal, self.runbook.id, step.id, spec.name, uid) or uid
            prepared = self._prepare(spec, step, ref, actx, event, outcome)
        except JournalError as exc:
            return self._unrecordable(step.id, exc)
        if isinstance(prepared, ActionOutcome):
            return prepared
        plan = prepared

        def after(payload: events.Payload) -> None:
            """The ending event: the change is made, so a journal that fails now is reported, not fatal."""
            try:
                event(payload)
            except JournalError as exc:
                self.out(f"!!! {spec.name} {_kind(payload)}, but the journal could not record it ({exc}); it stays "
                         "`started` and shows as interrupted once this process ends: re-verify live")

        actx.phase = "apply"
        try:
            result: Result = spec.apply(actx, plan)
        except DrconsoleError as exc:
            after(events.Failed(error=exc.message, fix=exc.fix, request_ids=actx.request_ids, duration_ms=ms()))
            return outcome("failed", str(exc))
        except Exception as exc:
            after(events.Failed(error=f"{type(exc).__name__}: {exc}", request_ids=actx.request_ids,
                                duration_ms=ms()))
            return outcome("failed", f"unexpected {type(exc).__name__}: {exc}")
        updates = {**plan.profile_updates, **result.profile_updates}
        saved = self._save_ids(updates)
        after(events.Succeeded(summary=result.summary, request_ids=actx.request_ids, profile_updates=updates,
                               saved=saved, duration_ms=ms(), output=result.output))
        return outcome("succeeded", result.summary, result.output)

    def _prepare(self, spec: Action, step: Step, ref: ActionRef, actx: ActionContext,
                 event: Callable[[events.Payload], None],
                 outcome: Callable[..., ActionOutcome]) -> Plan | ActionOutcome:
        """Plan, refuse or confirm, and write `started` (durably): the plan to apply, or the outcome that
        ends the action here. A journal write that fails raises `JournalError` before anything is sent."""
        try:
            params = self._params(spec, ref)
            plan = spec.plan(actx, params)
        except DrconsoleError as exc:
            event(events.Failed(phase="plan", error=exc.message, fix=exc.fix))
            return outcome("failed", f"could not plan: {exc}")
        event(events.Planned(plan=plan.to_record()))
        self.out(plan.render())
        if plan.already_done:
            saved = self._save_ids(plan.profile_updates)
            event(events.AlreadyDone(evidence=plan.evidence, profile_updates=plan.profile_updates, saved=saved))
            return outcome("already-done", "live state already matches; nothing sent")
        if self.ctx.read_only and spec.risk.changes:
            event(events.Refused(reason="read-only mode", risk=str(spec.risk)))
            return outcome("refused", f"read-only mode refuses {spec.risk} actions; nothing was sent")
        if not self.executes:
            event(events.Rehearsed(note="rehearsal against a real profile: planned and recorded, not applied"))
            return outcome("rehearsed", "planned only (rehearsal)")
        if needs_lock(spec.risk, plan):
            locked = self.coordination.ensure_lock(work_name(self.runbook.id), step.id, event, self.confirmer)
            if locked:
                return outcome("refused", locked)
        blocked = self._safety(plan, event)
        if blocked:
            return outcome("refused", f"blocked by safety rule {blocked}")
        if not self._confirm(spec, plan, event):
            return outcome("declined", "not confirmed; nothing was sent")
        if plan.traffic is not None:
            self.run_state.decision_at = time.time()
        event(events.Started(at=time.time(), token_seed=actx.token_seed))
        return plan

    def _params(self, spec: Action, ref: ActionRef) -> Any:
        resolved = templating.resolve(ref.with_, self.ctx.profile)
        missing = templating.first_missing(resolved)
        if missing is not None:
            raise DrconsoleError(f"the profile has no value for {missing.path[len('profile.'):]} yet",
                                 fix="run the step that creates it first (its action writes the ID back)")
        try:
            return spec.params.model_validate(resolved)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise DrconsoleError(f"bad parameters for {spec.name}: {'.'.join(map(str, first['loc']))}: "
                                 f"{first['msg']}", fix="correct the action's `with:` in the runbook") from None

    def _safety(self, plan: Plan, event: Callable[[events.Payload], None]) -> str | None:
        """The name of the rule that blocks this plan, or None (overrides are journaled)."""
        if plan.traffic is None:
            return None
        from drconsole.actions.safety import evaluate

        actx = ActionContext(self.ctx, run_state=self.run_state)
        results = evaluate(actx, plan.traffic)
        for result in results:
            self.out(f"  rule {result.rule}: {'holds' if result.holds else 'BLOCKS'} — {result.reason}")
        event(events.Safety(rules=[events.RuleVerdict(rule=r.rule, holds=r.holds, reason=r.reason)
                                   for r in results]))
        for result in results:
            if result.holds:
                continue
            reason = self.confirmer.ask_override(result)
            if not reason or not reason.strip():
                event(events.Refused(rule=result.rule, reason=result.reason, evidence=result.evidence))
                return result.rule
            self.out(f"  !!! OVERRIDE of rule {result.rule} by {self.ctx.operator}: {reason.strip()}")
            event(events.Override(rule=result.rule, reason=reason.strip(), blocked_because=result.reason,
                                  who=self.ctx.operator, identity=self.ctx.cloud_identity(),
                                  evidence=result.evidence))
        return None

    def _confirm(self, spec: Action, plan: Plan, event: Callable[[events.Payload], None]) -> bool:
        if not spec.risk.changes:
            return True
        who, identity = self.ctx.operator, self.ctx.cloud_identity()
        if not self.confirmer.ask_yes(plan):
            event(events.Declined(question="apply this plan?", who=who, identity=identity))
            return False
        typed = None
        if spec.risk is Risk.DESTRUCTIVE:
            target = plan.target or spec.name
            typed = self.confirmer.ask_target(plan, target)
            if typed != target:
                event(events.Declined(question=f"type the target {target!r}", typed=typed, who=who,
                                      identity=identity))
                self.out(f"  the typed target {typed!r} is not {target!r}")
                return False
        event(events.Confirmed(typed=typed, who=who, identity=identity))
        return True

    def _save_ids(self, updates: dict[str, Any]) -> bool:
        """Write IDs found or created back to the profile, with the operator's consent."""
        current = self.ctx.profile
        changed = {k: v for k, v in updates.items() if _get(current, k) != v}
        if not changed or not self.confirmer.ask_save_profile(changed):
            return False
        data = current.model_dump(mode="json")
        for dotted, value in changed.items():
            node = data
            *parents, leaf = dotted.split(".")
            for part in parents:
                node = node[part]
            node[leaf] = value
        profile = Profile.model_validate(data)
        self.save_profile(profile)
        self.ctx.profile = profile
        self.out(f"  profile {profile.name}: saved {', '.join(f'{k}={v}' for k, v in changed.items())}")
        return True

    # -- verify -----------------------------------------------------------------------------------
    def verify(self, step: Step, *, retry: bool) -> list[str]:
        """Run the step's checks (journaled); retry until they pass when something was just applied."""
        from drconsole.sweeps import invocations

        deadline = time.monotonic() + (self.verify_timeout if retry else 0)
        while True:
            chosen = invocations(self.runbook, steps=[step.id])

            results = asyncio.run(self._sweep(chosen))
            bad = [f"{r.key}: {r.status.value}: {r.summary}" for r in results if r.status.bad]
            if not bad or time.monotonic() > deadline:
                break
            time.sleep(1.0)
        for result in results:
            self.out(f"  verify {result.status.symbol} {result.key}: {result.summary}")
        return bad


    async def _sweep(self, chosen: list[Any]) -> list[Any]:
        from drconsole.sweeps import journaled_sweep

        return [r async for r in journaled_sweep(self.ctx, self.journal, self.runbook, chosen, walk=self.run_id)]


def _kind(payload: events.Payload) -> str:
    return next(kind for kind, model in events.PAYLOADS.items() if type(payload) is model)


def _get(profile: Profile, dotted: str) -> Any:
    node: Any = profile
    for part in dotted.split("."):
        node = getattr(node, part, None)
    return node
