"""Load on the cloud APIs: sweeps stay under a bounded request rate (read from the region's own request
log), and throttling is retried with jittered backoff until it ends."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from pathlib import Path
from typing import Any

from drconsole.cloud import BURST, RATE_PER_SECOND
from drconsole.context import Context
from drconsole.engine import sweep
from drconsole.lab.lab import Lab
from drconsole.profile import Profile
from drconsole.results import Status
from drconsole.runbooks.loader import load_runbook, shipped_runbooks
from drconsole.sweeps import invocations


def _requests_since(log: Path, offset: int) -> list[dict[str, Any]]:
    with log.open() as handle:
        handle.seek(offset)
        return [json.loads(line) for line in handle if line.strip()]


def _busiest_second(times: list[float]) -> int:
    times = sorted(times)
    busiest, left = 0, 0
    for right, now in enumerate(times):
        while now - times[left] >= 1.0:
            left += 1
        busiest = max(busiest, right - left + 1)
    return busiest


def test_four_concurrent_sweeps_stay_under_the_rate_bound(lab: dict[str, Any], lab_profile: Profile) -> None:
    log = Path(lab["region"]["request_log"])
    offset = log.stat().st_size
    chosen = [inv for name in shipped_runbooks() for inv in invocations(load_runbook(name))]
    ctx = Context(lab_profile)

    async def four_sweeps() -> list[Status]:
        async def one() -> list[Status]:
            return [r.status async for r in sweep(ctx, chosen)]
        runs = await asyncio.gather(one(), one(), one(), one())
        return [status for run in runs for status in run]

    try:
        statuses = asyncio.run(four_sweeps())
    finally:
        ctx.close()
    sent = _requests_since(log, offset)
    assert len(sent) > RATE_PER_SECOND + BURST, "the sweeps should have asked more than the bound lets through"
    # The limiter lets BURST + RATE_PER_SECOND calls leave in any second; the region stamps arrivals, which
    # threads and sockets delay by a few milliseconds each, so a call or two more may land in one second.
    assert _busiest_second([r["epoch"] for r in sent]) <= (RATE_PER_SECOND + BURST) * 1.1
    assert Status.ERROR not in statuses


def test_throttling_is_retried_with_jitter_and_recovers(lab: dict[str, Any], lab_env: Any,
                                                        lab_profile: Profile) -> None:
    log = Path(lab["region"]["request_log"])
    book = load_runbook("zone-dr-hybrid")
    [fleet_running] = [inv for inv in invocations(book) if inv.spec.name == "fleet.running"]
    ctx = Context(lab_profile)
    the_lab = Lab(lab_env)
    the_lab.break_("region-throttle")
    healer = threading.Timer(1.0, the_lab.heal, args=("region-throttle",))
    try:
        offset = log.stat().st_size
        healer.start()

        async def run() -> list[Any]:
            return [r async for r in sweep(ctx, [fleet_running])]

        [result] = asyncio.run(run())
    finally:
        healer.join()
        the_lab.heal("region-throttle")
        ctx.close()
    assert result.status is Status.PASS, result.summary
    calls = [r for r in _requests_since(log, offset) if r["action"] == "DescribeHubClusterDetails"
             or r["action"] == "DescribeHubClusters"]
    throttled = [r for r in calls if r["status"] >= 400]
    assert throttled and calls[-1]["status"] == 200
    gaps = [b["epoch"] - a["epoch"] for a, b in itertools.pairwise(calls)]
    assert len(set(round(g, 2) for g in gaps)) == len(gaps), "retries should be spaced with jitter"
