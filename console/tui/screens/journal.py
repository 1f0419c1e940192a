"""The journal: runs, and for the selected run every step, confirmation, check and action event."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from drconsole.app.activity import confirmation_events, run_events
from drconsole.tui.render import status_text
from drconsole.tui.widgets import Banner

if TYPE_CHECKING:
    from drconsole.tui.app import DrconsoleApp

ALL = "confirmations"
FLEET = "fleet"
FLEET_S = 0.5


def when(at: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at)) if at else ""


class JournalScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "export", "Export run", id="journal.export"),
        Binding("r", "reload", "Reload", id="journal.reload"),
    ]

    @property
    def dr_app(self) -> DrconsoleApp:
        return self.app

    def compose(self) -> ComposeResult:
        yield Banner(id="banner")
        with Vertical(id="journal-body"):
            yield Static("Runs  (enter: show its events · x: export)", classes="section-title")
            runs: DataTable[Any] = DataTable(id="runs", cursor_type="row")
            runs.add_columns("run", "kind", "runbook", "operator", "started", "outcome")
            yield runs
            yield Static("", id="events-title", classes="section-title")
            events: DataTable[Any] = DataTable(id="events", cursor_type="row")
            events.add_columns("when", "what", "subject", "who", "outcome", "detail")
            yield events
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()
        self.set_interval(FLEET_S, self.show_fleet)

    def show_fleet(self) -> None:
        """Once the Fleet has a client: a row for the other consoles' entries, live while it is selected."""
        session = self.dr_app.session
        if session is None:
            return
        snapshot = session.fleet().snapshot()
        runs: DataTable[Any] = self.query_one("#runs", DataTable)
        if not snapshot.active:
            return
        if FLEET not in runs.rows:
            runs.add_row("—", "Fleet", "", "", "", "other consoles (live)", key=FLEET)
        if self._selected() != FLEET:
            return
        self.query_one("#events-title", Static).update(f"{snapshot.link} · {snapshot.lock_text()}")
        table: DataTable[Any] = self.query_one("#events", DataTable)
        table.clear()
        for entry in reversed(snapshot.others):
            table.add_row(when(entry.at), entry.kind, entry.action or entry.runbook or "", entry.who,
                          entry.step or "", entry.summary)

    def action_reload(self) -> None:
        session = self.dr_app.session
        if session is None:
            return
        runs: DataTable[Any] = self.query_one("#runs", DataTable)
        runs.clear()
        runs.add_row("—", "manual", "", "", "", "confirmations ticked by hand", key=ALL)
        for run in session.journal.runs(limit=200):
            outcome = run["outcome"] or "running"
            runs.add_row(str(run["id"]), run["kind"] + (" (rehearsal)" if run["rehearsal"] else ""),
                         run["runbook"] or "", run["operator"], when(run["started"]),
                         status_text(outcome) if outcome in ("pass", "fail", "warn", "error") else outcome,
                         key=str(run["id"]))
        runs.move_cursor(row=1 if runs.row_count > 1 else 0)
        self.show_events(self._selected())

    def _selected(self) -> str | None:
        runs: DataTable[Any] = self.query_one("#runs", DataTable)
        if runs.row_count == 0:
            return None
        key = runs.coordinate_to_cell_key(runs.cursor_coordinate).row_key.value
        return str(key) if key is not None else None

    @on(DataTable.RowHighlighted, "#runs")
    def _run_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_events(str(event.row_key.value) if event.row_key.value is not None else None)

    def show_events(self, key: str | None) -> None:
        session = self.dr_app.session
        table: DataTable[Any] = self.query_one("#events", DataTable)
        table.clear()
        if session is None or key is None:
            return
        if key == FLEET:
            self.show_fleet()
            return
        if key == ALL:
            events = confirmation_events(session.journal)
            self.query_one("#events-title", Static).update("Confirmations ticked by hand (newest first)")
        else:
            events = run_events(session.journal, int(key))
            self.query_one("#events-title", Static).update(f"Events of run {key}")
        for event in events:
            outcome = status_text(event.outcome) if event.kind == "check" else event.outcome
            table.add_row(when(event.at), event.kind, event.subject, event.who, outcome, event.detail)

    def action_export(self) -> None:
        from drconsole.tui.screens.export import ExportDialog

        key = self._selected()
        if key is None or key in (ALL, FLEET):
            self.notify("pick a run to export", severity="warning")
            return
        self.app.push_screen(ExportDialog(int(key)))
