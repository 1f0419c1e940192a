"""Run checks concurrently, with a timeout each, and stream their results as they finish."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from collections.abc import AsyncIterator, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from drconsole import deadline, sweepreads, templating
from drconsole.context import Context
from drconsole.errors import DrconsoleError
from drconsole.registry import CheckSpec
from drconsole.results import CheckResult, Outcome, Status
from drconsole.secrets import mask

# At most this many checks of one sweep run at once. A check's timeout starts when it starts, so starting more
# than the Context's threads and the API limiter can serve only turns waiting in line into timeouts.
DEFAULT_CONCURRENCY = 16

RunKey = tuple[str, str, float]  # a check's name, its resolved parameters (JSON) and its timeout
# How long each distinct check took when it last ran in this process (ms), so that the next sweep starts the
# slowest first: a chain of calls in series left waiting for a slot behind quick checks would set the
# sweep's length.
LAST_RUN_MS: dict[RunKey, float] = {}


@dataclass
class Invocation:
    """One check to run: a registered check with its (unresolved) parameters and where it belongs."""

    key: str
    spec: CheckSpec
    raw_params: dict[str, Any] = field(default_factory=dict)
    step: str | None = None
    zone: str | None = None
    timeout: float | None = None
    fix_step: str | None = None  # the runbook's own step for this check's findings, over the catalogue's


async def sweep(ctx: Context, invocations: Iterable[Invocation], *,
                concurrency: int = DEFAULT_CONCURRENCY) -> AsyncIterator[CheckResult]:
    """Yield each invocation's result as soon as it is known. Never raises for a failing check.
    The checks share one answer to each distinct cloud read (drconsole.sweepreads), and identical invocations
    (one check with the same resolved parameters and timeout, as two runbooks may both hold) run once and
    report under each of their keys. The checks that took longest when they last ran start first."""
    semaphore = asyncio.Semaphore(concurrency)
    reads = sweepreads.SweepReads()
    profile = templating.profile_data(ctx.profile)  # one snapshot of the profile for the whole sweep
    reporting: dict[RunKey, list[tuple[Invocation, dict[str, Any]]]] = {}  # each run's invocations
    for invocation in invocations:
        resolved = templating.resolve_in(invocation.raw_params, profile)
        same = (invocation.spec.name, json.dumps(resolved, sort_keys=True, default=repr),
                invocation.timeout or invocation.spec.timeout)
        reporting.setdefault(same, []).append((invocation, resolved))
    finished: asyncio.Queue[RunKey] = asyncio.Queue()

    async def bounded(same: RunKey) -> _Run:
        sweepreads.CURRENT.set(reads)  # in this check's own task context
        (invocation, resolved), timeout = reporting[same][0], same[2]
        try:
            async with semaphore:
                run = await _run(ctx, invocation, resolved, timeout)
            LAST_RUN_MS[same] = run.duration_ms
            return run
        finally:
            finished.put_nowait(same)

    # slots go to waiting checks in the order they asked; checks not seen yet go first, in the given order
    longest_first = sorted(reporting, key=lambda same: -LAST_RUN_MS.get(same, math.inf))
    runs = {same: asyncio.create_task(bounded(same)) for same in longest_first}
    try:
        for _ in runs:
            same = await finished.get()
            run = runs[same].result()
            for invocation, resolved in reporting[same]:
                yield _result(invocation, resolved, run)
    finally:
        for task in runs.values():
            task.cancel()


async def run_check(ctx: Context, invocation: Invocation, profile: dict[str, Any] | None = None) -> CheckResult:
    """One check's result; `profile` is the profile as `templating.profile_data` gives it (dumped here if None)."""
    resolved = templating.resolve_in(invocation.raw_params, templating.profile_data(ctx.profile)
                                     if profile is None else profile)
    timeout = invocation.timeout or invocation.spec.timeout
    return _result(invocation, resolved, await _run(ctx, invocation, resolved, timeout))


@dataclass(frozen=True)
class _Run:
    """What running a check once gave: its outcome, when it started (wall clock) and how long it took."""

    outcome: Outcome
    started_at: float
    duration_ms: float


async def _run(ctx: Context, invocation: Invocation, resolved: dict[str, Any], timeout: float) -> _Run:
    started_wall, started = time.time(), time.monotonic()
    outcome = await _outcome(ctx, invocation, resolved, timeout)
    return _Run(outcome, started_wall, round((time.monotonic() - started) * 1000, 1))


def _result(invocation: Invocation, resolved: dict[str, Any], run: _Run) -> CheckResult:
    """`run` reported as `invocation`'s result: its key, step and zone, and the step that fixes what it found.
    Every field is already validated (the outcome by its model, the rest by the engine), so none is again."""
    spec, outcome = invocation.spec, run.outcome
    fix_step = outcome.fix_step
    if outcome.status is not Status.PASS:  # the runbook's own step, else the finding's, else where the check sits
        fix_step = invocation.fix_step or outcome.fix_step or invocation.step
    return CheckResult.model_construct(
        **{**dict(outcome), "evidence": list(outcome.evidence), "fix_step": fix_step}, check=spec.name,
        key=invocation.key, title=spec.title, family=spec.family, step=invocation.step, zone=invocation.zone,
        started_at=run.started_at, params=resolved if templating.first_missing(resolved) is None else None,
        duration_ms=run.duration_ms,
    )


async def _outcome(ctx: Context, invocation: Invocation, resolved: dict[str, Any], timeout: float) -> Outcome:
    spec = invocation.spec
    missing = templating.first_missing(resolved)
    if missing is not None:
        unset = missing.path[len("profile."):]
        return Outcome.skipped("CHECK-PARAM-UNSET", f"the profile has no value for {unset} yet")
    try:
        params = spec.params.model_validate(resolved)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return Outcome.errored("CHECK-BAD-PARAMS", f"bad parameters for {spec.name}", cause=f"{where}: {first['msg']}")
    try:
        with deadline.budget(timeout) as budget:
            outcome = await _within(budget, spec.fn(ctx, params))
    except TimeoutError:
        if budget.last_error is not None:  # a retry was still in flight: report what the last attempt got
            last = budget.last_error
            return Outcome.errored(last.finding, last.message,
                                   cause=f"{spec.name} was still retrying at its {timeout:g} s deadline; "
                                         f"the last answer was: {last.message}", remedy=last.fix)
        return Outcome.errored("CHECK-TIMEOUT", f"no answer within {timeout:g} s",
                               cause=f"{spec.name} timed out after {timeout:g} s")
    except DrconsoleError as exc:
        return Outcome.errored(exc.finding, exc.message, cause=exc.message, remedy=exc.fix)
    except Exception as exc:
        return Outcome.errored("CHECK-FAILED-TO-RUN", f"{spec.name} could not run",
                               cause=mask(f"{type(exc).__name__}: {exc}", *hidden_by(ctx)))
    if outcome.status is Status.PASS and not outcome.evidence:
        return Outcome.errored("CHECK-NO-EVIDENCE", "the check passed without evidence")
    return outcome


async def _within(budget: deadline.Budget, work: Coroutine[Any, Any, Outcome]) -> Outcome:
    """Await `work` until the budget's deadline, which local set-up time may move on; TimeoutError after it."""
    task = asyncio.ensure_future(work)
    try:
        while not task.done():
            left = budget.remaining()
            if left <= 0:
                raise TimeoutError
            await asyncio.wait({task}, timeout=left)
        return task.result()
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def hidden_by(ctx: Context) -> tuple[str, ...]:
    """The values the context's credentials must never show (none when they cannot be resolved)."""
    try:
        return ctx.credentials().hidden()
    except Exception:
        return ()
