"""Faults with the console running: the real app (headless, Pilot) on the incident dashboard while every
lab part is broken and healed in turn, twice. The app never raises, the dashboard shows every break (some
row's state changes) and every heal (all rows back as before), and the journal holds every result."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import pytest
from textual.widgets import Static

from drconsole.app.session import Session
from drconsole.journal import Journal
from drconsole.lab.lab import Lab
from drconsole.tui.app import DrconsoleApp
from drconsole.tui.screens.dashboard import DashboardScreen, FamilyRow

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from drconsole.lab.env import LabEnv
    from drconsole.profile import Profile

# 23 faults x 2 rounds (all but the write-only one), each break and heal followed by dashboard sweeps: ~4 min on an
# idle 2-core machine.
pytestmark = [pytest.mark.lab, pytest.mark.timeout(900)]
ROUNDS = 2
SHOWN_WITHIN_S = 40.0


def shown(screen: DashboardScreen) -> dict[str, str]:
    """What the operator sees per row: each family cell's verdict and counts, and each zone's title."""
    rows = {str(row.id): str(row.query_one(".family-verdict", Static).render()) for row in screen.query(FamilyRow)}
    for zone in ("a", "b"):
        rows[f"title-{zone}"] = str(screen.query_one(f"#title-{zone}", Static).render())
    return rows


def verdict(title: str) -> str:
    """The zone verdict word a zone title shows."""
    return next((w for w in ("fail", "error", "warn", "pass", "unknown") if w in title.split()), "")


async def sweep(pilot: Pilot[None], screen: DashboardScreen) -> None:
    before = screen.last_sweep
    screen.action_sweep()
    deadline = time.monotonic() + 60
    while screen.last_sweep == before or screen.sweeping:
        assert time.monotonic() < deadline, "a dashboard sweep never finished"
        await pilot.pause(0.05)
    await pilot.pause()
    status = str(screen.query_one("#last-sweep", Static).render())
    assert "error:" not in status, status


# A sweep only reads, so a fault that only touches creates (the answer of a committed Create* is lost)
# cannot show on the dashboard; tests/actions/test_network_actions.py covers it.
WRITE_ONLY_FAULTS = {"region-lost-response"}


async def sweep_until(pilot: Pilot[None], screen: DashboardScreen, wanted: Any, what: str) -> dict[str, str]:
    deadline = time.monotonic() + SHOWN_WITHIN_S
    while True:
        await sweep(pilot, screen)
        now = shown(screen)
        if wanted(now):
            return now
        assert time.monotonic() < deadline, f"{what}: last shown {now}"


def test_break_and_heal_every_part_twice_with_the_console_running(lab_env: LabEnv, lab_profile: Profile) -> None:
    lab = Lab(lab_env)
    faults = sorted(set(lab.faults()) - WRITE_ONLY_FAULTS)
    session = Session(lab_profile, journal=Journal.for_profile(lab_profile.name))
    app = DrconsoleApp(session=session, autorun=False, steady=True)
    sweeps_seen: list[str] = []

    async def drive() -> None:
        async with app.run_test(size=(160, 50)) as pilot:
            app.switch_mode("dashboard")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            first = await sweep_until(pilot, screen, lambda s: verdict(s["title-a"]) == verdict(s["title-b"]) == "pass",
                                      "a healthy lab")
            # Rows for families first seen in a sweep are mounted by it and drawn on the next refresh.
            baseline = await sweep_until(pilot, screen, lambda s: s.keys() == first.keys(), "a steady picture")
            for round_no in range(ROUNDS):
                for fault in faults:
                    where = f"round {round_no + 1}, {fault}"
                    await asyncio.to_thread(lab.break_, fault)
                    try:
                        broken = await sweep_until(pilot, screen, lambda s: s != baseline,
                                                   f"{where}: the break was never shown")
                        sweeps_seen.append(f"{where}: {sorted(k for k in broken if broken[k] != baseline[k])}")
                    finally:
                        await asyncio.to_thread(lab.heal, fault)
                    await sweep_until(pilot, screen, lambda s: s == baseline, f"{where}: the heal was never shown")
        assert app.return_code in (0, None)

    try:
        asyncio.run(drive())
    finally:
        for fault in sorted(lab_env.broken()):
            lab.heal(fault)
    print("\n".join(sweeps_seen))
    journal = Journal.for_profile(lab_profile.name)
    try:
        runs = [r for r in journal.runs(limit=1000) if r["kind"] == "sweep"]
        assert len(runs) >= 1 + 2 * ROUNDS * len(faults)
        expected = len(session.invocations(session.runbook()))
        short = {r["id"]: len(journal.results(r["id"])) for r in runs if len(journal.results(r["id"])) != expected}
        assert short == {}, f"runs missing results (expected {expected} each): {short}"
        assert all(r["outcome"] is not None for r in runs)
    finally:
        journal.close()
