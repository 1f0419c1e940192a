"""The console on a profile whose journal is damaged: it starts, says on its banner that nothing is being
recorded, still runs checks, refuses actions without asking, and leaves the damaged file as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path

from textual.widgets import RichLog

from drconsole.app.session import Session
from drconsole.journal import Journal, journal_path
from drconsole.results import CheckResult, Evidence
from drconsole.tui.app import DrconsoleApp
from drconsole.tui.screens.runbook import RunbookScreen
from drconsole.tui.widgets import Banner
from tests.tui.conftest import SIZE, demo_profile, demo_runbook, ready
from tests.tui.test_actions import APPLIED


def damaged_journal() -> Path:
    """A journal of 30 sweeps written by the real writer, then one page in its middle overwritten."""
    journal = Journal.for_profile("demo")
    for n in range(30):
        run = journal.start_run(kind="sweep", profile="demo", operator="alice", runbook="demo")
        for k in range(40):
            journal.record_result(CheckResult(
                check="tuidemo.port-open", key=f"plan.port/c{k}", title="t", family="gateway", status="pass",
                summary=f"sweep {n} result {k}", evidence=[Evidence(source="tcp", answer="connected " * 30)]),
                run_id=run)
        journal.finish_run(run, "pass")
    journal.close()
    path = journal_path("demo")
    at = path.read_bytes().find(b"sweep 15 result 7")  # a page of results in the middle of the file
    with path.open("r+b") as f:
        f.seek(at // 4096 * 4096)
        f.write(b"\x5a" * 4096)
    return path


async def test_a_damaged_journal_is_said_loudly_and_checks_still_run(tmp_path: Path, closed_port: int) -> None:
    path = damaged_journal()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    APPLIED.clear()
    app = DrconsoleApp(session=Session(demo_profile()), runbook=demo_runbook(tmp_path, closed_port), steady=True,
                       autorun=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        screen = app.screen
        assert isinstance(screen, RunbookScreen)
        banner = screen.query_one(Banner)
        assert banner.has_class("-unrecorded") and "NOT BEING RECORDED" in str(banner.render())
        assert app.session is not None and app.session.journal.recording is False
        assert app.session.journal.problem is not None and app.session.journal.problem.problem == "damaged"
        screen.select_step("plan.port")
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.results["plan.port/service"].status.value == "fail"  # the check ran: the port is closed
        screen.select_step("build.gateway")
        await pilot.press("a")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen  # refused without asking: no confirmation dialog
        log = "\n".join(str(line) for line in screen.query_one("#action-log", RichLog).lines)
        assert "journal recover" in log
    assert APPLIED == []
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
