"""What the console works on: a profile, its journal, its context and runbooks — no Textual here.

The session is the one owner of the active profile: an action that saves new IDs hands the saved
profile to `save_profile`, and every context the session made (the sweeps', the zone probes') sees it.
It also keeps the walk of each runbook: one run that collects the step checks, confirmations, notes and
actions made while the operator works through the runbook, until it is finished or abandoned.

Everything heavy (the cloud SDKs, the kubernetes client) is reached only through the Context, and
only when a check or action runs, so opening the console stays fast.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drconsole.actions.base import Confirmer
    from drconsole.actions.runner import RunReport
    from drconsole.context import Context
    from drconsole.coordination.view import FleetView
    from drconsole.engine import Invocation
    from drconsole.journal import Journal
    from drconsole.profile import Profile
    from drconsole.results import CheckResult
    from drconsole.runbooks.schema import Runbook

SETUP_RUNBOOK = "zone-dr-hybrid"
FAILOVER_RUNBOOK = "zone-failover"
PROBE_S = 1.0  # the zone probes' cadence
STOP_POLL_S = 0.1  # how soon the zone probes notice they were stopped, between rounds
PROBE_THREADS = 4  # blocking calls of the zone probes at once (two zones; a hung call keeps its thread)
WALK = "runbook"  # the kind of run a walk of a runbook is, in the console and with `drconsole run`


class Session:
    """One profile opened in the console (read-only when the profile or the command line says so)."""

    def __init__(self, profile: Profile, *, read_only: bool = False, journal: Journal | None = None,
                 operator: str | None = None) -> None:
        self.profile = profile
        self.read_only = read_only or profile.read_only
        self.operator = operator
        self._journal = journal
        self._context: Context | None = None
        self._runbooks: dict[str, Runbook] = {}
        self._walks: dict[str, int] = {}  # runbook id -> the run recording its current walk
        self._probe_context: Context | None = None
        self._fleet: FleetView | None = None
        self._making = threading.RLock()  # workers (a sweep, the zone probes) may ask for both at once
        self.closed = False  # the console is closing: its journal and context are gone

    @property
    def journal(self) -> Journal:
        with self._making:
            if self._journal is None:
                from drconsole.journal import Journal
                from drconsole.journal_db import JournalError

                try:
                    self._journal = Journal.for_profile(self.profile.name)
                except JournalError as exc:  # checks still run; nothing is recorded, and actions are refused
                    self._journal = Journal.unrecorded(exc)
            return self._journal

    @property
    def journal_problem(self) -> str | None:
        """Why results are not being recorded (once the journal is open), for the banner."""
        from drconsole.journal import not_recorded

        problem = None
        if self._journal is not None:
            self._journal.verify(wait=False)  # a large journal's check may have found damage since it opened
            problem = self._journal.problem
        return not_recorded(problem) if problem is not None else None

    def context(self) -> Context:
        with self._making:
            if self._context is None:
                from drconsole.context import Context

                self._context = Context(self.profile, read_only=self.read_only, operator=self.operator)
            return self._context

    def fleet(self) -> FleetView:
        """The lock and the other consoles' entries on the Fleet (its thread starts on first use). Like the zone
        probes it has a context of its own: its Fleet client, made while a sweep runs, never holds the sweep up."""
        if self._fleet is None:
            from drconsole.context import Context
            from drconsole.coordination.view import FleetView

            context = Context(self.profile, read_only=self.read_only, operator=self.operator, max_threads=1)
            self._fleet = FleetView(context, self.journal)
            self._fleet.start()
        return self._fleet

    @property
    def who(self) -> str:
        return self.context().operator

    def save_profile(self, profile: Profile) -> None:
        """Write `profile` (an action found or created IDs) and make it the active profile everywhere."""
        from drconsole.profile import save_profile

        save_profile(profile)
        with self._making:
            self.profile = profile
            for context in (self._context, self._probe_context):
                if context is not None:
                    context.profile = profile

    # -- the walk of a runbook ------------------------------------------------------------------------
    def walk(self, runbook: Runbook, *, start: bool = True) -> int | None:
        """The run recording the current walk of `runbook`: the one in progress (also one left open by an
        earlier console), or — when `start` — a new one. None when no walk is going on and `start` is false."""
        with self._making:
            if runbook.id not in self._walks:
                found = self.journal.open_walk(runbook.id)
                if found is None and start:
                    from drconsole.runs import begin_run

                    found = begin_run(self.journal, kind=WALK, profile=self.profile, operator=self.who,
                                      runbook=runbook, note="walked in the console")
                if found is None:
                    return None
                self._walks[runbook.id] = found
            return self._walks[runbook.id]

    def walk_started(self, runbook: Runbook) -> float | None:
        """When the current walk of `runbook` began (None: no walk is going on)."""
        walk = self.walk(runbook, start=False)
        run = self.journal.run(walk) if walk is not None else None
        return float(run["started"]) if run else None

    def end_walk(self, runbook: Runbook, outcome: str) -> None:
        """Close the current walk of `runbook` as `outcome` (finished, abandoned); the next act begins a new one."""
        walk = self.walk(runbook, start=False)
        if walk is not None:
            self.journal.finish_run(walk, outcome)
            self._walks.pop(runbook.id, None)

    def run_actions(self, runbook: Runbook, step: str, confirmer: Confirmer, out: Callable[[str], None]) -> RunReport:
        """Plan, confirm, apply and verify one step's actions, journaled in the walk of `runbook`."""
        from drconsole.actions.runner import Runner

        runner = Runner(self.context(), self.journal, runbook, confirmer, out=out, walk=self.walk(runbook),
                        save_profile=self.save_profile)
        return runner.run([step])

    def confirm(self, runbook: Runbook, step: str, item: str, *, confirmed: bool, note: str | None) -> None:
        """Tick (or untick) a manual confirmation, with an optional note, in the walk of `runbook`."""
        self.journal.confirm(runbook.id, step, item, self.who, confirmed=confirmed, note=note,
                             run_id=self.walk(runbook))

    def runbook(self, name: str = SETUP_RUNBOOK) -> Runbook:
        if name not in self._runbooks:
            from drconsole.runbooks.loader import load_runbook

            self._runbooks[name] = load_runbook(name, check_names=False)
        return self._runbooks[name]

    def available_runbooks(self) -> list[str]:
        from drconsole.runbooks.loader import available_runbooks

        return sorted(available_runbooks())

    def invocations(self, runbook: Runbook, *, steps: list[str] | None = None,
                    only: list[str] | None = None) -> list[Invocation]:
        from drconsole.sweeps import invocations

        if not any(step.checks for step in runbook.steps):
            return []
        return invocations(runbook, steps=steps or (), only=only or ())

    def sweep(self, runbook: Runbook, chosen: list[Invocation], emit: Callable[[CheckResult], None], *,
              walk: bool = False) -> None:
        """Run `chosen` (journaled as a sweep of its own, linked to the walk of `runbook` when one is going on, or
        begun by it when `walk`) on a private event loop; call `emit` for each result as it arrives.

        Meant for a thread worker: the console's own loop never waits on a check."""
        from drconsole.app import checking

        checking.sweep(self.context(), self.journal, runbook, chosen, emit, walk=self.walk(runbook, start=walk))

    def probe_zones(self, emit: Callable[[CheckResult], None], stopped: Callable[[], bool]) -> None:
        """Run the setup runbook's per-zone gateway checks every PROBE_S until `stopped()`, all journaled in one
        run of kind 'probe' (each round ends it again: its end and outcome are the latest round's). They get a
        context, and so threads, of their own: a sweep's calls that hang never hold them up. Like `sweep`, a
        thread worker's body."""
        from drconsole.context import Context
        from drconsole.runs import begin_run
        from drconsole.sweeps import journaled_sweep, record_or_note

        runbook = self.runbook(SETUP_RUNBOOK)
        chosen = [inv for inv in self.invocations(runbook) if inv.zone is not None and inv.spec.family == "gateway"]
        if not chosen:
            return
        journal = self.journal
        context = Context(self.profile, read_only=self.read_only, operator=self.operator, max_threads=PROBE_THREADS)
        self._probe_context = context
        run_id = record_or_note(journal, begin_run, journal, kind="probe", profile=self.profile,
                                operator=context.operator, runbook=runbook)

        async def rounds() -> None:
            while not stopped():
                next_round = time.monotonic() + PROBE_S
                async for result in journaled_sweep(context, journal, runbook, chosen, run_id):
                    emit(result)
                while not stopped() and time.monotonic() < next_round:
                    await asyncio.sleep(min(STOP_POLL_S, next_round - time.monotonic()))

        try:
            asyncio.run(rounds())
        finally:
            self._probe_context = None
            context.close()

    def close(self) -> None:
        self.closed = True
        if self._fleet is not None:
            self._fleet.stop()
        if self._context is not None:
            self._context.close()
        if self._journal is not None:
            self._journal.close()
