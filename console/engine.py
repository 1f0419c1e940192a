"""Run checks concurrently, with a timeout each, and stream their results as they finish."""

from __future__ import annotations

import asyncio
import contextlib
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
    The checks share one answer to each distinct cloud read (drconsole.sweepreads)."""
    semaphore = asyncio.Semaphore(concurrency)
    reads = sweepreads.SweepReads()
    profile = templating.profile_data(ctx.profile)  # one snapshot of the profile for the whole sweep

    async def bounded(invocation: Invocation) -> CheckResult:
        sweepreads.CURRENT.set(reads)  # in this check's own task context
        async with semaphore:
            return await run_check(ctx, invocation, profile)

    tasks = [asyncio.create_task(bounded(inv)) for inv in invocations]
    try:
        for next_done in asyncio.as_completed(tasks):
            yield await next_done
    finally:
        for task in tasks:
            task.cancel()


async def run_check(ctx: Context, invocation: Invocation, profile: dict[str, Any] | None = None) -> CheckResult:
    """One check's result; `profile` is the profile as `templating.profile_data` gives it (dumped here if None)."""
    spec = invocation.spec
    timeout = invocation.timeout or spec.timeout
    started_wall, started = time.time(), time.monotonic()
    resolved = templating.resolve_in(invocation.raw_params, templating.profile_data(ctx.profile)
                                     if profile is None else profile)
    outcome = await _outcome(ctx, invocation, resolved, timeout)
    if outcome.status is not Status.PASS:  # the runbook's own step, else the finding's, else where the check sits
        outcome.fix_step = invocation.fix_step or outcome.fix_step or invocation.step
    return CheckResult(
        **outcome.model_dump(), check=spec.name, key=invocation.key, title=spec.title, family=spec.family,
        step=invocation.step, zone=invocation.zone, started_at=started_wall,
        params=resolved if templating.first_missing(resolved) is None else None,
        duration_ms=round((time.monotonic() - started) * 1000, 1),
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
        secret = _secret_of(ctx)
        return Outcome.errored("CHECK-FAILED-TO-RUN", f"{spec.name} could not run",
                               cause=mask(f"{type(exc).__name__}: {exc}", secret))
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


def _secret_of(ctx: Context) -> str | None:
    try:
        return ctx.credentials().access_key_secret
    except Exception:
        return None
