"""Opening the Textual console (the only place the CLI touches the TUI)."""

from __future__ import annotations

from drconsole.cli.common import Options


def open_console(options: Options) -> None:
    profile = None
    if options.lab:
        from drconsole.cli.lab_cmd import ensure_lab

        profile = ensure_lab()
    from drconsole.tui.app import run_app

    run_app(profile_name=profile.name if profile else options.profile, read_only=options.read_only)
