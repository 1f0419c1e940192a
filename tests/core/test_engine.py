"""The engine runs checks concurrently, bounds each by its timeout, and never lets one crash a sweep."""

from __future__ import annotations

import asyncio
import time

import pytest
from pydantic import BaseModel

from drconsole.context import Context
from drconsole.engine import Invocation, sweep
from drconsole.profile import parse_profile
from drconsole.registry import CheckSpec
from drconsole.results import Evidence, Outcome, Status


class Delay(BaseModel):
    seconds: float


spans: dict[str, tuple[float, float]] = {}


async def sleeper(ctx: Context, params: Delay) -> Outcome:
    started = time.monotonic()
    await asyncio.sleep(params.seconds)
    return Outcome.passed(f"slept {params.seconds}", Evidence(source="clock", answer=time.monotonic() - started))


async def blocking_sleeper(ctx: Context, params: Delay) -> Outcome:
    await ctx.blocking(time.sleep, params.seconds)
    return Outcome.passed("slept in a thread", Evidence(source="clock"))


async def boom(ctx: Context, params: Delay) -> Outcome:
    raise RuntimeError("the probe fell over")


async def empty_pass(ctx: Context, params: Delay) -> Outcome:
    return Outcome(status=Status.PASS, summary="trust me")


def spec(name: str, fn: object, timeout: float = 5.0) -> CheckSpec:
    return CheckSpec(name=name, family="test", title=name, params=Delay, timeout=timeout, fn=fn)  # type: ignore[arg-type]


@pytest.fixture
def ctx(profile_text: str) -> Context:
    context = Context(parse_profile(profile_text, source="p.toml"))
    yield context
    context.close()


async def _collect(ctx: Context, invocations: list[Invocation]) -> list:  # type: ignore[type-arg]
    return [result async for result in sweep(ctx, invocations)]


async def test_ten_one_second_checks_all_run_at_once(ctx: Context) -> None:
    invocations = [Invocation(key=f"s{i}", spec=spec("sleep", sleeper), raw_params={"seconds": 1})
                   for i in range(5)]
    invocations += [Invocation(key=f"b{i}", spec=spec("block", blocking_sleeper), raw_params={"seconds": 1})
                    for i in range(5)]
    results = await _collect(ctx, invocations)
    assert len(results) == 10 and all(r.status is Status.PASS for r in results)
    starts = [r.started_at for r in results]
    ends = [r.started_at + r.duration_ms / 1000 for r in results]
    # concurrency, observed: every check had started before the first one finished
    assert max(starts) < min(ends)


async def test_a_hanging_check_becomes_error_at_its_timeout_and_others_finish(ctx: Context) -> None:
    results = await _collect(ctx, [
        Invocation(key="hang", spec=spec("hang", sleeper, timeout=0.3), raw_params={"seconds": 30}),
        Invocation(key="quick", spec=spec("quick", sleeper), raw_params={"seconds": 0}),
    ])
    by_key = {r.key: r for r in results}
    assert by_key["quick"].status is Status.PASS
    assert (by_key["hang"].status, by_key["hang"].code) == (Status.ERROR, "CHECK-TIMEOUT")
    assert "timed out after 0.3 s" in (by_key["hang"].cause or "")
    assert by_key["hang"].duration_ms >= 300


async def test_a_raising_check_is_an_error_with_the_reason(ctx: Context) -> None:
    [result] = await _collect(ctx, [Invocation(key="boom", spec=spec("boom", boom), raw_params={"seconds": 0})])
    assert (result.status, result.code) == (Status.ERROR, "CHECK-FAILED-TO-RUN")
    assert "the probe fell over" in (result.cause or "")


async def test_a_pass_without_evidence_is_not_a_pass(ctx: Context) -> None:
    [result] = await _collect(ctx, [Invocation(key="e", spec=spec("e", empty_pass), raw_params={"seconds": 0})])
    assert (result.status, result.code) == (Status.ERROR, "CHECK-NO-EVIDENCE")


async def test_unset_profile_values_skip_with_the_reason(ctx: Context) -> None:
    [result] = await _collect(ctx, [Invocation(key="x", spec=spec("x", sleeper),
                                               raw_params={"seconds": "${profile.network.cen_id}"})])
    assert (result.status, result.code) == (Status.SKIPPED, "CHECK-PARAM-UNSET")
    assert "network.cen_id" in result.summary


async def test_bad_parameters_are_an_error_not_a_crash(ctx: Context) -> None:
    [result] = await _collect(ctx, [Invocation(key="x", spec=spec("x", sleeper), raw_params={"seconds": "soon"})])
    assert (result.status, result.code) == (Status.ERROR, "CHECK-BAD-PARAMS")
    assert "seconds" in (result.cause or "")


async def test_a_findings_fix_step_is_the_runbooks_own_else_the_catalogues_else_the_checks_step(ctx: Context) -> None:
    def boom_in(step: str, fix_step: str | None = None) -> Invocation:
        return Invocation(key=step, spec=spec("boom", boom), raw_params={"seconds": 0}, step=step, fix_step=fix_step)

    async def failing(ctx: Context, params: Delay) -> Outcome:
        return Outcome.failed("BGP-PEER-IDLE", "Idle")

    idle = Invocation(key="idle", spec=spec("idle", failing), raw_params={"seconds": 0}, step="detect")
    results = {r.key: r.fix_step for r in await _collect(ctx, [boom_in("detect"), boom_in("s", "repair"), idle])}
    assert results == {"detect": "detect", "s": "repair", "idle": "network.bgp-idc"}


async def test_identical_invocations_run_once_and_report_under_each_key(ctx: Context) -> None:
    calls: list[float] = []

    async def counted(ctx: Context, params: Delay) -> Outcome:
        calls.append(params.seconds)
        await asyncio.sleep(params.seconds)
        return Outcome.passed("counted", Evidence(source="clock"))

    def inv(key: str, seconds: object, zone: str | None = None, timeout: float | None = None) -> Invocation:
        return Invocation(key=key, spec=spec("counted", counted), raw_params={"seconds": seconds}, step=key,
                          zone=zone, timeout=timeout)

    results = {r.key: r for r in await _collect(ctx, [
        inv("setup/a", 0.1, "a"), inv("incident/a", 0.1, "a"), inv("incident/b", "0.1", "b"),
        inv("other", 0.2), inv("longer", 0.1, timeout=9.0)])}
    # "0.1" resolves to the same parameter value but is another invocation as written: the engine keys on the
    # resolved parameters as given, before validation
    assert sorted(calls) == [0.1, 0.1, 0.1, 0.2]
    assert {key: (r.step, r.zone, r.status) for key, r in results.items()} == {
        "setup/a": ("setup/a", "a", Status.PASS), "incident/a": ("incident/a", "a", Status.PASS),
        "incident/b": ("incident/b", "b", Status.PASS), "other": ("other", None, Status.PASS),
        "longer": ("longer", None, Status.PASS)}
    assert results["setup/a"].started_at == results["incident/a"].started_at


async def test_the_checks_that_took_longest_last_time_start_first(ctx: Context) -> None:
    invocations = [Invocation(key=f"k{seconds}", spec=spec("ordered-sleep", sleeper), raw_params={"seconds": seconds})
                   for seconds in (0.01, 0.2, 0.1)]

    async def start_order() -> list[str]:
        results = [r async for r in sweep(ctx, invocations, concurrency=1)]
        return [r.key for r in sorted(results, key=lambda r: r.started_at)]

    assert await start_order() == ["k0.01", "k0.2", "k0.1"]  # never seen: as given
    assert await start_order() == ["k0.2", "k0.1", "k0.01"]
