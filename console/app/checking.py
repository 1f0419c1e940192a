"""Running checks: the one service behind `drconsole check`, the console's sweeps and its step checks.
A sweep is a run of its own in the journal (linked to the walk of its runbook when there is one)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drconsole.context import Context
    from drconsole.engine import Invocation
    from drconsole.journal import Journal
    from drconsole.results import CheckResult
    from drconsole.runbooks.schema import Runbook


def sweep(ctx: Context, journal: Journal, runbook: Runbook, chosen: list[Invocation],
          emit: Callable[[CheckResult], None], *, walk: int | None = None, run_id: int | None = None) -> int:
    """Run `chosen` on a private event loop, journaled as one sweep (run `run_id` if the caller began it);
    call `emit` for each result as it arrives. Returns the sweep's run id. Blocks: the console calls it from a
    worker thread. Checks only read, so a journal that cannot write does not stop them (see `record_or_note`)."""
    from drconsole.runs import begin_run
    from drconsole.sweeps import journaled_sweep, record_or_note

    if run_id is None:
        run_id = record_or_note(journal, begin_run, journal, kind="sweep", profile=ctx.profile,
                                operator=ctx.operator, runbook=runbook, walk=walk) or 0

    async def run() -> None:
        async for result in journaled_sweep(ctx, journal, runbook, chosen, run_id):
            emit(result)

    asyncio.run(run())
    return run_id
