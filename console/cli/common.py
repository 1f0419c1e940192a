"""What every command shares: global options, profile selection, and error output."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:
    from drconsole.errors import DrconsoleError
    from drconsole.profile import Profile


@dataclass
class Options:
    profile: str | None = None
    lab: bool = False
    read_only: bool = False


def warn_broken_plugins() -> None:
    """Name each site plugin that did not load, and why, on stderr."""
    from drconsole import plugins

    for broken in plugins.broken():
        click.secho(f"warning: {broken}", fg="yellow", err=True)


def fail(exc: DrconsoleError) -> NoReturn:
    click.secho(f"error: {exc}", fg="red", err=True)
    sys.exit(exc.exit_code)


def selected_profile(options: Options, explicit: str | None = None) -> Profile:
    """The profile a command works on: --profile, $DRCONSOLE_PROFILE, --lab, or the only one."""
    from drconsole.errors import ProfileError
    from drconsole.profile import active_profile_name, list_profiles, load_profile

    name = explicit or options.profile
    if options.lab and not name:
        from drconsole.cli.lab_cmd import ensure_lab

        return ensure_lab()
    name = active_profile_name(name)
    if not name:
        known = list_profiles()
        raise ProfileError(
            "no profile selected" if known else "no profile yet",
            fix=(f"pass --profile with one of: {', '.join(known)}" if known
                 else "run `drconsole setup` for your environment, or `drconsole lab up` for the local lab"))
    return load_profile(name)


pass_options = click.make_pass_decorator(Options, ensure=True)

F = TypeVar("F", bound=Callable[..., Any])


def profile_option(fn: F) -> F:
    """`--profile` on a subcommand too (`drconsole check --profile P`), same as the global option."""

    def remember(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
        if value:
            ctx.ensure_object(Options).profile = value

    return click.option("--profile", "-p", expose_value=False, callback=remember,
                        help="Profile to use (as the global --profile).")(fn)
