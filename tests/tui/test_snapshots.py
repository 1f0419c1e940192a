"""Pictures of every screen (synthetic profile and results; fixed size; no clock; steady cursor)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from drconsole.actions.base import ApiCall, KubeChange, Plan, Risk
from drconsole.app.session import Session
from drconsole.journal import Journal
from drconsole.tui.app import DrconsoleApp
from drconsole.tui.config import ConsoleConfig
from drconsole.tui.screens.confirm import ActionConfirm
from tests.tui.conftest import DEMO_RUNBOOK, SIZE, demo_profile, ready, result

pytestmark = pytest.mark.usefixtures("fixed_clock")


def demo_app(*, read_only: bool = False, **profile: Any) -> DrconsoleApp:
    prof = demo_profile(**profile)
    return DrconsoleApp(session=Session(prof, journal=Journal.for_profile(prof.name), operator="ops"),
                        runbook=DEMO_RUNBOOK, read_only=read_only, config=ConsoleConfig(), steady=True,
                        autorun=False)


def seed(app: DrconsoleApp) -> None:
    journal = app.session.journal
    journal.confirm("demo", "plan.network", "cidrs-chosen", "ops", note="in ticket CHG-1")
    run = journal.start_run(kind="sweep", profile="demo", operator="ops", runbook="demo")
    journal.record_result(result("plan.port/service", "fail", "gateway", "a", step="plan.port",
                                 summary="nothing accepts connections on port 8080"), run_id=run, runbook="demo")
    journal.finish_run(run, "fail")


def dashboard_results() -> list[Any]:
    return [result("r/bgp", "pass", "bgp", None, ms=4), result("r/routes", "pass", "routes", None, ms=9),
            result("r/dns", "warn", "dns", None, ms=30), result("r/fleet", "pass", "fleet", None, ms=80),
            result("r/gw", "pass", "gateway", None, ms=6),
            result("a/kube", "fail", "kube", "a", ms=2000), result("a/gw", "fail", "gateway", "a", ms=3),
            result("b/kube", "pass", "kube", "b", ms=40), result("b/gw", "pass", "gateway", "b", ms=5),
            result("b/gitops", "pass", "gitops", "b", ms=60)]


def test_welcome(snap_compare: Any) -> None:
    assert snap_compare(DrconsoleApp(None, config=ConsoleConfig(), steady=True, autorun=False),
                        terminal_size=SIZE)


def test_wizard_first_page(snap_compare: Any) -> None:
    assert snap_compare(DrconsoleApp(None, config=ConsoleConfig(), steady=True, autorun=False),
                        press=["s", *"Bad Name"], terminal_size=SIZE)


def test_runbook(snap_compare: Any) -> None:
    app = demo_app()

    async def before(pilot: Pilot[Any]) -> None:
        seed(app)
        await ready(app, pilot)
        screen = app.screen
        screen.session_ready()  # again: the seeded journal may have come after the first fill
        screen.select_step("plan.port")
        await pilot.pause()

    assert snap_compare(app, run_before=before, terminal_size=SIZE)


def test_runbook_read_only_production(snap_compare: Any) -> None:
    assert snap_compare(demo_app(read_only=True, production=True), terminal_size=SIZE)


def test_dashboard(snap_compare: Any) -> None:
    app = demo_app()

    async def before(pilot: Pilot[Any]) -> None:
        await pilot.press("2")
        screen = app.screen
        for r in dashboard_results():
            screen.board.add(r)
        screen.redraw()
        await pilot.pause()

    assert snap_compare(app, run_before=before, terminal_size=SIZE)


def test_journal(snap_compare: Any) -> None:
    app = demo_app()

    async def before(pilot: Pilot[Any]) -> None:
        seed(app)
        await pilot.press("3")
        await pilot.pause()

    assert snap_compare(app, run_before=before, terminal_size=SIZE)


def test_export_dialog(snap_compare: Any) -> None:
    app = demo_app()

    async def before(pilot: Pilot[Any]) -> None:
        seed(app)
        await pilot.press("3", "x")
        await pilot.pause()

    assert snap_compare(app, run_before=before, terminal_size=SIZE)


def destructive_plan() -> Plan:
    return Plan(action="tuidemo.recreate-gateway", title="Recreate the gateway", risk=Risk.DESTRUCTIVE,
                summary="delete the gateway gw-demo and create it again", target="gw-demo",
                calls=[ApiCall("mse", "DeleteGateway", {"GatewayUniqueId": "gw-demo"})],
                changes=[KubeChange("fleet", "MseIngressConfig", "ackone-gateway", None, {}, True,
                                    ["- spec.name: old", "+ spec.name: new"])])


def test_action_confirm(snap_compare: Any) -> None:
    app = demo_app()

    async def before(pilot: Pilot[Any]) -> None:
        await ready(app, pilot)  # the runbook underneath, filled in
        app.push_screen(ActionConfirm(destructive_plan()))
        await pilot.pause()

    assert snap_compare(app, run_before=before, terminal_size=SIZE)


def test_help(snap_compare: Any) -> None:
    assert snap_compare(demo_app(), press=["f1"], terminal_size=SIZE)


def test_light_theme(snap_compare: Any) -> None:
    assert snap_compare(demo_app(), press=["ctrl+t"], terminal_size=SIZE)


