"""The incident dashboard: zone A and zone B side by side, the shared path between, health at a glance."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Select, Sparkline, Static

from drconsole.tui.board import Board
from drconsole.tui.messages import ResultArrived, SweepDone
from drconsole.tui.render import STATUS_STYLE, STATUS_SYMBOL
from drconsole.tui.session import FAILOVER_RUNBOOK, SETUP_RUNBOOK
from drconsole.tui.widgets import Banner

if TYPE_CHECKING:
    from drconsole.results import CheckResult
    from drconsole.tui.app import DrconsoleApp

INTERVALS = [("off", 0), ("5 s", 5), ("10 s", 10), ("30 s", 30), ("60 s", 60)]
NODE_LABELS = [("idc", "IDC"), ("ec", "Express Connect"), ("vbr", "VBR"), ("cen", "CEN"), ("vpc", "VPC")]


def topology_text(board: Board) -> Text:
    """IDC — Express Connect — VBR — CEN — VPC ─┬ zone A ┬─ gateway, each part coloured by health."""
    from drconsole.topology import health

    verdict = health(board.results.values())

    def node(name: str, label: str) -> Text:
        state = verdict.get(name, "unknown")
        style = {"unknown": "dim"}.get(state, STATUS_STYLE.get(state, ""))
        return Text(f"[{label} {STATUS_SYMBOL.get(state, '·')}]", style=style)

    line = Text()
    for i, (name, label) in enumerate(NODE_LABELS):
        if i:
            line.append(" ── ")
        line.append_text(node(name, label))
    width = line.cell_len
    top = Text.assemble(line, " ─┬─ ", node("zone-a", "zone A"), " ─┬─ ", node("gateway", "gateway"))
    bottom = Text.assemble(" " * (width + 2), "└─ ", node("zone-b", "zone B"), " ─┘")
    return Text("\n").join([top, bottom])


class FamilyRow(Horizontal):
    """One check family in one column: its verdict and a latency sparkline."""

    def __init__(self, family: str, zone: str | None, board: Board) -> None:
        super().__init__(classes="family-row", id=f"fam-{zone or 'shared'}-{family}")
        self.family = family
        self.zone = zone
        self.board = board

    def on_mount(self) -> None:
        self.show(self.board)

    def compose(self) -> ComposeResult:
        yield Static("", classes="family-verdict")
        yield Sparkline([], classes="family-latency")

    def show(self, board: Board) -> None:
        verdict = board.verdict(self.family, self.zone)
        results = board.cell(self.family, self.zone)
        counts = f"{sum(1 for r in results if r.status.value == 'pass')}/{len(results)}" if results else "—"
        self.query_one(".family-verdict", Static).update(Text.assemble(
            (f"{STATUS_SYMBOL.get(verdict, '·')} ", STATUS_STYLE.get(verdict, "")), (f"{self.family:<10}", "bold"),
            f" {counts:>5} ", (verdict, STATUS_STYLE.get(verdict, ""))))
        self.set_class(verdict in ("fail", "error"), "-bad")
        history = list(board.latency.get((self.family, self.zone), []))
        sparkline = self.query_one(Sparkline)
        sparkline.data = history
        sparkline.display = bool(history)


class DashboardScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sweep", "Sweep now", id="dashboard.sweep"),
        Binding("f", "failover", "Failover runbook", id="dashboard.failover"),
    ]

    def __init__(self, board: Board | None = None) -> None:
        super().__init__()
        self.board = board or Board()
        self.sweeping = False
        self._timer: Timer | None = None
        self.last_sweep: float | None = None
        self.sweeps_done = 0

    @property
    def dr_app(self) -> DrconsoleApp:
        return self.app

    def compose(self) -> ComposeResult:
        yield Banner(id="banner")
        yield Static("", id="topology")
        with Horizontal(id="zones"):
            for zone, title in (("a", "Zone A"), (None, "Shared path"), ("b", "Zone B")):
                with Vertical(classes="zone-col", id=f"col-{zone or 'shared'}"):
                    yield Static(title, classes="zone-title", id=f"title-{zone or 'shared'}")
                    for family in self.board.families(zone):
                        yield FamilyRow(family, zone, self.board)
        problems: DataTable[Any] = DataTable(id="problems", cursor_type="row")
        problems.add_columns("", "check", "zone", "summary", "remedy")
        yield problems
        with Horizontal(id="dash-controls"):
            yield Static("auto-refresh", classes="control-label")
            yield Select(INTERVALS, value=self.dr_app.config.refresh_s if self.dr_app.autorun else 0,
                         allow_blank=False, id="interval")
            yield Static("last sweep: never", id="last-sweep")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#problems").focus()  # the interval Select would swallow letter keys (type to search)
        self.redraw()
        if self.dr_app.autorun and not self.board.results:
            self.action_sweep()

    # -- drawing ----------------------------------------------------------------------------------
    def zone_titles(self) -> None:
        session = self.dr_app.session
        zones = {"a": "", "b": ""}
        if session is not None:
            clusters = session.profile.clusters
            zones = {"a": clusters.ack.zone or "", "b": clusters.registered.zone or ""}
        for zone, name in (("a", "Zone A · ACK"), ("b", "Zone B · registered")):
            verdict = self.board.zone_verdict(zone)
            self.query_one(f"#title-{zone}", Static).update(Text.assemble(
                (f"{verdict:<7} ", STATUS_STYLE.get(verdict, "")), (f"{name} ", "bold"), (zones[zone], "dim")))
            self.query_one(f"#col-{zone}").set_class(verdict in ("fail", "error"), "-bad")

    def redraw(self) -> None:
        self.query_one("#topology", Static).update(topology_text(self.board))
        self.zone_titles()
        for zone in ("a", None, "b"):
            column = self.query_one(f"#col-{zone or 'shared'}", Vertical)
            shown = {row.family for row in column.query(FamilyRow)}
            missing = [f for f in self.board.families(zone) if f not in shown]
            if missing:
                column.mount_all([FamilyRow(f, zone, self.board) for f in missing])
        self._show_rows()
        self.problems()

    def _show_rows(self) -> None:
        for row in self.query(FamilyRow):
            if row.is_mounted:
                row.show(self.board)

    def problems(self) -> None:
        table: DataTable[Any] = self.query_one("#problems", DataTable)
        table.clear()
        bad = [r for r in self.board.results.values() if r.status.value in ("fail", "error", "warn")]
        order = {"fail": 0, "error": 1, "warn": 2}
        for result in sorted(bad, key=lambda r: (order[r.status.value], r.key)):
            table.add_row(Text(STATUS_SYMBOL[result.status.value], style=STATUS_STYLE[result.status.value]),
                          result.key, result.zone or "", result.summary, result.remedy or "")

    # -- sweeping ---------------------------------------------------------------------------------
    @on(Select.Changed, "#interval")
    def _interval(self, event: Select.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        seconds = int(event.value) if isinstance(event.value, int) else 0
        if seconds:
            self._timer = self.set_interval(seconds, self.action_sweep)

    def action_sweep(self) -> None:
        session = self.dr_app.session
        if session is None or self.sweeping:
            return
        runbook = session.runbook(SETUP_RUNBOOK)
        chosen = session.invocations(runbook)
        if not chosen:
            self.query_one("#last-sweep", Static).update("no automated checks in the runbook yet")
            return
        self.sweeping = True
        self.query_one("#last-sweep", Static).update(f"sweeping {len(chosen)} checks …")
        self.sweep_worker(runbook, chosen)

    @work(thread=True, group="dashboard-sweep", name="dashboard sweep")
    def sweep_worker(self, runbook: Any, chosen: list[Any]) -> None:
        assert self.dr_app.session is not None
        count, error = 0, None

        def emit(result: CheckResult) -> None:
            nonlocal count
            count += 1
            self.post_message(ResultArrived(result, "dashboard"))

        try:
            self.dr_app.session.sweep(runbook, chosen, emit)
        except Exception as exc:  # shown, never raised into the UI
            error = f"{type(exc).__name__}: {exc}"
        self.post_message(SweepDone("dashboard", count, error))

    def on_result_arrived(self, message: ResultArrived) -> None:
        self.board.add(message.result)
        self.redraw()

    def on_sweep_done(self, message: SweepDone) -> None:
        self.sweeping = False
        self.sweeps_done += 1
        self.last_sweep = time.time()
        stamp = time.strftime("%H:%M:%S", time.localtime(self.last_sweep))
        text = f"last sweep: {stamp} · {message.count} results"
        if message.error:
            text += f" · error: {message.error}"
        self.query_one("#last-sweep", Static).update(text)
        self.redraw()

    def action_failover(self) -> None:
        zone = self.board.failing_zone()
        session = self.dr_app.session
        if session is None:
            return
        if FAILOVER_RUNBOOK not in session.available_runbooks():
            self.notify(f"the {FAILOVER_RUNBOOK} runbook is not installed", severity="error")
            return
        if zone is None:
            self.notify("no single zone is failing; opening the failover runbook without a zone", timeout=4)
        self.dr_app.open_runbook(FAILOVER_RUNBOOK, zone=zone)
