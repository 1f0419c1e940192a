"""The console shows the watcher running for its profile (leader, last sweep, open alerts) in the banner,
from the status file the watcher writes; without one, the banner says nothing about it."""

from __future__ import annotations

import os
import time

from drconsole.profile import save_profile
from drconsole.results import Status
from drconsole.tui.app import DrconsoleApp
from drconsole.tui.config import ConsoleConfig
from drconsole.tui.widgets import Banner
from drconsole.watch.alerts import alert_of
from drconsole.watch.status import WatchStatus, write_status
from tests.tui.conftest import DEMO_RUNBOOK, SIZE, demo_profile, ready
from tests.watch.support import result


async def test_banner_shows_the_running_watcher() -> None:
    save_profile(demo_profile())
    failing = alert_of(result("s/b", Status.FAIL), "firing", since=time.time())
    write_status("demo", WatchStatus(pid=os.getpid(), identity="zone-a", leading=True, holder="zone-a",
                                     last_sweep=time.time(), updated=time.time(), open_alerts=[failing]))
    app = DrconsoleApp("demo", runbook=DEMO_RUNBOOK, config=ConsoleConfig(), steady=True, autorun=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        for _ in range(50):
            if app.watch_line:
                break
            await pilot.pause(0.1)
        await pilot.pause()
        shown = str(app.screen.query_one(Banner).render())
        assert "watch: leader zone-a" in shown and "1 open alert" in shown


async def test_banner_is_silent_without_a_watcher() -> None:
    save_profile(demo_profile())
    write_status("demo", WatchStatus(pid=2**22 + 12345, identity="gone", leading=True, updated=time.time()))
    app = DrconsoleApp("demo", runbook=DEMO_RUNBOOK, config=ConsoleConfig(), steady=True, autorun=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.pause(0.5)
        assert app.watch_line is None
        assert "watch:" not in str(app.screen.query_one(Banner).render())
