"""What the console works on: a profile, its journal, its context and runbooks — no Textual here.

Everything heavy (the cloud SDKs, the kubernetes client) is reached only through the Context, and
only when a check or action runs, so opening the console stays fast.
"""

from __future__ import annotations

import asyncio
import threading
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
        from drconsole.runbooks.loader import shipped_runbooks

        return sorted(shipped_runbooks())

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

    def close(self) -> None:
        if self._context is not None:
            self._context.close()
        if self._journal is not None:
            self._journal.close()
