"""The `drconsole` command. Start-up stays light: commands import what they need when they run."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, MutableMapping
from typing import Any

import click

from drconsole import __version__
from drconsole.cli.common import Options, fail

# Each command is the attribute of the same name in drconsole.cli.<module>.
COMMAND_MODULES = {"profile": "profile_cmd", "runbook": "runbook_cmd", "journal": "journal_cmd", "lab": "lab_cmd",
                   "check": "check_cmd", "export": "export_cmd", "run": "run_cmd", "setup": "setup_cmd",
                   "fleet": "fleet_cmd", "watch": "watch_cmd", "explain": "explain_cmd"}


class LazyCommands(MutableMapping[str, click.Command]):
    """The subcommands by name; a command's module is imported when the command is looked up
    (to run it, or for `--help`), so `drconsole` alone pays for none of them."""

    def __init__(self, modules: dict[str, str]) -> None:
        self._modules = dict(modules)
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module = importlib.import_module(f"drconsole.cli.{self._modules[name]}")
            self._loaded[name] = getattr(module, name)
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command
        self._modules.setdefault(name, "")

    def __delitem__(self, name: str) -> None:
        del self._modules[name]
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __contains__(self, name: object) -> bool:
        return name in self._modules


class Console(click.Group):
    """Turns operator-facing errors into a message and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from drconsole.errors import DrconsoleError

        try:
            return super().invoke(ctx)
        except DrconsoleError as exc:
            fail(exc)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)


@click.group(cls=Console, commands=LazyCommands(COMMAND_MODULES), invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--profile", "-p", envvar="DRCONSOLE_PROFILE", help="Profile to use (default: $DRCONSOLE_PROFILE, "
              "or the only profile there is).")
@click.option("--lab", is_flag=True, help="Bring the local lab up if needed and use its profile.")
@click.option("--read-only", is_flag=True, help="Refuse every mutating action before any request is sent.")
@click.version_option(__version__, prog_name="drconsole")
@click.pass_context
def cli(ctx: click.Context, profile: str | None, lab: bool, read_only: bool) -> None:
    """Zone-disaster recovery for an ACK cluster and an ACK One registered cluster.

    Without a command, opens the console on the active profile (or the first-run screen).
    """
    ctx.obj = Options(profile=profile, lab=lab, read_only=read_only)
    if ctx.invoked_subcommand is None:
        from drconsole.cli.console_cmd import open_console

        open_console(ctx.obj)


def main() -> None:
    cli(prog_name="drconsole")
