"""`drconsole journal`: the audit trail of a profile, and its upkeep (recover, backup, prune)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from drconsole.cli.common import Options, pass_options, profile_option, selected_profile

EXIT_LOST = 1  # `journal recover` could not save every row


def _when(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S") if ts else "-"


@click.group(invoke_without_command=True)
@click.option("--limit", default=20, show_default=True, help="How many runs to list.")
@profile_option
@pass_options
def journal(options: Options, limit: int) -> None:
    """List runs, their outcomes, and every action event (who, when, what)."""
    if click.get_current_context().invoked_subcommand is not None:
        return
    from drconsole.journal import Journal

    chosen = selected_profile(options)
    book = Journal.for_profile(chosen.name)
    try:
        damage = book.verify()
        if damage is not None:
            raise damage
        if book.problem is not None:
            click.secho(f"warning: {book.problem}", fg="yellow", err=True)
        runs = book.runs(limit)
        if not runs:
            click.echo(f"the journal of {chosen.name!r} is empty")
        for run in runs:
            rehearsal = " [rehearsal]" if run["rehearsal"] else ""
            click.echo(f"#{run['id']} {_when(run['started'])} {run['kind']}{rehearsal} "
                       f"{run['runbook'] or ''} by {run['operator']}: {run['outcome'] or 'unfinished'}")
            for event in book.action_events(run_id=run["id"]):
                note = event["data"].get("summary") or event["data"].get("reason") or ""
                click.echo(f"    {_when(event['at'])} {event['action']} {event['kind']} by {event['operator']}"
                           f"{' as ' + event['identity'] if event['identity'] else ''} {note}".rstrip())
    finally:
        book.close()


@journal.command()
@profile_option
@pass_options
def recover(options: Options) -> None:
    """Save every readable row of a damaged journal into a new one; the damaged file stays beside it."""
    from drconsole.context import os_user
    from drconsole.journal import Journal, journal_path
    from drconsole.journal_db import JournalError
    from drconsole.journal_recover import recover as salvage

    path = journal_path(selected_profile(options).name)
    try:
        book = Journal(path)
        damage = book.verify()
        book.close()
    except JournalError as exc:
        if exc.problem != "damaged":
            raise
        damage = exc
    if damage is None:
        click.echo(f"{path}: the journal passes SQLite's quick_check; nothing to recover")
        return
    found = salvage(path, operator=os_user())
    click.echo(f"recovered {found.journal}\nthe damaged file is kept as {found.damaged_copy}")
    for table in found.tables:
        more = " (its last page was unreadable: more may be lost)" if table.end_unknown else ""
        click.echo(f"  {table.table:<14} {table.saved:>8} saved {table.lost:>6} lost{more}")
    if found.lost or any(t.end_unknown for t in found.tables):
        click.secho(f"{found.lost} row(s) could not be read; they may still be in {found.damaged_copy}",
                    fg="yellow", err=True)
        sys.exit(EXIT_LOST)


@journal.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the copy (default: backups/ beside the journal, dated).")
@profile_option
@pass_options
def backup(options: Options, output: Path | None) -> None:
    """Write a consistent copy of the journal while others keep writing (SQLite's online backup)."""
    from drconsole.journal import Journal
    from drconsole.journal_upkeep import backup as copy_journal
    from drconsole.journal_upkeep import default_backup_path

    book = Journal.for_profile(selected_profile(options).name)
    try:
        made = copy_journal(book, output or default_backup_path(book))
    finally:
        book.close()
    click.echo(f"wrote {made.path} ({made.size} bytes): {made.runs} runs, {made.results} check results, "
               f"{made.action_events} action events; the copy passes SQLite's quick_check")


@journal.command()
@click.option("--keep-days", type=click.IntRange(min=1), help="Override the profile's [journal] keep_sweep_days.")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
@profile_option
@pass_options
def prune(options: Options, keep_days: int | None, dry_run: bool) -> None:
    """Delete the check results of old sweeps; runs with actions or confirmations are kept whole."""
    from drconsole.context import os_user
    from drconsole.errors import DrconsoleError
    from drconsole.journal import Journal
    from drconsole.journal_upkeep import prune as prune_journal

    profile = selected_profile(options)
    days = keep_days or (profile.journal.keep_sweep_days if profile.journal else None)
    if days is None:
        raise DrconsoleError("no retention is set, so nothing is pruned",
                             where=f"profile {profile.name}",
                             fix="add `[journal]` with `keep_sweep_days = 90` to the profile, or pass --keep-days")
    book = Journal.for_profile(profile.name)
    try:
        found = prune_journal(book, keep_days=days, operator=os_user(), dry_run=dry_run)
    finally:
        book.close()
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"{verb} {found.results} check results of {found.runs} sweeps older than {days} days")
