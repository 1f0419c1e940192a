"""Cloud retries fit inside the calling check's deadline, and a check that runs out of time while retrying
reports the cloud's last error (code, HTTP status, request ID) instead of a bare timeout."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from pydantic import BaseModel

from drconsole import deadline
from drconsole.cloud import CloudError, call
from drconsole.context import Context
from drconsole.engine import Invocation, sweep
from drconsole.profile import parse_profile
from drconsole.registry import CheckSpec
from drconsole.results import CheckResult, Evidence, Outcome, Status


class Failing:
    """An SDK call that always gets the same error from the API, counting its attempts."""

    def __init__(self, status: int, code: str) -> None:
        self.status, self.code, self.attempts = status, code, 0

    def __call__(self) -> None:
        self.attempts += 1
        raise AlibabaCloudException(status_code=self.status, code=self.code, message="try later",
                                    request_id=f"REQ-{self.attempts}")


def test_without_a_deadline_every_attempt_is_made_and_the_last_error_is_named() -> None:
    failing = Failing(503, "ServiceUnavailable")
    with pytest.raises(CloudError) as raised:
        call("cs", "DescribeClusters", failing, attempts=3, base_delay=0.001)
    assert failing.attempts == 3
    error = raised.value
    assert (error.status, error.code, error.request_id) == (503, "ServiceUnavailable", "REQ-3")
    assert all(part in error.message for part in ("503", "ServiceUnavailable", "REQ-3"))


def test_no_retry_is_started_that_cannot_end_before_the_deadline() -> None:
    failing = Failing(503, "ServiceUnavailable")
    # a budget smaller than its own reserve for reporting leaves no time for a second attempt
    with deadline.budget(deadline.RESERVE_MIN_S / 2) as budget, pytest.raises(CloudError) as raised:
        call("cs", "DescribeClusters", failing, attempts=4, base_delay=0.001)
    assert failing.attempts == 1
    assert raised.value.status == 503
    assert budget.last_error is raised.value


def test_retries_go_on_while_they_fit() -> None:
    failing = Failing(500, "InternalError")
    with deadline.budget(600.0), pytest.raises(CloudError):
        call("cs", "DescribeClusters", failing, attempts=4, base_delay=0.001)
    assert failing.attempts == 4


def test_a_client_error_is_not_retried() -> None:
    failing = Failing(404, "ErrorClusterNotFound")
    with deadline.budget(600.0), pytest.raises(CloudError) as raised:
        call("cs", "DescribeClusterDetail", failing, attempts=4, base_delay=0.001)
    assert failing.attempts == 1
    assert raised.value.code == "ErrorClusterNotFound"


class NoParams(BaseModel):
    pass


async def run_alone(profile_text: str, fn: Any, timeout: float = 0.2) -> CheckResult:
    """Run one check function through the engine, with `timeout`."""
    ctx = Context(parse_profile(profile_text, source="p.toml"))
    spec = CheckSpec(name=fn.__name__, family="test", title=fn.__name__, params=NoParams, timeout=timeout, fn=fn)
    try:
        [result] = [r async for r in sweep(ctx, [Invocation(key="k", spec=spec)])]
    finally:
        ctx.close()
    return result


async def retrying_past_its_deadline(ctx: Context, params: NoParams) -> Outcome:
    """The cloud answered 503 once; the next attempt hangs beyond the check's timeout."""

    def in_thread() -> None:
        budget = deadline.current()
        assert budget is not None, "the check's budget reaches the worker thread"
        budget.last_error = CloudError("cs", "DescribeClusters", "ServiceUnavailable", "try later", "REQ-9", 503)
        time.sleep(budget.seconds * 20)

    await ctx.blocking(in_thread)
    return Outcome.passed("unreachable")


async def test_a_check_cut_off_while_retrying_names_the_last_api_error(profile_text: str) -> None:
    result = await run_alone(profile_text, retrying_past_its_deadline)
    assert result.status is Status.ERROR
    said = f"{result.summary} | {result.cause}"
    assert all(part in said for part in ("503", "ServiceUnavailable", "REQ-9")), said
    assert "no answer within" not in result.summary


async def setting_up_slowly(ctx: Context, params: NoParams) -> Outcome:
    """Loading an SDK takes longer than the whole timeout on a loaded machine; then the answer comes at once."""

    def in_thread() -> None:
        budget = deadline.current()
        assert budget is not None
        with budget.setting_up():
            time.sleep(budget.seconds * 3)

    await ctx.blocking(in_thread)
    return Outcome.passed("answered", Evidence(source="test"))


async def test_local_set_up_time_is_not_charged_to_the_check(profile_text: str) -> None:
    result = await run_alone(profile_text, setting_up_slowly)
    assert result.status is Status.PASS, result.summary


async def test_the_budget_still_ends_after_the_set_up(profile_text: str) -> None:
    async def slow_after_set_up(ctx: Context, params: NoParams) -> Outcome:
        await setting_up_slowly(ctx, params)
        await asyncio.sleep(60)
        return Outcome.passed("too late", Evidence(source="test"))

    result = await run_alone(profile_text, slow_after_set_up)
    assert result.status is Status.ERROR and "0.2 s" in result.summary


def test_set_up_stops_the_clock_only_up_to_a_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deadline, "SETUP_CAP_S", 0.05)
    with deadline.budget(0.01) as budget:
        with budget.setting_up():
            time.sleep(0.2)
        assert budget.setup_s == pytest.approx(0.05)
        assert budget.remaining() < 0
