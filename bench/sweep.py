"""Sweep speed against a lab started with `--timing real` (the region answers with a regional endpoint's
latency): the shipped runbooks' full sweep vs its slowest single check (target <= 1.25x) and vs the same sweep
with one check at a time (target >= 3x faster), medians of five; and how often one sweep asks each cloud read
(target: once). One run, one machine. With the lab on the same machine, the sweep also pays for the lab's CPU:
the floor it prints (every process's CPU during a sweep over the cores) is the shortest sweep the machine allows.

The warm-up sweep also tells the engine how long each check takes (it starts the longest first), as a
dashboard's first sweep does for the ones after it. Each measured round starts after the process's API rate
limiter has refilled (drconsole.cloud: BURST calls at once, then RATE_PER_SECOND), as an operator's sweep or the
dashboard's one-per-second sweep does; rounds run back to back would measure the limiter instead."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from common import bench_lab, line, median, private_home

T = TypeVar("T")
ROUNDS = 5


def machine_busy_s() -> float:
    """CPU seconds every process on the machine has spent so far (all cores; /proc/stat, Linux)."""
    with open("/proc/stat") as stat:
        ticks = [int(field) for field in stat.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


def reads_since(log: Path, offset: int, calls: int) -> Counter[str]:
    """How often each read (product, action, parameters) reached the region after `offset` of its log, once the
    `calls` sent are all there (the region appends a line after its answer has gone)."""
    deadline = time.monotonic() + 10
    while True:
        with log.open() as handle:
            handle.seek(offset)
            sent = [json.loads(row) for row in handle if row.strip()]
        if len(sent) >= calls or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return Counter(f"{r['product']}:{r['action']} {r['path']} {json.dumps(r['params'], sort_keys=True)}"
                   for r in sent if not r["mutating"])


def main(timing: str = "real") -> None:
    home = private_home()
    from drconsole.cloud import BURST, RATE_PER_SECOND
    from drconsole.cloudstats import COUNTS
    from drconsole.context import Context
    from drconsole.engine import DEFAULT_CONCURRENCY, run_check, sweep
    from drconsole.runbooks.loader import load_runbook, shipped_runbooks
    from drconsole.sweeps import invocations

    with bench_lab(home, lab_id="bs", timing=timing) as (env, profile):
        log = Path(env.facts()["region"]["request_log"])
        chosen = [inv for name in sorted(shipped_runbooks()) for inv in invocations(load_runbook(name))]
        ctx = Context(profile)

        async def each_alone() -> dict[str, float]:
            alone = {}
            for inv in chosen:
                started = time.monotonic()
                await run_check(ctx, inv)
                alone[inv.key] = time.monotonic() - started
            return alone

        async def swept(concurrency: int = DEFAULT_CONCURRENCY) -> tuple[float, float, float, list[str]]:
            started, cpu, busy = time.monotonic(), time.process_time(), machine_busy_s()
            statuses = [r.status.value async for r in sweep(ctx, chosen, concurrency=concurrency)]
            return time.monotonic() - started, time.process_time() - cpu, machine_busy_s() - busy, statuses

        def rested(round_: Callable[[], Coroutine[Any, Any, T]]) -> T:
            time.sleep(BURST / RATE_PER_SECOND)
            return asyncio.run(round_())

        rested(swept)  # warm: clients built, imports done
        alone_rounds = [rested(each_alone) for _ in range(ROUNDS)]
        in_sequence = [rested(lambda: swept(1)) for _ in range(ROUNDS)]
        offset, calls = log.stat().st_size, sum(COUNTS.snapshot()[0].values())
        runs = [rested(swept)]
        asked = reads_since(log, offset, sum(COUNTS.snapshot()[0].values()) - calls)
        runs += [rested(swept) for _ in range(ROUNDS - 1)]
        ctx.close()
        latency_ms = env.timing.region_latency_s * 1000
        link = env.facts()["net"]["link_delay"]
    alone = {key: median([r[key] for r in alone_rounds]) for key in alone_rounds[0]}
    sweep_s = median([elapsed for elapsed, _, _, _ in runs])
    sequence_s = median([elapsed for elapsed, _, _, _ in in_sequence])
    cpu_s = median([cpu for _, cpu, _, _ in runs])
    # The lab runs on this machine too: no sweep can be shorter than the CPU the whole machine spends during it
    # over its cores, however well the checks overlap. /proc/stat counts in ticks (10 ms), so the rounds are summed.
    cores = len(os.sched_getaffinity(0))
    floor_s = sum(busy for _, _, busy, _ in runs) / len(runs) / cores
    statuses = runs[-1][3]
    slowest_key = max(alone, key=alone.__getitem__)
    ratio, speedup = sweep_s / alone[slowest_key], sequence_s / sweep_s
    delayed = "applied" if link["applied"] else "NOT applied: " + link["why"]
    print(f"sweep benchmark: {len(chosen)} checks, lab timing {timing} (region latency {latency_ms:g} ms; link "
          f"delay {link['one_way_ms']:g} ms one way, {delayed})")
    print(f"statuses {dict((s, statuses.count(s)) for s in sorted(set(statuses)))}")
    print(line(f"full sweep (median of {ROUNDS})", f"{sweep_s * 1000:.0f} ms"))
    print(line("  drconsole's own CPU time in it (all threads)", f"{cpu_s * 1000:.0f} ms"))
    print(line(f"slowest single check alone, median of {ROUNDS} ({slowest_key})",
               f"{alone[slowest_key] * 1000:.0f} ms"))
    print(line("sweep / slowest check", f"{ratio:.2f}x", "target <= 1.25x", ratio <= 1.25))
    print(line(f"  floor: the whole machine's CPU in a sweep / {cores} cores", f"{floor_s * 1000:.0f} ms"))
    print(line("  floor / slowest check (no sweep on this machine can do better)",
               f"{floor_s / alone[slowest_key]:.2f}x"))
    print(line(f"the same sweep one check at a time (median of {ROUNDS})", f"{sequence_s * 1000:.0f} ms"))
    print(line("  speed-up of the concurrent sweep", f"{speedup:.1f}x", "target >= 3x", speedup >= 3))
    print(line("  each check alone, one after another (sum of medians)", f"{sum(alone.values()) * 1000:.0f} ms"))
    most = max(asked.values(), default=0)
    print(line(f"cloud reads in one sweep: {len(asked)} distinct, {sum(asked.values())} sent; most asks of one",
               f"{most}", "target 1", most == 1))
    for read, count in sorted(asked.items()):
        print(f"    {count}  {read}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
