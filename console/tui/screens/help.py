"""F1 / ?: the keys of the screen underneath."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,f1,question_mark,q", "dismiss", "Close")]

    def __init__(self, screen_name: str, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.screen_name = screen_name
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="help", classes="dialog"):
            yield Static(f"Keys — {self.screen_name.removesuffix('Screen')}", classes="dialog-title")
            table: DataTable[str] = DataTable(id="help-keys", cursor_type="row", show_cursor=False)
            table.add_columns("key", "does", "binding id (remap in console.toml [keys])")
            for key, description, binding_id in self.rows:
                table.add_row(key, description, binding_id)
            yield table
            yield Static("ctrl+p opens the command palette: runbooks, steps, checks, actions, profiles.",
                         classes="hint")
