"""The console against the running lab: the wizard's live credential check and discovery, a step's checks
during a fault, and the dashboard turning red and back when a zone breaks and heals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from textual.widgets import Button, Input, Select, Static

from drconsole import secrets
from drconsole.app.session import Session
from drconsole.journal import Journal
from drconsole.lab.lab import Lab
from drconsole.tui.app import DrconsoleApp
from drconsole.tui.config import ConsoleConfig
from drconsole.tui.screens.runbook import RunbookScreen
from drconsole.tui.screens.wizard import WizardScreen
from tests.tui.conftest import SIZE, open_dashboard, ready

if TYPE_CHECKING:
    from drconsole.lab.env import LabEnv
    from drconsole.profile import Profile

pytestmark = pytest.mark.lab


async def until(pilot: Any, condition: Any, what: str, timeout: float = 60.0) -> None:
    for _ in range(int(timeout / 0.1)):
        if condition():
            return
        await pilot.pause(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def sweep_now(pilot: Any, dash: Any) -> None:
    """Press `s` on the dashboard and wait for that sweep to finish."""
    before = dash.sweeps_done
    await pilot.press("s")
    await until(pilot, lambda: dash.sweeps_done > before, "the sweep to finish", timeout=120)


def lab_app(profile: Profile) -> DrconsoleApp:
    return DrconsoleApp(session=Session(profile, journal=Journal.for_profile(profile.name)),
                        config=ConsoleConfig(), steady=True, autorun=False)


async def test_wizard_wrong_secret_stores_nothing_then_lists_what_exists(lab: dict[str, Any],
                                                                          lab_env: LabEnv) -> None:
    region = lab["region"]
    prefill = {"name": "wizlab", "region": region["region"], "endpoint": region["endpoint"],
               "protocol": region["protocol"], "access_key_id": region["access_key_id"],
               "kubeconfig": str(lab["kube"]["kubeconfig"])}
    app = DrconsoleApp(None, config=ConsoleConfig(), steady=True, autorun=False)
    async with app.run_test(size=SIZE) as pilot:
        wizard = WizardScreen(prefill)
        await app.push_screen(wizard)
        await pilot.press("ctrl+n")
        assert wizard.page == 1
        wizard.query_one("#secret", Input).value = "not-the-secret-" + "x" * 16
        wizard.query_one("#verify", Button).press()
        status = wizard.query_one("#cred-status", Static)
        await until(pilot, lambda: "✗" in str(status.render()), "the credential check to fail")
        said = str(status.render())
        assert "not accepted" in said and "fix:" in said, said
        assert "not-the-secret" not in said
        assert secrets.load_secret("wizlab", region["access_key_id"]) is None
        await pilot.press("ctrl+n")
        assert wizard.page == 1  # not verified: no way on
        assert lab_env.access_key_secret
        wizard.query_one("#secret", Input).value = lab_env.access_key_secret
        wizard.query_one("#verify", Button).press()
        await until(pilot, lambda: "✓" in str(status.render()), "the credential check to pass")
        assert secrets.load_secret("wizlab", region["access_key_id"]) is None  # stored only on save
        await pilot.press("ctrl+n")
        await until(pilot, lambda: wizard.found is not None, "discovery")
        found = wizard.found
        assert found is not None and not found.problems, found
        ids = lab["region"]["ids"]
        assert ids["fleet_id"] in [f["id"] for f in found.fleets]
        assert ids["vbr_id"] in [v["id"] for v in found.vbrs]
        assert wizard.query_one("#fleet", Select).value == ids["fleet_id"]
        assert set(wizard.contexts) >= {"fleet", "ack", "idc"}


async def test_step_checks_show_the_failure_and_remedy_during_a_fault(lab_profile: Profile,
                                                                       lab_env: LabEnv) -> None:
    app = lab_app(lab_profile)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        screen = app.screen
        assert isinstance(screen, RunbookScreen)
        screen.select_step("network.bgp-idc")
        Lab(lab_env).break_("bgp")
        try:
            await pilot.press("c")
            await until(pilot, lambda: not screen.running and "network.bgp-idc/session" in screen.results,
                        "the step's checks", timeout=90)
            result = screen.results["network.bgp-idc/session"]
            assert result.status.value == "fail", result
            assert screen.states["network.bgp-idc"] == "failing"
            detail = str(screen.query_one("#check-detail", Static).render())
            assert "remedy:" in detail and result.remedy and result.remedy[:30] in detail
        finally:
            Lab(lab_env).heal("bgp")


async def test_dashboard_turns_red_when_a_zone_breaks_and_back_when_it_heals(lab_profile: Profile,
                                                                             lab_env: LabEnv) -> None:
    app = lab_app(lab_profile)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        dash = await open_dashboard(app, pilot)

        await sweep_now(pilot, dash)
        assert dash.board.results, "the sweep returned no results"
        assert dash.board.verdict("gateway", "a") == "pass", dash.board.cell("gateway", "a")
        Lab(lab_env).break_("zone-a")
        try:
            await sweep_now(pilot, dash)
            assert dash.board.verdict("gateway", "a") == "fail"
            assert dash.board.failing_zone(lab_profile) == "a"
            assert dash.query_one("#col-a").has_class("-bad")
            assert not dash.query_one("#col-b").has_class("-bad")
            assert "last sweep:" in str(dash.query_one("#last-sweep", Static).render())
        finally:
            Lab(lab_env).heal("zone-a")
        for _ in range(5):  # until the healed zone serves users through the gateway again
            await sweep_now(pilot, dash)
            if not dash.query_one("#col-a").has_class("-bad"):
                break
            await pilot.pause(1.0)
        assert dash.board.verdict("gateway", "a") == "pass"
        bad = {r.key: r.summary for r in dash.board.results.values() if r.zone == "a" and r.status.value != "pass"}
        assert not dash.query_one("#col-a").has_class("-bad"), bad


async def test_the_zone_probes_show_a_zone_going_down_between_sweeps(lab_profile: Profile, lab_env: LabEnv) -> None:
    app = lab_app(lab_profile)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        dash = await open_dashboard(app, pilot)
        await pilot.press("s")
        await until(pilot, lambda: dash.sweeps_done == 1, "the first sweep to finish", timeout=120)
        dash.set_refresh(3600)  # no other sweep during the test; the zone probes run every second
        await until(pilot, lambda: dash.board.verdict("gateway", "a") == "pass", "zone A's probe passing")
        Lab(lab_env).break_("zone-a")
        try:
            await until(pilot, lambda: dash.query_one("#col-a").has_class("-bad"), "zone A shown failing")
            assert dash.sweeps_done == 1  # the probes showed it, not a sweep
            assert dash.board.failing_zone(lab_profile) == "a"
        finally:
            Lab(lab_env).heal("zone-a")
        await until(pilot, lambda: dash.board.verdict("gateway", "a") == "pass", "zone A's probe passing again")
        dash.set_refresh(0)
        assert app.session is not None
        journal = app.session.journal
        probes = [run for run in journal.runs() if run["kind"] == "probe"]
        assert len(probes) == 1, probes
        seen = {(r.key, r.status.value) for r in journal.results(probes[0]["id"])}
        assert {("gateway.verify/zone-a", "fail"), ("gateway.verify/zone-a", "pass")} <= seen, seen


async def test_dashboard_headroom_follows_the_labs_load_and_capacity(lab_profile: Profile, lab_env: LabEnv) -> None:
    """The headroom line under the topology is measured after every sweep: zone B can take zone A's load
    on the built lab, and cannot once zone A asks for more than zone B's nodes have free while the ECS
    pool is empty and the virtual node is down."""
    from tests.checks.capacity_support import zone_a_load

    app = lab_app(lab_profile)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        dash = await open_dashboard(app, pilot)

        async def shown_after_sweep(words: str) -> str:
            text = ""
            for _ in range(10):
                await sweep_now(pilot, dash)
                for _ in range(50):
                    text = str(dash.query_one("#headroom", Static).render())
                    if words in text:
                        return text
                    await pilot.pause(0.1)
            raise AssertionError(f"the headroom never said {words!r}: {text}")

        await shown_after_sweep("zone B can take zone A's load")
        lab = Lab(lab_env)
        with zone_a_load(lab_env, 100.0):
            lab.break_("ecs-pool-empty")
            lab.break_("virtual-node-notready")
            try:
                text = await shown_after_sweep("zone B cannot take zone A's load")
                assert "(0 ECS)" in text and "no Ready virtual node" in text
            finally:
                lab.heal("ecs-pool-empty")
                lab.heal("virtual-node-notready")
