"""The `drconsole` command. Start-up stays light: commands import what they need when they run."""

from __future__ import annotations

import sys
from typing import Any

import click

from drconsole import __version__
from drconsole.cli import check_cmd, export_cmd, journal_cmd, lab_cmd, profile_cmd, run_cmd, runbook_cmd, setup_cmd
from drconsole.cli.common import Options, fail


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


@click.group(cls=Console, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
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


for command in (profile_cmd.profile, runbook_cmd.runbook, journal_cmd.journal, lab_cmd.lab, check_cmd.check,
                export_cmd.export, run_cmd.run, setup_cmd.setup):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="drconsole")
