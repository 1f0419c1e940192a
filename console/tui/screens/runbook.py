"""The runbook: steps as a checklist by section, the selected step's guide, confirmations, checks, actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static, Tree

from drconsole.app import ages, stepstate
from drconsole.app.session import SETUP_RUNBOOK
from drconsole.tui.messages import ActionLine, ActionsDone, ResultArrived, SweepDone
from drconsole.tui.render import STATE_STYLE, result_detail, status_text
from drconsole.tui.widgets import Banner, Field

if TYPE_CHECKING:
    from textual.widget import Widget
    from textual.widgets import Checkbox, DataTable, ProgressBar, RichLog

    from drconsole.app.session import Session
    from drconsole.app.stepcache import CachedView
    from drconsole.results import CheckResult
    from drconsole.runbooks.schema import Runbook, Step
    from drconsole.tui.app import DrconsoleApp


class RunbookScreen(Screen[None]):
    AUTO_FOCUS = "#steps"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "check_step", "Run step checks", id="runbook.check-step"),
        Binding("e", "recheck", "Re-run check", id="runbook.recheck"),
        Binding("s", "sweep", "Run all checks", id="runbook.sweep"),
        Binding("a", "run_actions", "Run step actions", id="runbook.actions"),
    ]

    def __init__(self, runbook_name: str | None = None, *, focus_step: str | None = None, zone: str | None = None,
                 sweep_on_open: bool = False) -> None:
        super().__init__()
        self.runbook_name = runbook_name
        self.focus_step = focus_step
        self.zone = zone
        self.sweep_on_open = sweep_on_open
        self.runbook: Runbook | None = None
        self.step: Step | None = None
        self.results: dict[str, CheckResult] = {}
        self.states: dict[str, str] = {}
        self.walk_started: float | None = None  # when the current walk of this runbook began
        self._startup_view: CachedView | None = None  # what the last console showed, until the session is loaded
        self.running: set[str] = set()
        self._building = False
        self._warned: str | None = None  # the journal problem already told in a notice
        # "composing" → "shown" (first frame drawn) → "building" (step tree mounting) → "steps" (the steps and their
        # states drawn: the screen is usable) → "detail" (the step's guide, tables and log mounting) → "ready"
        self._phase = "composing"

    @property
    def filled(self) -> bool:
        """Whether the runbook, its step states and the selected step's detail are all on the screen."""
        return self._phase == "ready"

    @property
    def dr_app(self) -> DrconsoleApp:
        return self.app

    @property
    def session(self) -> Session:
        assert self.dr_app.session is not None
        return self.dr_app.session

    def compose(self) -> ComposeResult:
        yield Banner(id="banner")
        with Horizontal(id="runbook-body"):
            with Vertical(id="steps-pane"):
                yield Static("loading the runbook …", id="runbook-title")
                yield Static("", id="progress-label")
            yield VerticalScroll(id="step-pane")

    def on_mount(self) -> None:
        self.call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        """The runbook if the session is already there (a session loaded later arrives through session_ready), or
        the steps as the start-up cache has them; the key bar (its keys cost more to compose than the rest of the
        screen) once the steps are drawn, or now if they wait for the session."""
        self._phase = "shown"
        if self.dr_app.session is not None:
            self.session_ready()
            return
        self._startup_view = self._cached()
        if self._startup_view is not None:
            self.build_steps()  # drawn from the start-up cache until the session is loaded
        else:
            self._mount_footer()

    def _mount_footer(self) -> None:
        from textual.widgets import Footer

        if not self.query(Footer):
            self.mount(Footer())

    def build_steps(self) -> None:
        """The progress bar and the step tree, mounted once the session is loaded, so the first frame pays for
        neither; session_ready fills them once they are on the screen. The step's detail (Markdown, tables, log)
        comes after the steps and their states are drawn."""
        from textual.widgets import ProgressBar

        tree: Tree[str] = Tree("steps", id="steps")
        tree.show_root = False
        self.query_one("#steps-pane", Vertical).mount_all(
            [ProgressBar(id="progress", show_eta=False, show_percentage=True), tree])
        if self.focused is None:
            tree.focus()
        self._phase = "building"
        self.call_after_refresh(self._steps_on_screen)

    def _detail_widgets(self) -> list[Widget]:
        from textual.widgets import DataTable, Markdown, RichLog

        checks: DataTable[Any] = DataTable(id="checks", cursor_type="row")
        checks.add_columns("status", "check", "zone", "summary", "ms", "age")
        actions: DataTable[Any] = DataTable(id="actions", cursor_type="row")
        actions.add_columns("action", "uses", "last outcome")
        return [
            Static("", id="step-title"),
            Markdown("", id="guide"),
            Static("Confirmations", classes="section-title"),
            Vertical(id="confirms"),
            Field(placeholder="note for the next tick (optional)", id="note"),
            Static("Checks  (c: run this step's checks · e: re-run the highlighted one)", classes="section-title"),
            checks,
            Static("", id="check-detail"),
            Static("Actions  (a: plan, confirm and apply this step's actions)", classes="section-title"),
            actions,
            RichLog(id="action-log", wrap=True, markup=False, max_lines=400),
        ]

    def _steps_on_screen(self) -> None:
        self._phase = "steps"
        if self.dr_app.session is not None:
            self.session_ready()
            return
        cached = self._startup_view
        if cached is not None:
            self.query_one("#runbook-title", Static).update(Text(cached.title, style="bold"))
            states = {step.id: step.state for step in cached.steps}
            self._show_progress(states)
            self._fill_tree([(step.section, step.id, self._label(step.title, step.state)) for step in cached.steps])
            self.call_after_refresh(self._mount_footer)

    def _cached(self) -> CachedView | None:
        """The steps and states the console showed when it last closed on this profile and runbook, if nothing
        they were made from has changed since (app.stepcache)."""
        from drconsole.app import stepcache

        profile = self.dr_app.profile_name
        if profile is None:
            return None
        return stepcache.load(profile, self.runbook_name or self.dr_app.runbook_name or SETUP_RUNBOOK)

    def _mount_detail(self) -> None:
        self._mount_footer()
        self.query_one("#step-pane", VerticalScroll).mount_all(self._detail_widgets())
        self.call_after_refresh(self._detail_on_screen)

    def _detail_on_screen(self) -> None:
        self._phase = "ready"
        self.session_ready()

    def _table(self, name: str) -> DataTable[Any]:
        from textual.widgets import DataTable

        return self.query_one(f"#{name}", DataTable)

    def _progress(self) -> ProgressBar:
        from textual.widgets import ProgressBar

        return self.query_one("#progress", ProgressBar)

    def _action_log(self) -> RichLog:
        from textual.widgets import RichLog

        return self.query_one("#action-log", RichLog)

    # -- data -------------------------------------------------------------------------------------
    def session_ready(self) -> None:
        """The profile is loaded: show the runbook and what the journal knows about it."""
        if self._phase == "shown":
            self.build_steps()
        if self._phase not in ("steps", "detail", "ready") or self.session.closed:
            return
        session = self.session
        self.runbook_name = self.runbook_name or self.dr_app.runbook_name or SETUP_RUNBOOK
        self.runbook = session.runbook(self.runbook_name)
        title = f"{self.runbook.title}"
        if self.zone:
            title += f"\nfailing zone: {self.zone.upper()}"
        self.query_one("#runbook-title", Static).update(Text(title, style="bold"))
        self.results = session.journal.latest_results(self.runbook.id)
        self.warn_unrecorded()
        self.walk_started = session.walk_started(self.runbook)
        self.refresh_states()
        self.build_tree()
        if self._phase == "steps":
            self._phase = "detail"
            self.call_after_refresh(self._mount_detail)  # once the steps and their states are drawn
        if self._phase != "ready":
            return
        self.select_step(self.focus_step or self.runbook.steps[0].id)
        if self.sweep_on_open or self.dr_app.first_sweep:
            self.dr_app.first_sweep = False
            self.action_sweep()

    def warn_unrecorded(self) -> None:
        """Say on the banner, and once in a notice with the way out, that the journal is not recording."""
        self.dr_app.refresh_banners()
        problem = self.session.journal_problem
        if problem and problem != self._warned:
            self._warned = problem
            self.notify(problem, title="the journal", severity="error", timeout=30)

    def refresh_states(self) -> None:
        assert self.runbook is not None
        journal = self.session.journal
        self.states = stepstate.step_states(self.runbook.steps, journal.step_states(self.runbook.id),
                                            journal.confirmations(self.runbook.id), self.results)
        if self.walk_started is not None and stepstate.finished(self.runbook.steps, self.states):
            self.session.end_walk(self.runbook, "finished")
            self.walk_started = None
            self.notify("every step is done: this walk of the runbook is finished and recorded", timeout=6)
        self._show_progress(self.states)

    def _show_progress(self, states: dict[str, str]) -> None:
        done, total = stepstate.progress(states)
        failing = sum(1 for s in states.values() if s == stepstate.FAILING)
        label = f"{done}/{total} steps done" + (f" · {failing} failing" if failing else "")
        self.query_one("#progress-label", Static).update(label)
        self._progress().update(total=total, progress=done)

    def _step_label(self, step: Step) -> Text:
        running = " …" if step.id in self.running else ""
        return self._label(step.title + running, self.states.get(step.id, stepstate.NOT_STARTED))

    @staticmethod
    def _label(title: str, state: str) -> Text:
        return Text.assemble((stepstate.SYMBOLS[state] + " ", STATE_STYLE[state]), title)

    def build_tree(self) -> None:
        assert self.runbook is not None
        self._fill_tree([(step.section, step.id, self._step_label(step)) for step in self.runbook.steps])

    def _fill_tree(self, rows: list[tuple[str | None, str, Text]]) -> None:
        tree: Tree[str] = self.query_one("#steps", Tree)
        tree.clear()
        sections: dict[str, Any] = {}
        for section, step_id, label in rows:
            name = section or "Steps"
            if name not in sections:
                sections[name] = tree.root.add(name, expand=True)
            sections[name].add_leaf(label, data=step_id)

    def relabel_tree(self) -> None:
        assert self.runbook is not None
        for node in self.query_one("#steps", Tree).root.children:
            for leaf in node.children:
                if leaf.data:
                    leaf.set_label(self._step_label(self.runbook.step(leaf.data)))

    def select_step(self, step_id: str) -> None:
        if self.runbook is None:  # not filled in yet: session_ready selects it
            self.focus_step = step_id
            return
        tree: Tree[str] = self.query_one("#steps", Tree)
        for section in tree.root.children:
            for leaf in section.children:
                if leaf.data == step_id:
                    tree.move_cursor(leaf)
                    self.show_step(step_id)
                    return

    @on(Tree.NodeHighlighted, "#steps")
    def _highlighted(self, event: Tree.NodeHighlighted[str]) -> None:
        if event.node is not event.control.cursor_node:
            return  # stale: the cursor has moved on (the tree was rebuilt or a step selected since)
        if event.node.data and (self.step is None or self.step.id != event.node.data):
            self.show_step(event.node.data)

    def show_step(self, step_id: str) -> None:
        assert self.runbook is not None
        if self._phase != "ready":  # the detail is not mounted yet: it shows this step when it is
            self.focus_step = step_id
            return
        step = self.runbook.step(step_id)
        self.step = step
        state = self.states.get(step.id, stepstate.NOT_STARTED)
        head = Text.assemble((step.title, "bold"), "  ", (f"[{state}]", STATE_STYLE[state]),
                             ("  optional" if step.optional else "", "dim"))
        if step.requires:
            head.append(f"\nrequires: {', '.join(step.requires)}", style="dim")
        self.query_one("#step-title", Static).update(head)
        self.query_one("#guide").update(step.guide)  # type: ignore[attr-defined]
        self.show_confirmations()
        self.show_checks()
        self.show_actions()

    def show_confirmations(self) -> None:
        assert self.runbook is not None and self.step is not None
        box = self.query_one("#confirms", Vertical)
        box.remove_children()
        confirmed = self.session.journal.confirmations(self.runbook.id)
        from textual.widgets import Checkbox

        widgets: list[Any] = []
        self._building = True
        for index, item in enumerate(self.step.confirm):
            row = confirmed.get((self.step.id, item.id))
            box_ = Checkbox(item.text, value=bool(row and row["confirmed"]), name=str(index), classes="confirm")
            box_.tooltip = item.id
            widgets.append(box_)
            if row and row.get("note"):
                widgets.append(Static(f"    note by {row['operator']}: {row['note']}", classes="note"))
        if not widgets:
            widgets.append(Static("nothing to confirm by hand in this step", classes="dim"))
        box.mount_all(widgets)
        self.call_after_refresh(self._done_building)

    def _done_building(self) -> None:
        self._building = False

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if self._building or self.step is None or self.runbook is None or event.checkbox.name is None:
            return
        from drconsole.journal_db import JournalError

        item = self.step.confirm[int(event.checkbox.name)]
        note_field = self.query_one("#note", Field)
        note = note_field.value.strip() or None
        try:
            self.session.confirm(self.runbook, self.step.id, item.id, confirmed=event.value, note=note)
        except JournalError as exc:
            self.session.journal.problem = self.session.journal.problem or exc
            self.warn_unrecorded()
            return
        note_field.value = ""
        self.walk_started = self.session.walk_started(self.runbook)
        self.show_checks()
        self.refresh_states()
        self.relabel_tree()
        self.notify(f"{'confirmed' if event.value else 'unticked'}: {item.text}", timeout=3)

    def show_checks(self) -> None:
        assert self.step is not None
        table = self._table("checks")
        table.clear()
        for ref in self.step.checks:
            key = f"{self.step.id}/{ref.key}"
            result = self.results.get(key)
            if key in self.running and result is None:
                status: Text = status_text("running")
            else:
                status = status_text(result.status.value) if result else Text("○ not run", style="dim")
            table.add_row(status, ref.key, ref.zone or "", result.summary if result else "",
                          f"{result.duration_ms:.0f}" if result else "", self._age(result), key=key)
        if not self.step.checks:
            self.query_one("#check-detail", Static).update(Text("this step has no automated checks", style="dim"))
        else:
            self.show_check_detail(0)

    def _age(self, result: CheckResult | None) -> Text:
        """How old a result is; one taken before the current walk of this runbook began is marked."""
        if result is None or self.runbook is None:
            return Text("")
        earlier = ages.predates(result.started_at, self.walk_started)
        return Text(ages.label(result.started_at, self.walk_started), style="yellow" if earlier else "dim")

    def show_check_detail(self, row: int) -> None:
        assert self.step is not None
        if not self.step.checks or row >= len(self.step.checks):
            return
        key = f"{self.step.id}/{self.step.checks[row].key}"
        result = self.results.get(key)
        detail = result_detail(result) if result else Text(f"{key}: not run yet (press c)", style="dim")
        if result is not None:
            detail.append_text(Text.assemble("taken ", self._age(result)))
        self.query_one("#check-detail", Static).update(detail)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "checks":
            self.show_check_detail(event.cursor_row)

    def show_actions(self) -> None:
        assert self.step is not None and self.runbook is not None
        table = self._table("actions")
        table.clear()
        last: dict[str, str] = {}
        for state in self.session.journal.action_states():
            if state.runbook == self.runbook.id and state.step == self.step.id:
                last[state.action] = state.state
        for ref in self.step.actions:
            table.add_row(ref.key, ref.use, last.get(ref.use, "not run"))
        self.query_one("#actions").display = bool(self.step.actions)

    # -- checks -----------------------------------------------------------------------------------
    def action_check_step(self) -> None:
        if self.step is not None:
            self.start_sweep(steps=[self.step.id])

    def action_recheck(self) -> None:
        if self.step is None or not self.step.checks:
            return
        row = self._table("checks").cursor_row
        ref = self.step.checks[min(max(row, 0), len(self.step.checks) - 1)]
        self.start_sweep(steps=[self.step.id], only=[f"{self.step.id}/{ref.key}"])

    def action_sweep(self) -> None:
        self.start_sweep()

    def start_sweep(self, *, steps: list[str] | None = None, only: list[str] | None = None) -> None:
        from drconsole.errors import DrconsoleError

        if self.runbook is None or self.dr_app.session is None:
            return
        if self.running:
            self.notify("checks are already running", severity="warning")
            return
        try:
            chosen = self.session.invocations(self.runbook, steps=steps, only=only)
        except DrconsoleError as exc:
            self.notify(str(exc), severity="error")
            return
        if not chosen:
            self.notify("no automated checks here", severity="warning")
            return
        self.running = {inv.key for inv in chosen} | {inv.step for inv in chosen if inv.step}
        self.relabel_tree()
        self.show_checks()
        self.notify(f"running {len(chosen)} check(s) …", timeout=3)
        self.sweep_worker(chosen, walk=bool(steps))  # a step's checks are part of the walk

    @work(thread=True, group="runbook-sweep", name="runbook checks")
    def sweep_worker(self, chosen: list[Any], walk: bool) -> None:
        assert self.runbook is not None
        count = 0
        error = None

        def emit(result: CheckResult) -> None:
            nonlocal count
            count += 1
            self.post_message(ResultArrived(result))

        try:
            self.session.sweep(self.runbook, chosen, emit, walk=walk)
        except Exception as exc:  # shown to the operator; the sweep itself never raises for a failing check
            error = f"{type(exc).__name__}: {exc}"
        self.post_message(SweepDone(count, error))

    def on_result_arrived(self, message: ResultArrived) -> None:
        self.results[message.result.key] = message.result
        self.running.discard(message.result.key)
        if self.step is not None and message.result.step == self.step.id:
            self._update_check_row(message.result)

    def _update_check_row(self, result: CheckResult) -> None:
        table = self._table("checks")
        try:
            table.update_cell(result.key, table.ordered_columns[0].key, status_text(result.status.value))
            table.update_cell(result.key, table.ordered_columns[3].key, result.summary)
            table.update_cell(result.key, table.ordered_columns[4].key, f"{result.duration_ms:.0f}")
            table.update_cell(result.key, table.ordered_columns[5].key, self._age(result))
        except Exception:  # the row is gone (another step is shown)
            return
        self.show_check_detail(table.cursor_row)

    def on_sweep_done(self, message: SweepDone) -> None:
        self.running.clear()
        self.warn_unrecorded()
        assert self.runbook is not None
        self.walk_started = self.session.walk_started(self.runbook)
        self.refresh_states()
        self.relabel_tree()
        if self.step is not None:
            self.show_step(self.step.id)
        if message.error:
            self.notify(message.error, title="the checks could not run", severity="error", timeout=15)
        else:
            bad = sum(1 for r in self.results.values() if r.status.bad)
            self.notify(f"{message.count} result(s); {bad} failing in this runbook", timeout=4)

    # -- actions ----------------------------------------------------------------------------------
    def action_run_actions(self) -> None:
        if self.step is None or not self.step.actions:
            self.notify("this step has no actions", severity="warning")
            return
        self._action_log().clear()
        self.actions_worker(self.step.id)

    @work(thread=True, exclusive=True, group="runbook-actions", name="runbook actions")
    def actions_worker(self, step_id: str) -> None:
        from drconsole.tui.confirmer import run_step_actions

        assert self.runbook is not None
        summary = run_step_actions(self.dr_app, self.session, self.runbook, step_id,
                                   out=lambda line: self.post_message(ActionLine(line)))
        self.post_message(ActionsDone(summary))

    def on_action_line(self, message: ActionLine) -> None:
        self._action_log().write(message.text)

    def on_actions_done(self, message: ActionsDone) -> None:
        self._action_log().write(message.summary)
        assert self.runbook is not None
        self.results = self.session.journal.latest_results(self.runbook.id)
        self.walk_started = self.session.walk_started(self.runbook)
        self.refresh_states()
        self.relabel_tree()
        if self.step is not None:
            self.show_step(self.step.id)
