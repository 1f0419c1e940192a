"""The runbook view: checklist states, confirmations into the journal, checks run live with their remedy."""

from __future__ import annotations

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
    # every result is journaled
    runs = Journal.for_profile("demo").runs()
    assert [r["outcome"] for r in runs] == ["pass", "fail"]
