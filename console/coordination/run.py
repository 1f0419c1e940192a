"""What a run does with the Fleet: the lock over its traffic-changing and destructive actions, and
publishing its journal entries to the shared record while it runs.

The runner calls `ensure_lock` before such an action (after planning, before the safety rules and
the confirmation), `journaled` after every journal write, and `close` when the run ends. Every lock
decision is journaled through the `event` callable the runner passes in (an action event)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from drconsole import action_events as events
from drconsole.coordination.fleet import NotPermitted
from drconsole.coordination.lease import Busy, CoordinationMissing, HeldLease, LeaseRecord, Leases, Work
from drconsole.errors import DrconsoleError
from drconsole.kube import KubeConfigError

if TYPE_CHECKING:
    from drconsole.actions.base import Confirmer, Plan, Risk
    from drconsole.context import Context
    from drconsole.coordination.identity import Identity
    from drconsole.coordination.record import SharedRecord
    from drconsole.journal import Journal

LOCK_NAME = "drconsole-traffic"
LOCK_RULE = "fleet-lock"
FINAL_PUBLISH_S = 10.0
Event = Callable[["events.Payload"], None]


def needs_lock(risk: Risk, plan: Plan) -> bool:
    """Traffic-changing and destructive actions take the lock."""
    from drconsole.actions.base import Risk

    return plan.traffic is not None or risk is Risk.DESTRUCTIVE


def work_name(runbook_id: str) -> str:
    return runbook_id.replace("-", " ")


class RunCoordination:
    def __init__(self, ctx: Context, journal: Journal, out: Callable[[str], None] = print) -> None:
        self.ctx = ctx
        self.journal = journal
        self.out = out
        self.settings = ctx.profile.coordination
        self.held: HeldLease | None = None
        self._identity: Identity | None = None
        self._record: SharedRecord | None = None
        self._event: Event | None = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    @property
    def identity(self) -> Identity:
        if self._identity is None:
            from drconsole.coordination.identity import resolve

            self._identity = resolve(self.ctx)
        return self._identity

    # -- the shared record ------------------------------------------------------------------------
    def start(self) -> None:
        """Publish this run's journal entries as they are written (a background thread)."""
        if not self.enabled or self._record is not None:
            return
        from drconsole.coordination.record import Outbox, SharedRecord

        try:
            api = self.ctx.kube("fleet")
        except Exception as exc:  # no usable kubeconfig: the run works from the local journal alone
            self.out(f"  shared record off: {exc}")
            return
        outbox = Outbox(self.journal, self.ctx.profile.name, self.identity)
        self._record = SharedRecord(api, outbox, namespace=self.settings.namespace, poll_s=self.settings.poll_s)
        self._record.start(read_others=False)

    def journaled(self) -> None:
        if self._record is not None:
            self._record.poke()

    def close(self) -> None:
        """Release the lock and publish what is left (bounded: an unreachable Fleet is told, not waited for)."""
        self.release()
        if self._record is not None:
            self._record.stop()
            self._record.publish_pending()
            if self._record.link.online is False:
                self.out(f"  {self._record.link.describe()}")

    # -- the lock ---------------------------------------------------------------------------------
    def ensure_lock(self, what: str, step: str, event: Event, confirmer: Confirmer) -> str | None:
        """Hold the lock for this action: None to go ahead, or why the action is refused."""
        if not self.enabled:
            return None
        self._event = event
        work = Work(what, step)
        if self.held is not None and not self.held.lost.is_set():
            self.held.set_work(work)
            return None
        who = self.identity
        try:
            leases = Leases(self.ctx.kube("fleet"), self.settings.namespace)
            answer = leases.acquire(LOCK_NAME, who.holder, self.settings.lease_s, work, on_lost=self._lost)
            if isinstance(answer, Busy):
                answer = self._contest(leases, answer, work, event, confirmer)
        except NotPermitted as exc:
            event(events.Refused(rule=LOCK_RULE, reason=f"{who.user} may not {exc.verb} {exc.resource}",
                                 evidence={"verb": exc.verb, "resource": exc.resource}, fix=exc.fix,
                                 fleet_identity=who.to_record()))
            self.out(f"  lock: {exc}")
            return f"the Fleet does not let {who.user} take the lock ({exc.verb} {exc.resource}); {exc.fix}"
        except (CoordinationMissing, KubeConfigError) as exc:  # no Fleet to coordinate on: say so, go on
            event(events.LockSkipped(reason=exc.message, fix=exc.fix))
            self.out(f"  lock: not taken — {exc.message} (fix: {exc.fix})")
            return None
        except DrconsoleError as exc:  # the Fleet did not answer
            return self._unlocked(exc, event, confirmer)
        if isinstance(answer, str):
            return answer
        self.held = answer
        previous = answer.previous
        event(events.LockTaken(holder=who.holder, fleet_identity=who.to_record(), lease=LOCK_NAME,
                               previous_holder=previous.holder if previous else None,
                               previous_expired=bool(previous and previous.holder and previous.expired())))
        self.out(f"  lock {LOCK_NAME} held by {who.holder}")
        return None

    def _contest(self, leases: Leases, busy: Busy, work: Work, event: Event,
                 confirmer: Confirmer) -> HeldLease | str:
        from drconsole.actions.safety import RuleResult

        who = self.identity
        held_by = busy.record.describe()
        evidence = _lease_evidence(busy.record)
        self.out(f"  lock: {held_by}")
        reason = confirmer.ask_override(RuleResult(LOCK_RULE, False, held_by, evidence))
        if not reason or not reason.strip():
            event(events.Refused(rule=LOCK_RULE, reason=held_by, evidence=evidence))
            return f"locked: {held_by}"
        taken = leases.take_over(LOCK_NAME, who.holder, self.settings.lease_s, work, reason, on_lost=self._lost)
        if isinstance(taken, Busy):
            event(events.Refused(rule=LOCK_RULE,
                                 reason=f"another console took the lock first: {taken.record.describe()}"))
            return f"locked: {taken.record.describe()}"
        self.out(f"  !!! OVERRIDE of lock {LOCK_NAME} by {who.holder}: {reason.strip()}")
        event(events.Override(rule=LOCK_RULE, reason=reason.strip(), blocked_because=held_by, who=who.holder,
                              fleet_identity=who.to_record(), overridden_holder=busy.holder, evidence=evidence))
        return taken

    def _unlocked(self, exc: DrconsoleError, event: Event, confirmer: Confirmer) -> str | None:
        """The Fleet did not answer: going ahead without the lock is a break-glass decision."""
        from drconsole.actions.safety import RuleResult

        why = f"the lock cannot be taken: {exc.message}"
        self.out(f"  lock: {why}")
        reason = confirmer.ask_override(RuleResult(LOCK_RULE, False, why, {}))
        if not reason or not reason.strip():
            event(events.Refused(rule=LOCK_RULE, reason=why, fix=exc.fix))
            return why
        event(events.Override(rule=LOCK_RULE, reason=reason.strip(), blocked_because=why, who=self.identity.holder,
                              fleet_identity=self.identity.to_record()))
        return None

    def _lost(self, current: LeaseRecord | None) -> None:
        """The renewer found the lock gone: journal who took it and why (the other side of an override)."""
        event = self._event
        if current is not None:
            lost = events.LockLost(lease=LOCK_NAME, holder=self.identity.holder, taken_by=current.last_holder,
                                   reason=current.override_reason or "", overridden_holder=current.overridden_holder)
        else:
            lost = events.LockLost(lease=LOCK_NAME, holder=self.identity.holder,
                                   reason="the lock could not be renewed within its duration (Fleet unreachable)")
        self.out(f"  !!! lock {LOCK_NAME} lost: {lost.taken_by or 'nobody'} — {lost.reason}")
        if event is not None:
            event(lost)
            self.journaled()

    def release(self) -> None:
        with self._lock:
            held, self.held = self.held, None
        if held is not None:
            held.release()


def _lease_evidence(record: LeaseRecord) -> dict[str, Any]:
    return {"holder": record.holder, "since": record.since.isoformat() if record.since else None,
            "step": record.work.step, "what": record.work.what, "expired": record.expired()}
