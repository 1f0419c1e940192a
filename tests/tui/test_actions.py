"""Actions from the runbook view: the plan in a modal, a destructive one refused until the target is typed,
read-only mode refusing before anything is asked."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from textual.widgets import Button, Input, RichLog, Static

from drconsole.actions.base import Action, Plan, Result, Risk, action
from drconsole.actions.context import ActionContext
from drconsole.app.session import Session
from drconsole.journal import Journal
from drconsole.tui.app import DrconsoleApp
from drconsole.tui.screens.confirm import ActionConfirm
from drconsole.tui.screens.runbook import RunbookScreen
from tests.tui.conftest import DEMO_RUNBOOK, SIZE, demo_profile, ready

APPLIED: list[str] = []


class NoParams(BaseModel):
    pass


@action("tuidemo.recreate-gateway", risk=Risk.DESTRUCTIVE, title="Recreate the demo gateway", params=NoParams)
class RecreateGateway(Action):
    """A destructive action whose 'apply' only records that it ran (nothing outside the test changes)."""

    def plan(self, actx: ActionContext, params: Any) -> Plan:
        return self.new_plan(actx, "delete gw-demo and create it again", target="gw-demo")

    def apply(self, actx: ActionContext, plan: Plan) -> Result:
        APPLIED.append(plan.target or "")
        return Result("recreated gw-demo")


def app_for(*, read_only: bool = False) -> DrconsoleApp:
    profile = demo_profile()
    return DrconsoleApp(session=Session(profile, journal=Journal.for_profile(profile.name)), runbook=DEMO_RUNBOOK,
                        read_only=read_only, steady=True, autorun=False)


async def wait_for_modal(app: DrconsoleApp, pilot: Any) -> ActionConfirm:
    for _ in range(100):
        await pilot.pause(0.05)
        if isinstance(app.screen, ActionConfirm):
            return app.screen
    raise AssertionError(f"no confirmation modal appeared; top screen is {app.screen!r}")


async def test_destructive_action_needs_the_target_typed_back() -> None:
    APPLIED.clear()
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        runbook = app.screen
        assert isinstance(runbook, RunbookScreen)
        runbook.select_step("build.gateway")
        await pilot.press("a")
        modal = await wait_for_modal(app, pilot)
        assert "destructive" in str(modal.query_one("#plan-text", Static).render())
        assert modal.query_one("#apply", Button).disabled
        await pilot.press(*"gw-dem", "enter")  # wrong: refused in place
        assert isinstance(app.screen, ActionConfirm)
        assert "does not match" in str(modal.query_one("#target-error", Static).render())
        modal.action_approve()
        await pilot.pause()
        assert isinstance(app.screen, ActionConfirm) and not APPLIED
        await pilot.press("o")
        assert not modal.query_one("#apply", Button).disabled
        assert modal.query_one("#target", Input).value == "gw-demo"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert APPLIED == ["gw-demo"]
        log = "\n".join(str(line) for line in runbook.query_one("#action-log", RichLog).lines)
        assert "succeeded" in log
    events = Journal.for_profile("demo").action_events()
    # the demo profile has no kubeconfig: no Fleet to lock on, which is journaled
    assert [e["kind"] for e in events] == ["planned", "lock-skipped", "confirmed", "started", "succeeded"]
    assert events[2]["data"]["typed"] == "gw-demo"


async def test_cancel_declines_and_sends_nothing() -> None:
    APPLIED.clear()
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        app.screen.select_step("build.gateway")
        await pilot.press("a")
        await wait_for_modal(app, pilot)
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert not APPLIED
    assert [e["kind"] for e in Journal.for_profile("demo").action_events()][-1] == "declined"


async def test_read_only_refuses_without_asking() -> None:
    APPLIED.clear()
    app = app_for(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        runbook = app.screen
        assert isinstance(runbook, RunbookScreen)
        assert "READ-ONLY" in str(runbook.query_one("#banner", Static).render())
        runbook.select_step("build.gateway")
        await pilot.press("a")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, ActionConfirm)
        log = "\n".join(str(line) for line in runbook.query_one("#action-log", RichLog).lines)
        assert "read-only mode refuses" in log
    assert not APPLIED
    assert [e["kind"] for e in Journal.for_profile("demo").action_events()] == ["planned", "refused"]


async def test_read_only_modal_cannot_approve() -> None:
    app = app_for(read_only=True)
    answers: list[Any] = []
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        plan = Plan(action="x.change", title="Change", risk=Risk.MUTATING, summary="change a thing")
        app.push_screen(ActionConfirm(plan, read_only=True), answers.append)
        await pilot.pause()
        assert app.screen.query_one("#apply", Button).disabled
        await pilot.press("y")
        assert isinstance(app.screen, ActionConfirm) and not answers
        await pilot.press("escape")
    assert answers and not answers[0].approved
