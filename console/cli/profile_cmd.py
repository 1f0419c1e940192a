"""`drconsole profile`: list, show, validate profiles; store the AccessKey secret in the keyring."""

from __future__ import annotations

import sys

import click

from drconsole.cli.common import Options, pass_options, profile_option, selected_profile


@click.group()
def profile() -> None:
    """Profiles: one per environment (TOML in the config dir; secrets only in the keyring)."""


@profile.command("list")
def list_() -> None:
    """List the profiles."""
    from drconsole.profile import list_profiles, profile_path

    names = list_profiles()
    if not names:
        click.echo("no profiles yet: run `drconsole setup`, or `drconsole lab up` for the local lab")
    for name in names:
        click.echo(f"{name}\t{profile_path(name)}")


@profile.command()
@click.argument("name", required=False)
@profile_option
@pass_options
def show(options: Options, name: str | None) -> None:
    """Print a profile as TOML (it never holds a secret)."""
    click.echo(selected_profile(options, name).to_toml(), nl=False)


@profile.command()
@click.argument("name_or_file", required=False)
@profile_option
@pass_options
def validate(options: Options, name_or_file: str | None) -> None:
    """Check a profile (by name or TOML file) and say exactly what is wrong."""
    from drconsole.profile import load_profile

    loaded = load_profile(name_or_file) if name_or_file else selected_profile(options)
    click.echo(f"profile {loaded.name!r} is valid")


@profile.command("set-secret")
@click.option("--access-key-id", help="AccessKey ID (default: the profile's).")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the secret from standard input.")
@profile_option
@pass_options
def set_secret(options: Options, access_key_id: str | None, from_stdin: bool) -> None:
    """Store the AccessKey secret in the OS keyring (prompted without echo, or from stdin)."""
    from drconsole import secrets
    from drconsole.errors import ProfileError
    from drconsole.profile import save_profile

    chosen = selected_profile(options)
    akid = access_key_id or chosen.cloud.access_key_id
    if not akid:
        raise ProfileError("the profile has no cloud.access_key_id", fix="pass --access-key-id")
    secret = sys.stdin.readline().strip() if from_stdin else click.prompt("AccessKey secret", hide_input=True)
    secrets.store_secret(chosen.name, akid, secret)
    if chosen.cloud.access_key_id != akid:
        chosen.cloud.access_key_id = akid
        save_profile(chosen)
    click.echo(f"stored the secret for {akid} in the OS keyring (service {secrets.SERVICE!r})")


@profile.command("ram-policy")
@click.option("--read-only", is_flag=True, help="Only the reads: enough for checks, sweeps and `drconsole watch`.")
def ram_policy(read_only: bool) -> None:
    """Print a RAM policy (JSON) that grants every cloud API drconsole calls, for the profile's RAM identity."""
    import json

    from drconsole.ram import policy

    click.echo(json.dumps(policy(writes=not read_only), indent=2))
