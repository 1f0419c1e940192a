"""What the console works on: a profile, its journal, its context and runbooks — no Textual here.

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
    from drconsole.context import Context
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
        self._making = threading.Lock()  # workers (a sweep, the zone probes) may ask for both at once

    @property
    def journal(self) -> Journal:
        with self._making:
            if self._journal is None:
                from drconsole.journal import Journal

                self._journal = Journal.for_profile(self.profile.name)
            return self._journal

    def context(self) -> Context:
        with self._making:
            if self._context is None:
                from drconsole.context import Context

                self._context = Context(self.profile, read_only=self.read_only, operator=self.operator)
            return self._context

    @property
    def who(self) -> str:
        return self.context().operator

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

    def sweep(self, runbook: Runbook, chosen: list[Invocation], emit: Callable[[CheckResult], None]) -> None:
        """Run `chosen` (journaled) on a private event loop; call `emit` for each result as it arrives.

        Meant for a thread worker: the console's own loop never waits on a check."""
        from drconsole.sweeps import journaled_sweep

        async def run() -> None:
            async for result in journaled_sweep(self.context(), self.journal, runbook, chosen):
                emit(result)

        asyncio.run(run())

    def probe_zones(self, emit: Callable[[CheckResult], None], stopped: Callable[[], bool]) -> None:
        """Run the setup runbook's per-zone gateway checks every PROBE_S until `stopped()`, all journaled in one
        run of kind 'probe' (each round ends it again: its end and outcome are the latest round's). They get a
        context, and so threads, of their own: a sweep's calls that hang never hold them up. Like `sweep`, a
        thread worker's body."""
        from drconsole.context import Context
        from drconsole.sweeps import journaled_sweep

        runbook = self.runbook(SETUP_RUNBOOK)
        chosen = [inv for inv in self.invocations(runbook) if inv.zone is not None and inv.spec.family == "gateway"]
        if not chosen:
            return
        journal = self.journal
        context = Context(self.profile, read_only=self.read_only, operator=self.operator, max_threads=PROBE_THREADS)
        run_id = journal.start_run(kind="probe", profile=self.profile.name, operator=context.operator,
                                   runbook=runbook.id)

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
            context.close()

    def close(self) -> None:
        if self._context is not None:
            self._context.close()
        if self._journal is not None:
            self._journal.close()
