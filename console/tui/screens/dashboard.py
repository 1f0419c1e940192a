"""The incident dashboard: zone A and zone B side by side, the shared path between, health at a glance.

Results arrive one message each; the screen redraws at most once per REDRAW_S, and then only the family
rows whose cells changed, the texts that differ and the problems table's cells that differ. While
auto-refresh is on, the per-zone gateway checks also run every second on their own (Session.probe_zones),
so a zone going down shows within about a second whatever the sweep interval and however long a sweep takes."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Select, Sparkline, Static
from textual.worker import get_current_worker

from drconsole.app.board import Board, Cell, Where
from drconsole.app.session import FAILOVER_RUNBOOK, SETUP_RUNBOOK
from drconsole.headroom import Cadence
from drconsole.tui.messages import ResultArrived, SweepDone
from drconsole.tui.render import STATUS_STYLE, symbol
from drconsole.tui.widgets import Banner

if TYPE_CHECKING:
    from drconsole.app.session import Session
    from drconsole.results import CheckResult
    from drconsole.tui.app import DrconsoleApp

INTERVALS = [("off", 0), ("5 s", 5), ("10 s", 10), ("30 s", 30), ("60 s", 60)]
NODE_LABELS = [("idc", "IDC"), ("ec", "Express Connect"), ("vbr", "VBR"), ("cen", "CEN"), ("vpc", "VPC")]
ProblemRow = tuple[str, str, str, str, str, str]
REDRAW_S = 1 / 30  # results arriving within this are drawn together
FLEET_S = 0.5  # how often the shared record's line is redrawn (the record itself is read every poll_s)


def topology_text(board: Board) -> Text:
    """IDC — Express Connect — VBR — CEN — VPC ─┬ zone A ┬─ gateway, each part coloured by health."""
    from drconsole.topology import health

    verdict = health(board.samples())

    def node(name: str, label: str) -> Text:
        state = verdict.get(name, "unknown")
        style = {"unknown": "dim"}.get(state, STATUS_STYLE.get(state, ""))
        return Text(f"[{label} {symbol(state)}]", style=style)

    line = Text()
    for i, (name, label) in enumerate(NODE_LABELS):
        if i:
            line.append(" ── ")
        line.append_text(node(name, label))
    width = line.cell_len
    top = Text.assemble(line, " ─┬─ ", node("zone-a", "zone A"), " ─┬─ ", node("gateway", "gateway"))
    bottom = Text.assemble(" " * (width + 2), "└─ ", node("zone-b", "zone B"), " ─┘")
    return Text("\n").join([top, bottom])


def problem_row(result: CheckResult) -> ProblemRow:
    """A problems-table row: status, check key, zone, summary, remedy, age."""
    from drconsole.app.ages import age

    return (result.status.value, result.key, result.zone or "", result.summary, result.remedy or "",
            age(result.started_at))


def problem_cell(row: ProblemRow, position: int) -> Text:
    """What a problems-table cell shows (plain text: a summary is never read as markup)."""
    if position == 0:
        return Text(symbol(row[0]), style=STATUS_STYLE[row[0]])
    return Text(row[position])


class Probed(Message):
    """A zone probe's result. Not a ResultArrived: a sweep's result for the same key must not replace it
    in the queue (the board keeps whichever was observed later)."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__()
        self.result = result


class ProbesFailed(Message):
    """The zone probes that `stopper` stops ended on an error."""

    def __init__(self, error: str, stopper: threading.Event) -> None:
        super().__init__()
        self.error = error
        self.stopper = stopper


class HeadroomMeasured(Message):
    """The headroom line, measured in a worker after a sweep."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class FamilyRow(Horizontal):
    """One check family in one column: its verdict and a latency sparkline."""

    def __init__(self, family: str, zone: str | None, board: Board) -> None:
        super().__init__(classes="family-row", id=f"fam-{zone or 'shared'}-{family}")
        self.family = family
        self.zone = zone
        self.board = board
        self._shown: Text | None = None

    def on_mount(self) -> None:
        self.show(self.board)

    def compose(self) -> ComposeResult:
        yield Static("", classes="family-verdict")
        yield Sparkline([], classes="family-latency")

    def show(self, board: Board) -> None:
        cell = board.cells.get((self.family, self.zone)) or Cell()
        verdict = cell.verdict
        counts = f"{cell.count('pass')}/{cell.total}" if cell.total else "—"
        text = Text.assemble(
            (f"{symbol(verdict)} ", STATUS_STYLE.get(verdict, "")), (f"{self.family:<10}", "bold"),
            f" {counts:>5} ", (verdict, STATUS_STYLE.get(verdict, "")))
        if text != self._shown:
            self._shown = text
            # its size is the row's (one line, 1fr): a new text never needs a new layout
            self.query_one(".family-verdict", Static).update(text, layout=False)
        self.set_class(verdict in ("fail", "error"), "-bad")
        history = list(board.latency.get((self.family, self.zone), []))
        sparkline = self.query_one(Sparkline)
        if history != sparkline.data:
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
        self._sweep_timer: Timer | None = None
        self._probed: Session | None = None  # the session the running zone probes probe
        self._probes_stop = threading.Event()  # stops them
        self._redraw_timer: Timer | None = None
        self._rows: dict[Where, FamilyRow] = {}
        self._texts: dict[str, Text] = {}  # what each Static shows, by id
        self._problem_rows: list[ProblemRow] = []
        self.last_sweep: float | None = None
        self._headroom = Cadence()
        self._sweep_asked = False  # the running sweep is one the operator asked for (`s`), not auto-refresh
        self.sweeps_done = 0
        self._offered: str | None = None  # the black-hole zone the pin was last offered for

    @property
    def dr_app(self) -> DrconsoleApp:
        return self.app

    def compose(self) -> ComposeResult:
        yield Banner(id="banner")
        yield Static("", id="topology")
        yield Static("headroom: measured after the first sweep", id="headroom")
        with Horizontal(id="zones"):
            for zone, title in (("a", "Zone A"), (None, "Shared path"), ("b", "Zone B")):
                with Vertical(classes="zone-col", id=f"col-{zone or 'shared'}"):
                    yield Static(title, classes="zone-title", id=f"title-{zone or 'shared'}")
                    yield from self._new_rows(zone, self.board.families(zone))
        problems: DataTable[Any] = DataTable(id="problems", cursor_type="row")
        problems.add_columns("", "check", "zone", "summary", "remedy", "age")
        yield problems
        yield Static("", id="fleet")
        with Horizontal(id="dash-controls"):
            yield Static("auto-refresh", classes="control-label")
            yield Select(INTERVALS, value=self.dr_app.config.refresh_s if self.dr_app.autorun else 0,
                         allow_blank=False, id="interval")
            yield Static("last sweep: never", id="last-sweep")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#problems").focus()  # the interval Select would swallow letter keys (type to search)
        self.redraw()
        self.query_one("#fleet").display = False
        self.set_interval(FLEET_S, self.show_fleet)
        if self.dr_app.autorun and not self.board.results:
            self.action_sweep()

    # -- drawing ----------------------------------------------------------------------------------
    def show_fleet(self) -> None:
        """The lock and the other consoles' latest actions (shown once the Fleet has a client)."""
        session = self.dr_app.session
        if session is None:
            return
        snapshot = session.fleet().snapshot()
        widget = self.query_one("#fleet", Static)
        widget.display = snapshot.active
        if snapshot.active:
            self._show_text("fleet", Text("\n".join(snapshot.lines())))

    def _new_rows(self, zone: str | None, families: list[str]) -> list[FamilyRow]:
        rows = [FamilyRow(family, zone, self.board) for family in families]
        self._rows.update({(row.family, zone): row for row in rows})
        return rows

    def _show_text(self, widget_id: str, text: Text) -> None:
        """Update the Static `widget_id` when `text` differs from what it shows."""
        shown = self._texts.get(widget_id)
        if shown != text:
            self._texts[widget_id] = text
            # these texts keep their words and change only symbols, so only a new width can change their size
            layout = shown is None or shown.cell_len != text.cell_len
            self.query_one(f"#{widget_id}", Static).update(text, layout=layout)

    def zone_titles(self) -> None:
        from drconsole import zones

        session = self.dr_app.session
        ids = {z.key: z.zone_id or "" for z in zones.zones(session.profile)} if session is not None else {}
        for zone, name in zones.LABELS.items():
            verdict = self.board.zone_verdict(zone)
            self._show_text(f"title-{zone}", Text.assemble(
                (f"{verdict:<7} ", STATUS_STYLE.get(verdict, "")), (f"{name} ", "bold"), (ids.get(zone, ""), "dim")))
            self.query_one(f"#col-{zone}").set_class(verdict in ("fail", "error"), "-bad")

    def schedule_redraw(self) -> None:
        """Redraw within REDRAW_S, once for however many results arrive until then."""
        if self._redraw_timer is None:
            self._redraw_timer = self.set_timer(REDRAW_S, self.redraw)

    @property
    def redraw_pending(self) -> bool:
        """Results arrived that are not drawn yet."""
        return self._redraw_timer is not None

    def redraw(self) -> None:
        """Draw what changed on the board since the last redraw."""
        if self._redraw_timer is not None:
            self._redraw_timer.stop()
            self._redraw_timer = None
        changed = self.board.take_changes()
        self._show_text("topology", topology_text(self.board))
        self.zone_titles()
        self._mount_new_rows()
        for where in changed:
            row = self._rows.get(where)
            if row is not None and row.is_mounted:  # one still mounting draws itself when mounted
                row.show(self.board)
        self.problems()
        self.offer_pin()

    def offer_pin(self) -> None:
        """Once per black hole: say which zone fails users and offer the pin (the failover runbook's shift step,
        confirmed as usual)."""
        hole = self.board.black_hole()
        zone = hole.zone if hole else None
        if hole is not None and zone != self._offered:
            other = "b" if zone == "a" else "a"
            self.notify(f"{hole.summary}. Press f to pin traffic to zone {other} (failover runbook, step shift).",
                        severity="error", timeout=15)
        self._offered = zone

    def _mount_new_rows(self) -> None:
        for zone in ("a", None, "b"):
            missing = [f for f in self.board.families(zone) if (f, zone) not in self._rows]
            if missing:
                column = self.query_one(f"#col-{zone or 'shared'}", Vertical)
                column.mount_all(self._new_rows(zone, missing))

    def problems(self) -> None:
        """The failing, erroring and warning checks, worst first. Only the cells that differ are written; a
        column widens to a wider cell and, as when the table was rebuilt each time, never narrows."""
        table: DataTable[Any] = self.query_one("#problems", DataTable)
        wanted = [problem_row(r) for r in self.board.problem_list()]
        shown, columns = self._problem_rows, table.ordered_columns
        for index, row in enumerate(wanted):
            if index >= len(shown):
                table.add_row(*(problem_cell(row, i) for i in range(len(row))), key=str(index))  # measured
                continue
            for position, column in enumerate(columns):
                if shown[index][position] != row[position]:
                    cell = problem_cell(row, position)
                    table.update_cell(str(index), column.key, cell, update_width=cell.cell_len > column.content_width)
        for index in reversed(range(len(wanted), len(shown))):
            table.remove_row(str(index))
        self._problem_rows = wanted

    # -- sweeping ---------------------------------------------------------------------------------
    @on(Select.Changed, "#interval")
    def _interval(self, event: Select.Changed) -> None:
        self.set_refresh(int(event.value) if isinstance(event.value, int) else 0)

    def set_refresh(self, seconds: float) -> None:
        """Sweep every `seconds` (0: never) and meanwhile run the zone probes."""
        if self._sweep_timer is not None:
            self._sweep_timer.stop()
            self._sweep_timer = None
        self._stop_probes()
        if seconds:
            self._sweep_timer = self.set_interval(seconds, self._refresh_tick)
            self._start_probes()

    def _refresh_tick(self) -> None:
        if self._probed is not self.dr_app.session:  # the session came (or changed) since the probes started
            self._stop_probes()
            self._start_probes()
        self._sweep()

    def _start_probes(self) -> None:
        session = self.dr_app.session
        if session is not None:
            self._probed, self._probes_stop = session, threading.Event()
            self.probe_worker(session, self._probes_stop)

    def _stop_probes(self) -> None:
        self._probes_stop.set()
        self._probed = None

    def action_sweep(self) -> None:
        """A sweep the operator asked for: the headroom is measured again after it, however recent."""
        if not self.sweeping:
            self._sweep_asked = True
        self._sweep()

    def _sweep(self) -> None:
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
            self.post_message(ResultArrived(result))

        try:
            self.dr_app.session.sweep(runbook, chosen, emit)
        except Exception as exc:  # shown, never raised into the UI
            error = f"{type(exc).__name__}: {exc}"
        self.post_message(SweepDone(count, error))

    @work(thread=True, group="dashboard-probe", name="zone probes")
    def probe_worker(self, session: Session, stop: threading.Event) -> None:
        """The zone probes until `stop` is set, the session is replaced, or the worker cancelled (app exit)."""
        worker = get_current_worker()

        def emit(result: CheckResult) -> None:
            self.post_message(Probed(result))

        def stopped() -> bool:
            return stop.is_set() or worker.is_cancelled or self.dr_app.session is not session

        try:
            session.probe_zones(emit, stopped)
        except Exception as exc:  # shown, never raised into the UI
            self.post_message(ProbesFailed(f"{type(exc).__name__}: {exc}", stop))

    def on_result_arrived(self, message: ResultArrived) -> None:
        self.board.add(message.result)
        self.schedule_redraw()

    def on_probed(self, message: Probed) -> None:
        self.board.add(message.result)
        self.schedule_redraw()

    def on_probes_failed(self, message: ProbesFailed) -> None:
        if message.stopper is self._probes_stop:  # the running probes: the next auto-refresh restarts them
            self._probed = None
        self.query_one("#last-sweep", Static).update(f"zone probes stopped: {message.error}")

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
        asked, self._sweep_asked = self._sweep_asked, False
        if self._headroom.due(time.monotonic(), asked=asked):
            self.headroom_worker()

    @work(thread=True, exclusive=True, group="dashboard-headroom", name="headroom")
    def headroom_worker(self) -> None:
        """Zone B's headroom against zone A's load (drconsole.headroom), shown under the topology."""
        import asyncio

        from drconsole.headroom import measure

        session = self.dr_app.session
        if session is None:
            return
        try:
            measured = asyncio.run(measure(session.context()))
            text = f"headroom at {time.strftime('%H:%M:%S')}: {measured.text()}"
        except Exception as exc:  # shown, never raised into the UI
            text = f"headroom: could not measure ({type(exc).__name__}: {exc})"
        self.post_message(HeadroomMeasured(text))

    def on_headroom_measured(self, message: HeadroomMeasured) -> None:
        self.query_one("#headroom", Static).update(Text(message.text))

    def action_failover(self) -> None:
        session = self.dr_app.session
        if session is None:
            return
        zone = self.board.failing_zone(session.profile)
        if FAILOVER_RUNBOOK not in session.available_runbooks():
            self.notify(f"the {FAILOVER_RUNBOOK} runbook is not installed", severity="error")
            return
        if zone is None:
            self.notify("no single zone is failing; opening the failover runbook without a zone", timeout=4)
        # a black hole needs traffic moved now: straight to the step that pins it
        self.dr_app.open_runbook(FAILOVER_RUNBOOK, zone=zone, step="shift" if self.board.black_hole() else None)
