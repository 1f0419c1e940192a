"""Detection and recovery in the lab: with the incident dashboard (the real app, headless) sweeping every
second, the time from `lab break zone-a` to zone A shown failing (target <= 2 s); then the time from starting
the failover runbook with its confirmations supplied to traffic verified on zone B (target <= 10 s).
Afterwards zone A is healed and traffic failed back with the runbook's own failback step."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import bench_lab, line, private_home

REFRESH_S = 1.0
SHOWN_WITHIN_S = 30.0


def drconsole(profile: str, *args: str) -> subprocess.CompletedProcess[str]:
    exe = str(Path(sys.executable).parent / "drconsole")
    return subprocess.run([exe, "--profile", profile, *args], capture_output=True, text=True, timeout=180,
                          env=os.environ.copy())


def zone_shown(screen: Any, zone: str) -> str:
    """The verdict the dashboard's zone title shows (what the operator sees), e.g. 'fail'."""
    from textual.widgets import Static

    words = str(screen.query_one(f"#title-{zone}", Static).render()).split()
    return next((w for w in ("fail", "error", "warn", "pass", "unknown") if w in words), "")


async def detect(env: Any, profile: Any) -> float:
    from drconsole.journal import Journal
    from drconsole.lab.lab import Lab
    from drconsole.tui.app import DrconsoleApp
    from drconsole.tui.screens.dashboard import DashboardScreen
    from drconsole.tui.session import Session

    app = DrconsoleApp(session=Session(profile, journal=Journal.for_profile(profile.name)), autorun=False)
    async with app.run_test(size=(160, 50)) as pilot:
        app.switch_mode("dashboard")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        screen.action_sweep()
        screen.set_interval(REFRESH_S, screen.action_sweep)  # the dashboard refreshing every second
        deadline = time.monotonic() + SHOWN_WITHIN_S
        while zone_shown(screen, "a") != "pass" or zone_shown(screen, "b") != "pass":
            assert time.monotonic() < deadline, "the dashboard never showed both zones passing"
            await pilot.pause(0.05)
        broken = time.monotonic()
        Lab(env).break_("zone-a")
        while zone_shown(screen, "a") not in ("fail", "error"):
            assert time.monotonic() < broken + SHOWN_WITHIN_S, "zone A was never shown failing"
            await pilot.pause(0.02)
        shown = time.monotonic() - broken
        await app.workers.wait_for_complete()
    return shown


def failover(profile: Any) -> tuple[float, float | None]:
    """Wall time of `drconsole run zone-failover` (decide, shift, verify) and the runbook's own recovery figure."""
    zone_b = str(profile.clusters.registered.zone)
    started = time.monotonic()
    result = drconsole(profile.name, "run", "zone-failover", "--step", "decide", "--step", "shift",
                       "--step", "verify", "--yes", "--confirm-target", zone_b)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"failover did not complete (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    return elapsed, _recovery_s(profile.name)


def _recovery_s(profile: str) -> float | None:
    from drconsole.journal import Journal

    journal = Journal.for_profile(profile)
    try:
        verified = [e for e in journal.action_events() if e["action"] == "traffic.verify" and e["kind"] == "succeeded"]
        return float(verified[-1]["data"]["recovery_s"]) if verified else None
    finally:
        journal.close()


def heal_and_fail_back(env: Any, profile: Any) -> str:
    from drconsole.lab.lab import Lab

    Lab(env).heal("zone-a")
    zone_a = str(profile.clusters.ack.zone)
    for _ in range(30):  # the safety rule wants zone A healthy before traffic goes back
        result = drconsole(profile.name, "run", "zone-failover", "--step", "failback", "--yes",
                           "--confirm-target", zone_a)
        if result.returncode == 0:
            return "failed back to zone A"
        time.sleep(1)
    return f"fail-back did not complete: {result.stdout[-400:]}"


def main() -> None:
    home = private_home()
    with bench_lab(home) as (env, profile):
        try:
            detected = asyncio.run(detect(env, profile))
            wall, recovery = failover(profile)
        finally:
            after = heal_and_fail_back(env, profile)
    print(f"detection benchmark: dashboard sweeping every {REFRESH_S:g} s; afterwards {after}")
    print(line("`lab break zone-a` -> zone A shown failing", f"{detected:.2f} s", "target <= 2 s", detected <= 2))
    print(line("failover runbook start -> traffic verified on zone B", f"{wall:.2f} s", "target <= 10 s",
               wall <= 10))
    if recovery is not None:
        print(line("  recovery_s the runbook itself recorded (shift -> verified)", f"{recovery:.2f} s"))


if __name__ == "__main__":
    main()
