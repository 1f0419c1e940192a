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
          emit: Callable[[CheckResult], None], *, walk: int | None = None) -> int:
    """Run `chosen` on a private event loop, journaled as one sweep; call `emit` for each result as it arrives.
    Returns the sweep's run id. Blocks: the console calls it from a worker thread."""
    from drconsole.runs import begin_run
    from drconsole.sweeps import journaled_sweep

    run_id = begin_run(journal, kind="sweep", profile=ctx.profile, operator=ctx.operator, runbook=runbook, walk=walk)

    async def run() -> None:
        async for result in journaled_sweep(ctx, journal, runbook, chosen, run_id):
            emit(result)

    asyncio.run(run())
    return run_id
