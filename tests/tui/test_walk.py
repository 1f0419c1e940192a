"""Walking the failover runbook in the console, as an operator would during a zone outage — detect, decide,
shift with the target typed back, verify — makes one run; its export shows every step done with its checks,
confirmation and actions, and the measured recovery time."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from textual.widgets import Checkbox, Input

from drconsole.app.records import render_run
from drconsole.app.session import Session
from drconsole.journal import Journal
from drconsole.tui.app import DrconsoleApp
from drconsole.tui.config import ConsoleConfig
from drconsole.tui.screens.confirm import ActionConfirm
from drconsole.tui.screens.runbook import RunbookScreen
from tests.actions.test_failover import zone_a_broken  # noqa: F401  (a fixture)
from tests.tui.conftest import SIZE, ready
from tests.tui.test_lab import until

if TYPE_CHECKING:
    from drconsole.lab.env import LabEnv
    from drconsole.profile import Profile

pytestmark = pytest.mark.lab


async def act(app: DrconsoleApp, pilot: Any, screen: RunbookScreen, step: str, key: str) -> None:
    """Select `step`, press `key` (c: its checks, a: its actions) and wait until that is done."""
    screen.select_step(step)
    await pilot.pause()
    await pilot.press(key)
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.timeout(900)  # a whole incident walked by hand, with a zone broken and healed around it
@pytest.mark.usefixtures("zone_a_broken")
async def test_walking_the_failover_runbook_is_one_run(lab_profile: Profile, lab_env: LabEnv) -> None:
    from drconsole.lab.lab import Lab

    session = Session(lab_profile, journal=Journal.for_profile(lab_profile.name))
    app = DrconsoleApp(session=session, runbook="zone-failover", config=ConsoleConfig(), steady=True, autorun=False)
    zone_b = str(lab_profile.clusters.registered.zone)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        screen = app.screen
        assert isinstance(screen, RunbookScreen) and screen.runbook is not None
        book = screen.runbook
        await act(app, pilot, screen, "detect", "c")
        assert screen.results["detect/zone-a"].status.value == "fail"
        walk = session.walk(book, start=False)
        assert walk is not None
        screen.query(".confirm").first(Checkbox).value = True
        await pilot.pause()
        await act(app, pilot, screen, "decide", "a")
        screen.select_step("shift")
        await pilot.pause()
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ActionConfirm), "the confirmation of the shift")
        modal = app.screen
        assert isinstance(modal, ActionConfirm) and modal.target == zone_b, modal.target
        await pilot.pause()
        modal.query_one("#target", Input).value = zone_b  # typed back
        await pilot.pause()
        modal.action_approve()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await act(app, pilot, screen, "verify", "a")
        assert screen.states["verify"] == "done", screen.states
        # The zone is repaired; the detect checks, run again, see both zones answer: the walk is complete.
        Lab(lab_env).heal("zone-a")
        for _ in range(60):
            await act(app, pilot, screen, "detect", "c")
            if screen.states["detect"] == "done":
                break
        assert screen.states["detect"] == "done", screen.states
        assert session.walk(book, start=False) is None  # every required step done: the walk is finished
        journal = session.journal
        document = json.loads(render_run(journal, walk, "json"))
        runs = journal.runs(limit=100)
    walks = [r for r in runs if r["kind"] == "runbook"]
    assert [r["id"] for r in walks] == [walk] and walks[0]["outcome"] == "finished"
    assert {r["walk"] for r in runs if r["kind"] == "sweep"} == {walk}
    steps = {step["id"]: step for step in document["steps"]}
    assert [steps[s]["state"] for s in ("detect", "decide", "shift", "verify")] == ["done"] * 4
    assert steps["detect"]["confirmations"][0]["confirmed"] and steps["detect"]["checks"]
    assert [a["state"] for s in ("decide", "shift", "verify") for a in steps[s]["actions"]] == ["succeeded"] * 3
    typed = [e for e in steps["shift"]["actions"][0]["events"] if e["kind"] == "confirmed"]
    assert typed and typed[0]["data"]["typed"] == zone_b
    assert 0 < document["recovery_seconds"] < 60
