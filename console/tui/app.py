"""The drconsole Textual app: first run, setup wizard, runbook, incident dashboard, journal.

Start-up imports only Textual and this package's light modules; the profile (pydantic), the runbook
(YAML) and everything behind them load in a worker after the first screen is on the terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import get_current_worker

from drconsole.tui.commands import DrconsoleCommands
from drconsole.tui.config import DARK, LIGHT, ConsoleConfig, load_config

if TYPE_CHECKING:
    from drconsole.app.session import Session
    from drconsole.profile import Profile


WATCH_POLL_S = 10.0


class DrconsoleApp(App[None]):
    CSS_PATH = "drconsole.tcss"
    TITLE = "drconsole"
    COMMANDS: ClassVar = App.COMMANDS | {DrconsoleCommands}
    # The first screen is the app's default screen, in the mode "runbook" (added with its factory on mount):
    # starting in a mode from MODES would re-parse every stylesheet before the first frame.
    DEFAULT_MODE = "runbook"
    MODES: ClassVar = {
        "dashboard": lambda: _screen("dashboard", "DashboardScreen"),
        "journal": lambda: _screen("journal", "JournalScreen"),
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="drconsole.help"),
        Binding("question_mark", "help", "Help", show=False, id="drconsole.help-alt"),
        Binding("1", "open('runbook')", "Runbook", id="drconsole.runbook"),
        Binding("2", "open('dashboard')", "Dashboard", id="drconsole.dashboard"),
        Binding("3", "open('journal')", "Journal", id="drconsole.journal"),
        Binding("ctrl+t", "toggle_theme", "Theme", id="drconsole.theme"),
        Binding("q", "quit", "Quit", id="drconsole.quit"),
    ]

    def __init__(self, profile_name: str | None = None, *, read_only: bool = False,
                 profile: Profile | None = None, session: Session | None = None,
                 runbook: str | None = None, config: ConsoleConfig | None = None,
                 steady: bool = False, autorun: bool = True) -> None:
        super().__init__()
        self.profile_name = profile_name or (profile.name if profile else None) or \
            (session.profile.name if session else None)
        self.read_only = read_only
        if session is not None and read_only:
            session.read_only = True  # before its Context exists: the runner and the guards see it
        self.session: Session | None = session
        self._profile = profile
        self.runbook_name = runbook
        self.config = config if config is not None else load_config()
        self.steady = steady  # no blinking cursor, no clock: stable pictures for snapshot tests
        self.autorun = autorun  # run a first sweep / auto-refresh (off in snapshot tests)
        self.focus_zone: str | None = None
        self.first_sweep = False
        self.watch_line: str | None = None  # the `drconsole watch` running for this profile, if any
        self.theme = self.config.theme

    # -- start ------------------------------------------------------------------------------------
    def get_default_screen(self) -> Screen[None]:
        """The first screen: the runbook when there is a profile to open, else the first-run welcome."""
        if self.profile_name is None:
            return _screen("welcome", "WelcomeScreen")
        return _screen("runbook", "RunbookScreen")

    def on_mount(self) -> None:
        self.add_mode("runbook", lambda: _screen("runbook", "RunbookScreen"))
        if self.config.keys:
            self.set_keymap(self.config.keys)
        if self.session is None and self._profile is not None:
            self.open_profile(self._profile)
        elif self.session is None and self.profile_name:
            self.call_after_refresh(self._load_profile_in_background)
        self.set_interval(WATCH_POLL_S, self._poll_watch)
        self.call_after_refresh(self._poll_watch)

    def _poll_watch(self) -> None:
        if self.profile_name:
            self.run_worker(self._read_watch, thread=True, exclusive=True, group="watch", name="watch status")

    def _read_watch(self) -> None:
        from drconsole.watch.status import describe, read_status

        assert self.profile_name
        status = read_status(self.profile_name)
        line = describe(status) if status else None
        if line != self.watch_line:
            self.watch_line = line
            self.call_from_thread(self.refresh_banners)

    def _show_main(self) -> None:
        """The runbook mode; on first run, the runbook goes over the welcome (the wizard over it closes)."""
        from drconsole.tui.screens.runbook import RunbookScreen

        self.switch_mode("runbook")
        if not any(isinstance(screen, RunbookScreen) for screen in self.screen_stack):
            while len(self.screen_stack) > 1:
                self.pop_screen()
            self.push_screen(RunbookScreen())

    def _load_profile_in_background(self) -> None:
        self.run_worker(self._load_profile, thread=True, exclusive=True, group="profile", name="load profile")

    def _load_profile(self) -> None:
        from drconsole.app.session import Session
        from drconsole.errors import DrconsoleError
        from drconsole.profile import load_profile

        assert self.profile_name
        try:
            session = Session(load_profile(self.profile_name), read_only=self.read_only)
            runbook = session.runbook(self.runbook_name or "zone-dr-hybrid")
            session.walk_started(runbook)  # opens the journal here, off the UI thread
        except DrconsoleError as exc:
            self.call_from_thread(self.notify, str(exc), title="cannot open the profile", severity="error",
                                  timeout=30)
            return
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._session_ready, session)

    def _session_ready(self, session: Session) -> None:
        self.session = session
        self.refresh_banners()
        for screen in self.screen_stack:
            ready = getattr(screen, "session_ready", None)
            if ready is not None:
                ready()

    def open_profile(self, profile: Profile, *, first_sweep: bool = False) -> None:
        """Make `profile` the console's profile and show its runbook (from the wizard or the lab)."""
        from drconsole.app.session import Session

        self.profile_name = profile.name
        self.session = Session(profile, read_only=self.read_only)
        self.first_sweep = first_sweep
        self._show_main()
        self.refresh_banners()

    # -- what every screen shows -------------------------------------------------------------------
    def banner_facts(self) -> dict[str, Any]:
        profile = self.session.profile if self.session else self._profile
        return {
            "profile": self.profile_name or "none",
            "production": bool(profile and profile.production),
            "read_only": self.read_only or bool(profile and profile.read_only),
            "lab": bool(profile and profile.lab is not None),
            "unrecorded": self.session.journal_problem if self.session else None,
            "watch": self.watch_line,
        }

    def refresh_banners(self) -> None:
        from drconsole.tui.widgets import Banner

        for screen in self.screen_stack:
            for banner in screen.query(Banner):
                banner.refresh_state()

    # -- actions ----------------------------------------------------------------------------------
    def action_help(self) -> None:
        from drconsole.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        rows = []
        for key, active in self.active_bindings.items():
            binding = active.binding
            if binding.description and active.enabled:
                rows.append((self.get_key_display(binding) or key, binding.description, binding.id or ""))
        self.push_screen(HelpScreen(type(self.screen).__name__, rows))

    def action_open(self, name: str) -> None:
        if self.session is None:
            self.notify("open or create a profile first", severity="warning")
            return
        self.switch_mode(name)

    def open_runbook(self, name: str, *, zone: str | None = None, step: str | None = None) -> None:
        """Show a runbook (the failover runbook from the dashboard, or one picked in the palette)."""
        from drconsole.tui.screens.runbook import RunbookScreen

        self.focus_zone = zone
        self.switch_mode("runbook")
        shown: RunbookScreen | None = None
        for screen in self.screen_stack:
            if isinstance(screen, RunbookScreen) and screen.runbook_name == name:
                shown = screen
        if shown is not None:
            if step:
                shown.select_step(step)
            while self.screen is not shown:
                self.pop_screen()
            return
        self.push_screen(RunbookScreen(name, focus_step=step, zone=zone))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    def on_unmount(self) -> None:
        if self.session is None:
            return
        from drconsole.app import stepcache
        from drconsole.app.session import SETUP_RUNBOOK

        try:
            stepcache.save(self.session, self.runbook_name or SETUP_RUNBOOK)  # closes the session
        except Exception:  # the cache only saves time at the next start; the session must close regardless
            self.session.close()


def _screen(module: str, name: str) -> Any:
    """A main screen, imported when first shown (keeps start-up light)."""
    import importlib

    return getattr(importlib.import_module(f"drconsole.tui.screens.{module}"), name)()


def wizard_app() -> DrconsoleApp:
    """The console opened straight on the setup wizard (`drconsole setup`)."""
    app = DrconsoleApp(None)

    def open_wizard() -> None:
        from drconsole.tui.screens.wizard import WizardScreen

        app.push_screen(WizardScreen())

    app.call_later(open_wizard)
    return app


def run_wizard() -> None:
    wizard_app().run()


def run_app(profile_name: str | None = None, read_only: bool = False) -> None:
    """The entry point `drconsole` (and `drconsole --lab`) uses."""
    DrconsoleApp(profile_name, read_only=read_only).run()
