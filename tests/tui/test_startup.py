"""Start-up: the first screen is the runbook itself (no mode switch before it), its banner naming the profile;
the key bar, the step tree and the detail fill in once it is drawn; on first run it opens over the welcome."""

from __future__ import annotations

from textual.widgets import Footer, Static, Tree

from drconsole.profile import save_profile
from drconsole.tui.app import DrconsoleApp
from drconsole.tui.config import ConsoleConfig
from drconsole.tui.screens.runbook import RunbookScreen
from drconsole.tui.screens.welcome import WelcomeScreen
from drconsole.tui.widgets import Banner
from tests.tui.conftest import DEMO_RUNBOOK, SIZE, demo_profile, ready


async def test_the_first_screen_is_the_runbook_and_it_fills_in() -> None:
    save_profile(demo_profile())
    app = DrconsoleApp("demo", runbook=DEMO_RUNBOOK, config=ConsoleConfig(), steady=True, autorun=False)
    async with app.run_test(size=SIZE) as pilot:
        first = app.screen
        assert isinstance(first, RunbookScreen)
        assert app.current_mode == "runbook" and app.screen_stack == [first]
        assert "drconsole · profile demo" in str(first.query_one(Banner).render())
        await ready(app, pilot)
        await pilot.pause()
        assert app.session is not None and app.session.profile.name == "demo"
        assert "0/3 steps done" in str(first.query_one("#progress-label", Static).render())
        assert first.query(Footer) and first.query_one("#steps", Tree).has_focus
        await pilot.press("3")
        assert app.current_mode == "journal"
        await pilot.press("1")
        assert app.screen is first


async def test_on_first_run_the_runbook_opens_over_the_welcome_and_the_wizard_closes() -> None:
    app = DrconsoleApp(None, config=ConsoleConfig(), steady=True, autorun=False)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, WelcomeScreen) and app.current_mode == "runbook"
        await pilot.press("s")
        await pilot.pause()
        assert len(app.screen_stack) == 2  # the wizard over the welcome
        app.open_profile(demo_profile())
        await pilot.pause()
        await ready(app, pilot)
        runbook = app.screen
        assert isinstance(runbook, RunbookScreen) and len(app.screen_stack) == 2  # over the welcome
        assert "drconsole · profile demo" in str(runbook.query_one(Banner).render())
        await pilot.press("3")
        assert app.current_mode == "journal"
        await pilot.press("1")
        assert app.screen is runbook
