"""Scale: the incident dashboard with 50 clusters' worth of checks (2,000 results) on the board.
Figures: one dashboard refresh with every result changed (redraw + paint, target < 100 ms; also its CPU time,
steadier than wall time on a loaded machine), a whole sweep's results arriving one by one as messages until
all are drawn, and the process's resident memory at its peak (target < 250 MB). Headless Textual."""

from __future__ import annotations

import asyncio
import resource
import time
from typing import Any

from common import line, median, private_home

CLUSTERS = 50
RESULTS = 2_000
FAMILIES = ("kube", "gitops", "gateway", "endpoints", "bgp", "routes", "dns", "fleet", "registered", "topology")
STATUSES = ("pass",) * 16 + ("warn", "fail", "error", "skipped")
CODES = {"warn": "GW-FAILED-OVER", "fail": "GW-ZONE-DOWN", "error": "CHECK-TIMEOUT", "skipped": "GW-ZONE-NO-BACKEND"}
REFRESHES = 20


def synthetic_profile() -> Any:
    from drconsole.profile import Profile

    return Profile.model_validate({
        "name": "scale",
        "cloud": {"region": "cn-hangzhou", "access_key_id": "LTAIscale"},
        "network": {"vpc_id": "vpc-scale00001", "vpc_cidrs": ["192.168.0.0/16"], "idc_cidrs": ["10.10.0.0/16"],
                    "bgp": {"idc_asn": 65001, "vbr_peer_ip": "10.0.0.1", "idc_peer_ip": "10.0.0.2"}},
        "clusters": {"fleet": {"context": "fleet"}, "ack": {"context": "ack", "zone": "cn-hangzhou-h"},
                     "registered": {"context": "idc", "zone": "cn-hangzhou-i"}},
        "gateway": {"host": "app.scale.example.com"},
    })


def synthetic_results(sweep: int) -> list[Any]:
    """2,000 results: 40 checks in each of 50 clusters, half in zone A and half in zone B (a few shared)."""
    from drconsole.results import CheckResult, Evidence, Status

    per_cluster = RESULTS // CLUSTERS
    out = []
    for i in range(RESULTS):
        cluster, n = divmod(i, per_cluster)
        family = FAMILIES[n % len(FAMILIES)]
        status = STATUSES[(i * 7 + sweep) % len(STATUSES)]
        zone = None if n % 8 == 0 else ("a" if cluster % 2 == 0 else "b")
        failing = status in ("fail", "error", "warn")
        out.append(CheckResult(
            status=Status(status), summary=f"cluster-{cluster:02d} {family} check {n} is {status}",
            check=f"{family}.synthetic", key=f"cluster-{cluster:02d}/{family}-{n}", title=f"{family} check {n}",
            family=family, step=f"cluster-{cluster:02d}", zone=zone, started_at=time.time(),
            duration_ms=float(5 + (i % 90)),
            evidence=[Evidence(source=f"{family}-probe", asked=f"check {n} of cluster {cluster}",
                               answer={"cluster": cluster, "ok": not failing})],
            code=CODES.get(status), cause="synthetic failure" if failing else None,
            remedy="synthetic remedy" if failing else None))
    return out


async def measure() -> dict[str, float]:
    from drconsole.app.session import Session
    from drconsole.journal import Journal
    from drconsole.tui.app import DrconsoleApp
    from drconsole.tui.messages import ResultArrived
    from drconsole.tui.screens.dashboard import DashboardScreen

    profile = synthetic_profile()
    app = DrconsoleApp(session=Session(profile, journal=Journal.for_profile(profile.name)), autorun=False,
                       steady=True)
    figures: dict[str, float] = {}
    async with app.run_test(size=(160, 50)) as pilot:
        app.switch_mode("dashboard")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)

        started = time.perf_counter()  # a whole sweep's results arriving one by one, as the worker posts them
        for result in synthetic_results(0):
            screen.post_message(ResultArrived(result, "dashboard"))
        await pilot.pause()
        while screen._message_queue.qsize() or screen.redraw_pending:  # until every result is handled and drawn
            await pilot.pause()
        figures["stream_s"] = time.perf_counter() - started
        assert len(screen.board.results) == RESULTS, len(screen.board.results)

        refreshes, cpu = [], []
        for sweep in range(1, REFRESHES + 1):
            for result in synthetic_results(sweep):
                screen.board.add(result)
            started, started_cpu = time.perf_counter(), time.process_time()
            screen.redraw()
            await pilot.pause()  # until the screen has been laid out and painted
            refreshes.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        figures["refresh_median_s"] = median(refreshes)
        figures["refresh_max_s"] = max(refreshes)
        figures["refresh_cpu_s"] = median(cpu)
        figures["problems_rows"] = float(len([r for r in screen.board.results.values()
                                             if r.status.value in ("fail", "error", "warn")]))
    figures["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def main() -> None:
    private_home()
    figures = asyncio.run(measure())
    print(f"scale benchmark: {CLUSTERS} clusters, {RESULTS} check results on the dashboard "
          f"({figures['problems_rows']:.0f} in the problems table), {REFRESHES} refreshes")
    refresh_ms = figures["refresh_median_s"] * 1000
    print(line("dashboard refresh, 2,000 results (median)", f"{refresh_ms:.1f} ms", "target < 100 ms",
               refresh_ms < 100))
    print(line("dashboard refresh, 2,000 results (slowest)", f"{figures['refresh_max_s'] * 1000:.1f} ms"))
    print(line("dashboard refresh, 2,000 results (median CPU time)", f"{figures['refresh_cpu_s'] * 1000:.1f} ms"))
    print(line("2,000 results streamed in, until all are drawn", f"{figures['stream_s'] * 1000:.0f} ms",
               f"= {figures['stream_s'] * 1000 / RESULTS:.2f} ms per result"))
    print(line("resident memory, peak", f"{figures['rss_mb']:.0f} MB", "target < 250 MB", figures["rss_mb"] < 250))


if __name__ == "__main__":
    main()
