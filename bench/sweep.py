"""Sweep speed: the shipped runbooks' full sweep against the lab, vs its slowest single check (target
<= 1.25x) and vs running the same checks one after another (the speed-up). One run, one machine.

Each measured round starts after the process's API rate limiter has refilled (drconsole.cloud: BURST calls
at once, then RATE_PER_SECOND), as an operator's sweep or the dashboard's one-per-second sweep does; rounds
run back to back would measure the limiter instead."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from common import bench_lab, line, median, private_home

T = TypeVar("T")


def main() -> None:
    home = private_home()
    from drconsole.cloud import BURST, RATE_PER_SECOND
    from drconsole.context import Context
    from drconsole.engine import run_check, sweep
    from drconsole.runbooks.loader import load_runbook, shipped_runbooks
    from drconsole.sweeps import invocations

    with bench_lab(home, lab_id="bs") as (_env, profile):
        chosen = [inv for name in sorted(shipped_runbooks()) for inv in invocations(load_runbook(name))]
        ctx = Context(profile)

        async def one_by_one() -> dict[str, float]:
            alone = {}
            for inv in chosen:
                started = time.monotonic()
                await run_check(ctx, inv)
                alone[inv.key] = time.monotonic() - started
            return alone

        def median_alone(rounds: list[dict[str, float]]) -> dict[str, float]:
            return {key: median([r[key] for r in rounds]) for key in rounds[0]}

        async def together() -> tuple[float, float, list[str]]:
            started, cpu = time.monotonic(), time.process_time()
            statuses = [r.status.value async for r in sweep(ctx, chosen)]
            return time.monotonic() - started, time.process_time() - cpu, statuses

        def rested(round_: Callable[[], Coroutine[Any, Any, T]]) -> T:
            time.sleep(BURST / RATE_PER_SECOND)
            return asyncio.run(round_())

        rested(together)  # warm: clients built, imports done
        alone = median_alone([rested(one_by_one) for _ in range(3)])  # a loaded machine has outliers
        runs = [rested(together) for _ in range(5)]
        ctx.close()
    sweep_s = median([elapsed for elapsed, _, _ in runs])
    cpu_s = median([cpu for _, cpu, _ in runs])
    statuses = runs[-1][2]
    slowest_key = max(alone, key=alone.__getitem__)
    ratio = sweep_s / alone[slowest_key]
    print(f"sweep benchmark: {len(chosen)} checks, statuses {dict((s, statuses.count(s)) for s in set(statuses))}")
    print(line("full sweep (median of 5)", f"{sweep_s * 1000:.0f} ms"))
    print(line("  drconsole's own CPU time in it (all threads)", f"{cpu_s * 1000:.0f} ms"))
    print(line(f"slowest single check, median of 3 ({slowest_key})", f"{alone[slowest_key] * 1000:.0f} ms"))
    print(line("sweep / slowest check", f"{ratio:.2f}x", "target <= 1.25x", ratio <= 1.25))
    print(line("one after another (sum)", f"{sum(alone.values()) * 1000:.0f} ms"))
    print(line("speed-up of the concurrent sweep", f"{sum(alone.values()) / sweep_s:.1f}x"))


if __name__ == "__main__":
    main()
