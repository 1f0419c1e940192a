"""`drconsole journal`: the audit trail of a profile."""

from __future__ import annotations

import datetime as dt

import click

from drconsole.cli.common import Options, pass_options, profile_option, selected_profile


def _when(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S") if ts else "-"


@click.command()
@click.option("--limit", default=20, show_default=True, help="How many runs to list.")
@profile_option
@pass_options
def journal(options: Options, limit: int) -> None:
    """List runs, their outcomes, and every action event (who, when, what)."""
    from drconsole.journal import Journal

    chosen = selected_profile(options)
    book = Journal.for_profile(chosen.name)
    try:
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
