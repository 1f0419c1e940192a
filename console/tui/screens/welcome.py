"""First run: no profile yet. Offer the setup wizard or the local lab."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, LoadingIndicator, Markdown, Static

from drconsole.tui.widgets import Banner

if TYPE_CHECKING:
    from drconsole.profile import Profile
    from drconsole.tui.app import DrconsoleApp

WELCOME = """\
# Welcome to drconsole

No profile is configured yet. A profile says where your clouds, clusters and network are:
the region, the Fleet, the ACK cluster (zone A), the registered on-premises cluster (zone B),
the Express Connect path and the gateway. Secrets never go into it — the AccessKey secret
lives in the OS keyring.

* **Set up a profile** — a wizard that asks the cloud what exists and lets you pick.
* **Open the lab** — a small hybrid cloud on this machine, to learn and rehearse safely.
"""


class WelcomeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "setup", "Set up a profile", id="welcome.setup"),
        Binding("l", "lab", "Open the lab", id="welcome.lab"),
    ]

    def compose(self) -> ComposeResult:
        yield Banner(id="banner")
        with Vertical(id="welcome"):
            yield Markdown(WELCOME)
            with Horizontal(id="welcome-buttons"):
                yield Button("Set up a profile (s)", id="setup", variant="primary")
                yield Button("Open the lab (l)", id="lab")
            yield LoadingIndicator(id="lab-progress")
            yield Static("", id="lab-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#lab-progress").display = False

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "setup":
            self.action_setup()
        elif event.button.id == "lab":
            self.action_lab()

    def action_setup(self) -> None:
        from drconsole.tui.screens.wizard import WizardScreen

        self.app.push_screen(WizardScreen())

    def action_lab(self) -> None:
        if self.query_one("#lab-progress").display:
            return
        self.query_one("#lab-progress").display = True
        self._started = time.monotonic()
        self._doing = "starting the lab (a minute the first time, seconds when it runs)"
        self._ticker = self.set_interval(1.0, self._tick)
        self.query_one("#lab", Button).disabled = True
        self.start_lab()

    @work(thread=True, exclusive=True, group="lab", name="start the lab")
    def start_lab(self) -> None:
        from drconsole.app.labstart import start_lab
        from drconsole.errors import DrconsoleError

        def progress(text: str) -> None:
            self.app.call_from_thread(self._progress, text)

        try:
            profile = start_lab(progress)
        except DrconsoleError as exc:
            self.app.call_from_thread(self._lab_failed, str(exc))
            return
        self.app.call_from_thread(self._lab_ready, profile)

    def _progress(self, text: str) -> None:
        self._doing = text
        self._tick()

    def _tick(self) -> None:
        elapsed = time.monotonic() - self._started
        self.query_one("#lab-status", Static).update(f"{self._doing} … {elapsed:.0f} s")

    def _lab_failed(self, message: str) -> None:
        self._ticker.stop()
        self.query_one("#lab-progress").display = False
        self.query_one("#lab", Button).disabled = False
        self.query_one("#lab-status", Static).update(f"the lab did not start: {message}")

    def _lab_ready(self, profile: Profile) -> None:
        self._ticker.stop()
        app: DrconsoleApp = self.app
        app.open_profile(profile, first_sweep=app.autorun)
