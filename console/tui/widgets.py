"""Small widgets every screen shares: the mode banner and a steady-cursor input."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Input, Static

if TYPE_CHECKING:
    from drconsole.tui.app import DrconsoleApp


class Banner(Static):
    """Which profile this is, and whether it is production, read-only or the lab — on every screen."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.refresh_state()  # in the first frame: the app is known while its screen composes

    def refresh_state(self) -> None:
        app: DrconsoleApp = self.app
        facts = app.banner_facts()
        parts = [f"drconsole · profile {facts['profile']}"]
        if facts["lab"]:
            parts.append("LAB")
        if facts["production"]:
            parts.append("PRODUCTION")
        if facts["read_only"]:
            parts.append("READ-ONLY")
        if facts["unrecorded"]:
            parts.append(facts["unrecorded"].splitlines()[0])
        if facts.get("watch"):
            parts.append(facts["watch"])
        self.update("  ·  ".join(parts))
        self.set_class(bool(facts["unrecorded"]), "-unrecorded")
        self.set_class(bool(facts["production"]), "-production")
        self.set_class(bool(facts["read_only"]), "-read-only")
        self.set_class(bool(facts["lab"]), "-lab")


class Field(Input):
    """An Input whose cursor does not blink when the app asks for a steady picture (snapshots)."""

    def on_mount(self) -> None:
        if getattr(self.app, "steady", False):
            self.cursor_blink = False
