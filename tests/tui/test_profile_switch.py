"""Switching profile from the command palette, from any screen: the runbook of the new profile opens and
the other screens are rebuilt for it when next shown."""

from __future__ import annotations

import pytest

from drconsole.profile import save_profile
from drconsole.tui.app import DrconsoleApp
from drconsole.tui.config import ConsoleConfig
from drconsole.tui.screens.runbook import RunbookScreen
from drconsole.tui.widgets import Banner
from tests.tui.conftest import DEMO_RUNBOOK, SIZE, demo_profile, ready


@pytest.mark.parametrize("from_screen", ["1", "2", "3"])
async def test_switching_profile_from_the_palette(from_screen: str) -> None:
    save_profile(demo_profile())
    save_profile(demo_profile(name="other"))
    app = DrconsoleApp("demo", runbook=DEMO_RUNBOOK, config=ConsoleConfig(), steady=True, autorun=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press(from_screen)
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.press(*"profile: other")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.profile_name == "other" and app.session is not None and app.session.profile.name == "other"
        assert app.current_mode == "runbook" and isinstance(app.screen, RunbookScreen)
        assert "profile other" in str(app.screen.query_one(Banner).render())
        for key in ("2", "3", "1"):
            await pilot.press(key)
            await pilot.pause()
            assert "profile other" in str(app.screen.query_one(Banner).render())
