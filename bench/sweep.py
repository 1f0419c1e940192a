"""Sweep speed: the shipped runbooks' full sweep against the lab, vs its slowest single check (target
<= 1.25x) and vs running the same checks one after another (the speed-up). One run, one machine."""

from __future__ import annotations

import asyncio
import time

from common import bench_lab, line, median, private_home


def main() -> None:
    home = private_home()
    from drconsole.context import Context
    from drconsole.engine import run_check, sweep
    from drconsole.runbooks.loader import load_runbook, shipped_runbooks
    from drconsole.sweeps import invocations

    with bench_lab(home) as (_env, profile):
        chosen = [inv for name in sorted(shipped_runbooks()) for inv in invocations(load_runbook(name))]
        ctx = Context(profile)

        async def one_by_one() -> dict[str, float]:
            alone = {}
            for inv in chosen:
                started = time.monotonic()
                await run_check(ctx, inv)
                alone[inv.key] = time.monotonic() - started
            return alone

        async def together() -> tuple[float, list[str]]:
            started = time.monotonic()
            statuses = [r.status.value async for r in sweep(ctx, chosen)]
            return time.monotonic() - started, statuses

        asyncio.run(together())  # warm: clients built, imports done
        alone = asyncio.run(one_by_one())
        runs = [asyncio.run(together()) for _ in range(3)]
        ctx.close()
    sweep_s = median([elapsed for elapsed, _ in runs])
    statuses = runs[-1][1]
    slowest_key = max(alone, key=alone.__getitem__)
    ratio = sweep_s / alone[slowest_key]
    print(f"sweep benchmark: {len(chosen)} checks, statuses {dict((s, statuses.count(s)) for s in set(statuses))}")
    print(line("full sweep (median of 3)", f"{sweep_s * 1000:.0f} ms"))
    print(line(f"slowest single check ({slowest_key})", f"{alone[slowest_key] * 1000:.0f} ms"))
    print(line("sweep / slowest check", f"{ratio:.2f}x", "target <= 1.25x", ratio <= 1.25))
    print(line("one after another (sum)", f"{sum(alone.values()) * 1000:.0f} ms"))
    print(line("speed-up of the concurrent sweep", f"{sum(alone.values()) / sweep_s:.1f}x"))


if __name__ == "__main__":
    main()
