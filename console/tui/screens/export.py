"""Export one run as a record for a change ticket or an audit: Markdown, HTML, JSON or JUnit XML."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from drconsole.tui.widgets import Field

if TYPE_CHECKING:
    from drconsole.tui.app import DrconsoleApp

FORMATS = {"md": "Markdown", "html": "HTML", "json": "JSON", "junit": "JUnit XML"}
SUFFIX = {"md": "md", "html": "html", "json": "json", "junit": "xml"}


def export_run(app: DrconsoleApp, run_id: int, fmt: str, target: Path) -> Path:
    """Render the run's record with the exporters and write it; returns the path written."""
    from drconsole.app import records

    session = app.session
    assert session is not None
    return records.export_run(session.journal, records.chosen_run(session.journal, run_id), fmt, target)


class ExportDialog(ModalScreen[Path | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="export.cancel")]

    def __init__(self, run_id: int, fmt: str = "md") -> None:
        super().__init__()
        self.run_id = run_id
        self.fmt = fmt

    def default_path(self, fmt: str) -> str:
        app: DrconsoleApp = self.app
        return f"drconsole-{app.profile_name}-run-{self.run_id}.{SUFFIX[fmt]}"

    def compose(self) -> ComposeResult:
        with Vertical(id="export", classes="dialog"):
            yield Static(f"Export run {self.run_id}", classes="dialog-title")
            with RadioSet(id="formats"):
                for fmt, label in FORMATS.items():
                    yield RadioButton(label, value=fmt == self.fmt, id=f"fmt-{fmt}")
            yield Static("file (relative to the directory drconsole was started in)")
            yield Field(self.default_path(self.fmt), id="path")
            yield Static("", id="export-error", classes="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", id="do-export", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    @on(RadioSet.Changed, "#formats")
    def _format(self, event: RadioSet.Changed) -> None:
        self.fmt = str(event.pressed.id).removeprefix("fmt-")
        self.query_one("#path", Input).value = self.default_path(self.fmt)

    @on(Button.Pressed, "#do-export")
    @on(Input.Submitted, "#path")
    def _export(self) -> None:
        app: DrconsoleApp = self.app
        target = Path(self.query_one("#path", Input).value).expanduser()
        try:
            written = export_run(app, self.run_id, self.fmt, target)
        except (OSError, ValueError) as exc:
            self.query_one("#export-error", Static).update(f"not written: {exc}")
            return
        self.notify(f"run {self.run_id} written to {written}", timeout=6)
        self.dismiss(written)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
