"""A sweep's checks share one answer to each distinct read, also while it is in flight; errors are shared
too; mutating calls and checks run outside a sweep are never shared; the next sweep asks again."""

from __future__ import annotations

import threading
import time

import pytest
from pydantic import BaseModel

from drconsole import sweepreads
from drconsole.context import Context
from drconsole.engine import Invocation, run_check, sweep
from drconsole.profile import parse_profile
from drconsole.registry import CheckSpec
from drconsole.results import Evidence, Outcome, Status

sent: list[tuple[str, str]] = []
sent_lock = threading.Lock()


class Read(BaseModel):
    action: str
    target: str
    fails: bool = False
    nth: int = 0  # tells otherwise identical checks apart (the engine runs identical invocations once)


def _send(action: str, target: str, fails: bool) -> str:
    with sent_lock:
        sent.append((action, target))
    time.sleep(0.2)  # long enough for every other check to ask while this one is in flight
    if fails:
        raise LookupError(f"{target} not found")
    return f"{action}:{target}"


async def reader(ctx: Context, params: Read) -> Outcome:
    def answer() -> str:
        reads = sweepreads.current()
        if reads is None or not sweepreads.is_read(params.action):
            return _send(params.action, params.target, params.fails)
        return reads.share((params.action, params.target), lambda: _send(params.action, params.target, params.fails))

    got = await ctx.blocking(answer)  # a LookupError makes the check an error
    return Outcome.passed(got, Evidence(source="test", answer=got))


SPEC = CheckSpec(name="reader", family="test", title="reader", params=Read, timeout=5.0, fn=reader)  # type: ignore[arg-type]


@pytest.fixture
def ctx(profile_text: str) -> Context:
    sent.clear()
    context = Context(parse_profile(profile_text, source="p.toml"))
    yield context
    context.close()


def _invocation(i: int, action: str, target: str, fails: bool = False) -> Invocation:
    return Invocation(key=f"k{i}", spec=SPEC, raw_params={"action": action, "target": target, "fails": fails,
                                                            "nth": i})


async def _sweep(ctx: Context, invocations: list[Invocation]) -> list[Status]:
    return [result.status async for result in sweep(ctx, invocations)]


@pytest.mark.parametrize("action", ["DescribeClusterDetail", "ListGateway", "GetGateway"])
async def test_identical_reads_in_one_sweep_are_sent_once(ctx: Context, action: str) -> None:
    statuses = await _sweep(ctx, [_invocation(i, action, "c1") for i in range(5)] + [_invocation(9, action, "c2")])
    assert statuses == [Status.PASS] * 6
    assert sorted(sent) == [(action, "c1"), (action, "c2")]


async def test_a_failed_read_is_shared_as_the_same_failure(ctx: Context) -> None:
    statuses = await _sweep(ctx, [_invocation(i, "DescribeVpcs", "gone", fails=True) for i in range(3)])
    assert statuses == [Status.ERROR] * 3
    assert sent == [("DescribeVpcs", "gone")]


async def test_mutating_calls_are_never_shared(ctx: Context) -> None:
    await _sweep(ctx, [_invocation(i, "CreateVbr", "v1") for i in range(3)])
    assert sent == [("CreateVbr", "v1")] * 3


async def test_each_sweep_asks_again_and_a_check_alone_is_not_cached(ctx: Context) -> None:
    await _sweep(ctx, [_invocation(0, "DescribeVpcs", "v"), _invocation(1, "DescribeVpcs", "v")])
    await _sweep(ctx, [_invocation(0, "DescribeVpcs", "v")])
    await run_check(ctx, _invocation(0, "DescribeVpcs", "v"))
    await run_check(ctx, _invocation(0, "DescribeVpcs", "v"))
    assert sent == [("DescribeVpcs", "v")] * 4
    assert sweepreads.current() is None  # the sweep's reads did not leak into the caller


def test_the_request_key_tells_requests_apart() -> None:
    from drconsole.checks._cloud import RequestOf
    from drconsole.cloud import models

    vpc = models("vpc")
    one = vpc.DescribeVSwitchesRequest(region_id="cn-hangzhou", vpc_id="vpc-1", page_size=50)
    same = vpc.DescribeVSwitchesRequest(region_id="cn-hangzhou", vpc_id="vpc-1", page_size=50)
    other_page = vpc.DescribeVSwitchesRequest(region_id="cn-hangzhou", vpc_id="vpc-1", page_size=10)
    assert RequestOf().describe_vswitches(one) == RequestOf().describe_vswitches(same)
    assert RequestOf().describe_vswitches(one) != RequestOf().describe_vswitches(other_page)
    assert RequestOf().describe_vswitches(one) != RequestOf().describe_vpcs(one)
    assert RequestOf().describe_cluster_detail("c1") != RequestOf().describe_cluster_detail("c2")

