"""The runbook view: checklist states, confirmations into the journal, checks run live with their remedy."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Checkbox, DataTable, Static, Tree

from drconsole.app.session import Session
from drconsole.journal import Journal
from drconsole.tui.app import DrconsoleApp
from drconsole.tui.screens.runbook import RunbookScreen
from tests.tui.conftest import SIZE, demo_profile, demo_runbook, ready


def app_for(runbook: str, **kwargs: object) -> DrconsoleApp:
    profile = demo_profile()
    return DrconsoleApp(session=Session(profile, journal=Journal.for_profile(profile.name)), runbook=runbook,
                        steady=True, autorun=False, **kwargs)


def labels(screen: RunbookScreen) -> dict[str, str]:
    tree = screen.query_one("#steps", Tree)
    return {leaf.data: str(leaf.label) for section in tree.root.children for leaf in section.children}


async def test_checklist_states_and_confirmation(tmp_path: Path, closed_port: int) -> None:
    app = app_for(demo_runbook(tmp_path, closed_port))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        screen = app.screen
        assert isinstance(screen, RunbookScreen)
        assert screen.states == {"plan.network": "not started", "plan.port": "blocked", "build.gateway": "blocked"}
        assert "0/3 steps done" in str(screen.query_one("#progress-label", Static).render())
        screen.query_one("#note").focus()
        await pilot.press(*"written in the ticket")
        screen.query(".confirm").first(Checkbox).value = True
        await pilot.pause()
        assert screen.states["plan.network"] == "done"
        assert screen.states["plan.port"] == "not started"
        journal = app.session.journal
        row = journal.confirmations("demo")[("plan.network", "cidrs-chosen")]
        assert row["confirmed"] == 1 and row["note"] == "written in the ticket"
        assert labels(screen)["plan.network"].startswith("●")


async def test_step_checks_show_failure_with_remedy_then_pass(tmp_path: Path) -> None:
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    app = app_for(demo_runbook(tmp_path, port))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        screen = app.screen
        assert isinstance(screen, RunbookScreen)
        screen.select_step("plan.port")
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        result = screen.results["plan.port/service"]
        assert result.status.value == "fail"
        detail = str(screen.query_one("#check-detail", Static).render())
        assert "remedy: start the demo service" in detail and f"TCP connect 127.0.0.1:{port}" in detail
        assert screen.states["plan.port"] == "failing"
        table = screen.query_one("#checks", DataTable)
        assert "fail" in str(table.get_row_at(0)[0])
        listener.listen(4)  # the service comes up: re-run the one check
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.results["plan.port/service"].status.value == "pass"
        assert "pass" in str(table.get_row_at(0)[0])
    listener.close()
    # every result is journaled, each step check as a sweep of its own linked to the walk of the runbook
    runs = Journal.for_profile("demo").runs()
    walks = [r for r in runs if r["kind"] == "runbook"]
    sweeps = [r for r in runs if r["kind"] == "sweep"]
    assert [r["outcome"] for r in sweeps] == ["pass", "fail"]
    assert len(walks) == 1 and walks[0]["outcome"] is None and {r["walk"] for r in sweeps} == {walks[0]["id"]}


async def test_the_screen_and_the_export_of_the_walk_agree_on_every_step(tmp_path: Path, closed_port: int) -> None:
    """One rule decides a step's state: a confirmed step is done and a step behind an unfinished one is blocked,
    on the screen and in the export of the walk alike."""
    from drconsole.app.records import render_run

    app = app_for(demo_runbook(tmp_path, closed_port))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        screen = app.screen
        assert isinstance(screen, RunbookScreen) and screen.runbook is not None
        screen.query(".confirm").first(Checkbox).value = True
        await pilot.pause()
        shown = dict(screen.states)
        walk = app.session.walk(screen.runbook, start=False)
        assert walk is not None
        document = json.loads(render_run(app.session.journal, walk, "json"))
    assert shown["plan.network"] == "done" and shown["build.gateway"] == "blocked"
    assert {step["id"]: step["state"] for step in document["steps"]} == shown
    confirmation = document["steps"][0]["confirmations"][0]
    assert confirmation["item"] == "cidrs-chosen" and confirmation["confirmed"]
