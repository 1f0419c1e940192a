"""`drconsole setup` opens the console on the wizard, whatever profiles exist."""

from __future__ import annotations

from drconsole.tui.app import wizard_app


async def test_setup_opens_the_wizard() -> None:
    from drconsole.tui.screens.wizard import WizardScreen

    app = wizard_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WizardScreen)
