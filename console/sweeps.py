"""A sweep: the checks of a runbook (or a step, or a chosen few) run concurrently and journaled."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from drconsole.context import Context
from drconsole.engine import Invocation, sweep
from drconsole.errors import RunbookError
from drconsole.journal import Journal
from drconsole.registry import load_checks
from drconsole.results import CheckResult, Status, worst
from drconsole.runbooks.schema import Runbook


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
                          run_id: int | None = None) -> AsyncIterator[CheckResult]:
    """Run `chosen`, record the run and each result in the journal, and yield results as they come."""
    if run_id is None:
        run_id = journal.start_run(kind="sweep", profile=ctx.profile.name, operator=ctx.operator,
                                   runbook=runbook.id)
    seen: set[Status] = set()
    try:
        async for result in sweep(ctx, chosen):
            journal.record_result(result, run_id=run_id, runbook=runbook.id)
            seen.add(result.status)
            yield result
    finally:
        journal.finish_run(run_id, (worst(seen) or Status.PASS).value)


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
