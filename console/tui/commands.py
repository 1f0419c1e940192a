"""Command palette (ctrl+p): runbooks, steps, checks, actions and profiles, by name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from drconsole.tui.app import DrconsoleApp


class DrconsoleCommands(Provider):
    """Every runbook, step, check and action of the open profile's runbook, and every profile."""

    def _entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        app: DrconsoleApp = self.app
        entries: list[tuple[str, str, Callable[[], object]]] = []
        session = app.session
        if session is None:
            return entries
        for name in session.available_runbooks():
            entries.append((f"runbook: {name}", "open this runbook", partial(app.open_runbook, name)))
        runbook = session.runbook()
        for step in runbook.steps:
            entries.append((f"step: {step.id} — {step.title}", "show this step",
                            partial(app.open_runbook, runbook.id, step=step.id)))
            for ref in step.checks:
                entries.append((f"check: {step.id}/{ref.key}", f"{ref.use} — show it in its step",
                                partial(app.open_runbook, runbook.id, step=step.id)))
            for ref in step.actions:
                entries.append((f"action: {step.id}/{ref.key}", f"{ref.use} — show it in its step",
                                partial(app.open_runbook, runbook.id, step=step.id)))
        from drconsole.profile import list_profiles

        for name in list_profiles():
            if name != app.profile_name:
                entries.append((f"profile: {name}", "switch the console to this profile",
                                partial(self._switch_profile, name)))
        for screen in ("runbook", "dashboard", "journal"):
            entries.append((f"screen: {screen}", f"show the {screen}", partial(app.action_open, screen)))
        return entries

    def _switch_profile(self, name: str) -> None:
        from drconsole.errors import DrconsoleError
        from drconsole.profile import load_profile

        app: DrconsoleApp = self.app
        try:
            profile = load_profile(name)
        except DrconsoleError as exc:
            app.notify(str(exc), severity="error")
            return
        left = app.current_mode
        for mode in ("runbook", "dashboard", "journal"):
            if mode != left:
                _rebuild_mode(app, mode)
        app.open_profile(profile)  # shows the runbook mode
        if left != app.current_mode:
            _rebuild_mode(app, left)

    async def discover(self) -> Hits:
        for text, help_text, callback in self._entries():
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, callback in self._entries():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, help=help_text)


def _rebuild_mode(app: DrconsoleApp, mode: str) -> None:
    """Drop a mode's screens (they show the previous profile); it is built afresh when next shown."""
    if mode in app._screen_stacks:
        base = app._modes[mode]
        app.remove_mode(mode)
        app.add_mode(mode, base)
