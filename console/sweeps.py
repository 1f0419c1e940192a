"""A sweep: the checks of a runbook (or a step, or a chosen few) run concurrently and journaled."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, TypeVar

from drconsole.context import Context
from drconsole.engine import Invocation, sweep
from drconsole.errors import RunbookError
from drconsole.journal import Journal
from drconsole.journal_db import JournalError
from drconsole.registry import load_checks
from drconsole.results import CheckResult, Status, worst
from drconsole.runbooks.schema import Runbook
from drconsole.runs import begin_run

T = TypeVar("T")


def invocations(runbook: Runbook, *, steps: Iterable[str] = (), only: Iterable[str] = ()) -> list[Invocation]:
    """The runbook's check invocations, optionally limited to some steps or check keys/names."""
    registry = load_checks()
    wanted_steps, wanted = set(steps), set(only)
    for step_id in wanted_steps:
        if step_id not in {s.id for s in runbook.steps}:
            raise RunbookError(f"runbook {runbook.id!r} has no step {step_id!r}",
                               fix="`drconsole runbook show " + runbook.id + "` lists the steps")
    found: list[Invocation] = []
    for step in runbook.steps:
        if wanted_steps and step.id not in wanted_steps:
            continue
        for ref in step.checks:
            key = f"{step.id}/{ref.key}"
            if wanted and not ({key, ref.key, ref.use} & wanted):
                continue
            found.append(Invocation(key=key, spec=registry[ref.use], raw_params=ref.with_, step=step.id,
                                    zone=ref.zone, fix_step=ref.fix_step))
    if wanted and not found:
        raise RunbookError(f"no check matches {', '.join(sorted(wanted))}",
                           fix="name checks by key (step/check), id or registered name")
    return found


async def journaled_sweep(ctx: Context, journal: Journal, runbook: Runbook, chosen: list[Invocation],
                          run_id: int | None = None, *, walk: int | None = None) -> AsyncIterator[CheckResult]:
    """Run `chosen`, record the run (a new one unless `run_id` is given; linked to the walk of a runbook
    `walk` if one is going on) and each result in the journal, and yield results as they come.

    Checks only read, so a result the journal cannot take does not stop the sweep: the first such failure
    is kept as `journal.problem` for the caller to show."""
    if run_id is None:
        run_id = record_or_note(journal, begin_run, journal, kind="sweep", profile=ctx.profile,
                                operator=ctx.operator, runbook=runbook, walk=walk) or 0
    seen: set[Status] = set()
    try:
        async for result in sweep(ctx, chosen):
            record_or_note(journal, journal.record_result, result, run_id=run_id, runbook=runbook.id)
            seen.add(result.status)
            yield result
    finally:
        record_or_note(journal, journal.finish_run, run_id, (worst(seen) or Status.PASS).value)


def record_or_note(journal: Journal, write: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """`write(*args, **kwargs)`, or None when the journal cannot take it (the first such error is kept as
    `journal.problem`): for the writes of checks, which only read and so go on."""
    try:
        return write(*args, **kwargs)
    except JournalError as exc:
        journal.problem = journal.problem or exc
        return None


def last_passing_run(journal: Journal, runbook: str, before: int) -> int | None:
    """The newest sweep of `runbook` before run `before` in which every check passed."""
    for run in journal.runs(limit=500):
        if run["id"] < before and run["kind"] == "sweep" and run["runbook"] == runbook and run["outcome"] == "pass":
            return int(run["id"])
    return None


def changes_since(journal: Journal, baseline: int, results: list[CheckResult]) -> list[tuple[str, str, str]]:
    """(key, then, now) for every check whose status differs from the baseline run (or is new)."""
    then = {r.key: r.status.value for r in journal.results(baseline)}
    return [(r.key, then.get(r.key, "absent"), r.status.value) for r in results
            if then.get(r.key) != r.status.value]
