"""The incident dashboard's drawing and zone probes, without the lab: the board's index agrees with a scan of
the results, a dashboard fed result by result shows what a dashboard drawn from scratch shows, and the zone
probes run on their own and land in the journal."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from drconsole.app.board import Board, worst
from drconsole.app.session import Session
from drconsole.journal import Journal
from drconsole.results import CheckResult
from drconsole.topology import health
from drconsole.tui.app import DrconsoleApp
from drconsole.tui.config import ConsoleConfig
from drconsole.tui.messages import ResultArrived
from drconsole.tui.screens.dashboard import DashboardScreen, FamilyRow
from tests.tui.conftest import DEMO_RUNBOOK, SIZE, demo_profile, open_dashboard, result

FAMILIES = ("kube", "gateway", "dns", "registered")
STATUSES = ("pass", "warn", "fail", "error", "skipped")


def a_result(key: int, family: str, zone: str | None, status: str, started: float) -> CheckResult:
    found = result(f"k{key}", status, family, zone, summary=f"{family} {key} is {status}")
    found.started_at = started
    return found


results_st = st.lists(st.builds(a_result, st.integers(0, 12), st.sampled_from(FAMILIES),
                                st.sampled_from(("a", "b", None)), st.sampled_from(STATUSES),
                                st.floats(0, 10)), max_size=60)


@given(results_st)
@settings(max_examples=150, deadline=None)
def test_the_board_index_agrees_with_a_scan_of_the_latest_results(arrivals: list[CheckResult]) -> None:
    board = Board()
    latest: dict[str, CheckResult] = {}
    for arrived in arrivals:
        board.add(arrived)
        if arrived.key not in latest or latest[arrived.key].started_at <= arrived.started_at:
            latest[arrived.key] = arrived
    assert board.results == latest
    shown = list(latest.values())
    for family in FAMILIES:
        for zone in ("a", "b", None):
            cell = [r for r in shown if r.family == family and r.zone == zone]
            assert sorted(r.key for r in board.cell(family, zone)) == sorted(r.key for r in cell)
            assert board.verdict(family, zone) == worst([r.status.value for r in cell])
    for zone in ("a", "b"):
        assert board.zone_verdict(zone) == worst([r.status.value for r in shown if r.zone == zone])
        assert set(board.families(zone)) >= {r.family for r in shown if r.zone == zone}
    order = {"fail": 0, "error": 1, "warn": 2}
    assert board.problem_list() == sorted((r for r in shown if r.status.value in order),
                                          key=lambda r: (order[r.status.value], r.key))
    assert health(board.samples()) == health(shown)


def test_an_older_observation_does_not_replace_a_newer_one_but_its_latency_counts() -> None:
    board = Board()
    assert board.add(a_result(1, "gateway", "a", "fail", started=2.0))
    assert not board.add(a_result(1, "gateway", "a", "pass", started=1.0))  # a sweep's check that began earlier
    assert board.verdict("gateway", "a") == "fail"
    assert len(board.latency[("gateway", "a")]) == 2
    assert board.take_changes() == {("gateway", "a")}
    assert board.take_changes() == set()


def demo_app() -> DrconsoleApp:
    profile = demo_profile()
    return DrconsoleApp(session=Session(profile, journal=Journal.for_profile(profile.name), operator="ops"),
                        runbook=DEMO_RUNBOOK, config=ConsoleConfig(), steady=True, autorun=False)


def picture(screen: DashboardScreen) -> dict[str, Any]:
    """Everything the dashboard shows: texts, row classes, the problems table's rows."""
    table: DataTable[Any] = screen.query_one("#problems", DataTable)
    shown: dict[str, Any] = {
        str(row.id): (str(row.query_one(".family-verdict", Static).render()), row.has_class("-bad"))
        for row in screen.query(FamilyRow)}
    for name in ("topology", "title-a", "title-b"):
        shown[name] = str(screen.query_one(f"#{name}", Static).render())
    shown["bad"] = [screen.query_one(f"#col-{z}").has_class("-bad") for z in ("a", "b")]
    shown["problems"] = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
    return shown


def cut_cells(screen: DashboardScreen) -> list[str]:
    """Problems-table cells wider than their column."""
    table: DataTable[Any] = screen.query_one("#problems", DataTable)
    return [str(cell) for i in range(table.row_count) for cell, column in zip(table.get_row_at(i),
                                                                              table.ordered_columns, strict=True)
            if cell.cell_len > column.content_width]


BATCHES = [
    [result("r/bgp", "pass", "bgp", None), result("r/dns", "warn", "dns", None),
     result("a/kube", "fail", "kube", "a"), result("a/gw", "pass", "gateway", "a"),
     result("b/kube", "pass", "kube", "b"), result("b/reg", "error", "registered", "b")],
    [result("a/kube", "pass", "kube", "a"), result("a/gw", "fail", "gateway", "a",
                                                   summary="zone A does not answer: " + "x" * 60),
     result("b/kube", "warn", "kube", "b"), result("r/routes", "fail", "routes", None)],
    [result("a/gw", "fail", "gateway", "a", summary="zone A does not answer"),
     result("r/routes", "pass", "routes", None), result("r/dns", "pass", "dns", None)],
    [result("a/gw", "pass", "gateway", "a"), result("b/kube", "pass", "kube", "b"),
     result("b/reg", "pass", "registered", "b")],
]


async def settled(pilot: Pilot[Any], screen: DashboardScreen) -> None:
    """Until every posted result is handled and drawn."""
    await pilot.pause()
    while screen.redraw_pending:
        await pilot.pause(0.01)
    await pilot.pause()


async def test_results_streamed_in_show_what_a_dashboard_drawn_from_scratch_shows() -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        streamed = await open_dashboard(app, pilot)
        for batch in BATCHES:
            for arrived in batch:
                streamed.post_message(ResultArrived(arrived))
            await settled(pilot, streamed)
            fresh = Board()
            for arrived in streamed.board.results.values():
                fresh.add(arrived)
            drawn = DashboardScreen(fresh)
            await app.push_screen(drawn)
            await settled(pilot, drawn)
            assert picture(streamed) == picture(drawn)
            assert cut_cells(streamed) == []
            app.pop_screen()
            await pilot.pause()
        assert picture(streamed)["problems"] == []


async def test_the_zone_probes_run_between_sweeps_and_are_journaled() -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(app, pilot)
        screen.set_refresh(60)  # no sweep for a minute; the probes run every PROBE_S meanwhile
        for _ in range(300):
            if {"gateway.verify/zone-a", "gateway.verify/zone-b"} <= screen.board.results.keys():
                break
            await pilot.pause(0.02)
        screen.set_refresh(0)
        await app.workers.wait_for_complete()
        assert screen.sweeps_done == 0
        assert {r.zone for r in screen.board.results.values()} == {"a", "b"}
        assert app.session is not None
        probes = [run for run in app.session.journal.runs() if run["kind"] == "probe"]
    assert len(probes) == 1, probes


def test_zone_probe_rounds_land_in_one_probe_run() -> None:
    profile = demo_profile()  # no zone backends, no gateway address: the zone checks run and say skipped, why
    session = Session(profile, journal=Journal.for_profile(profile.name), operator="ops")
    emitted: list[CheckResult] = []
    try:
        session.probe_zones(emitted.append, stopped=lambda: len(emitted) >= 8)  # two rounds of four
        journal = session.journal
        runs = journal.runs()
        assert [(r["kind"], r["runbook"], r["outcome"]) for r in runs] == [("probe", "zone-dr-hybrid", "skipped")]
        recorded = journal.results(runs[0]["id"])
        assert [(r.key, r.status.value) for r in recorded] == [(r.key, r.status.value) for r in emitted]
        keys = ["gateway.verify/users-a", "gateway.verify/users-b", "gateway.verify/zone-a", "gateway.verify/zone-b"]
        assert sorted(r.key for r in recorded) == sorted(keys * 2)
        reasons = {"zone-a": "zone_backends", "zone-b": "zone_backends", "users-a": "gateway.address",
                   "users-b": "gateway.address"}
        assert all(r.status.value == "skipped" and reasons[r.key.split("/")[1]] in r.summary for r in recorded)
    finally:
        session.close()


async def test_zone_probes_that_fail_say_so_and_the_app_carries_on() -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(app, pilot)
        assert app.session is not None
        app.session.journal.close()  # the journal's disk is gone: a probe round cannot record its run
        screen.set_refresh(60)
        status = screen.query_one("#last-sweep", Static)
        for _ in range(300):
            if "zone probes stopped" in str(status.render()):
                break
            await pilot.pause(0.02)
        assert "zone probes stopped: ProgrammingError" in str(status.render()), status.render()
        screen.set_refresh(0)
    assert app.return_code in (0, None)


def black_hole(zone: str) -> CheckResult:
    from drconsole.results import Evidence, Status

    return CheckResult(status=Status.FAIL, code="GW-BLACK-HOLE", check="gateway.users-view",
                       key=f"gateway.verify/users-{zone}", title="users", family="gateway", step="gateway.verify",
                       zone=zone, summary=f"the gateway still routes to zone {zone}, which fails 50% of requests",
                       evidence=[Evidence(source="test")], started_at=2.0)


async def test_a_black_hole_is_named_once_and_f_opens_the_pin_step() -> None:
    from drconsole.tui.screens.runbook import RunbookScreen

    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(app, pilot)
        for arrived in (result("a/gw", "pass", "gateway", "a"), black_hole("b")):
            screen.post_message(ResultArrived(arrived))
        await settled(pilot, screen)
        screen.post_message(ResultArrived(black_hole("b").model_copy(update={"started_at": 3.0})))
        await settled(pilot, screen)
        offers = [n.message for n in app._notifications if "pin traffic to zone a" in n.message]
        assert len(offers) == 1, offers  # the same black hole is offered once
        assert screen.board.failing_zone(app.session.profile) == "b"
        await pilot.press("f")
        await pilot.pause()
        shown = app.screen
        assert isinstance(shown, RunbookScreen)
        assert (shown.runbook_name, shown.focus_step, shown.zone) == ("zone-failover", "shift", "b")
