"""`drconsole run`: execute a runbook's actions headless, with the console's plans, confirmations,
safety rules and journal. Exit 0 ok, 1 an action failed, 2 usage, 4 refused."""

from __future__ import annotations

import sys

import click

from drconsole.cli.common import Options, pass_options, selected_profile


def _overrides(values: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for value in values:
        rule, sep, reason = value.partition("=")
        if not sep or not rule.strip() or not reason.strip():
            raise click.BadParameter(f"{value!r}: write RULE=REASON (a reason is required)", param_hint="--override")
        found[rule.strip()] = reason.strip()
    return found


@click.command()
@click.argument("runbook_name", metavar="RUNBOOK")
@click.option("--profile", "-p", "profile_name", help="Profile to run against.")
@click.option("--step", "-s", "steps", multiple=True, help="Only this step's actions (repeatable).")
@click.option("--yes", "-y", is_flag=True, help="Confirm mutating actions (and saving created IDs).")
@click.option("--confirm-target", "targets", multiple=True, metavar="T",
              help="Type back the target of a destructive action (repeatable).")
@click.option("--override", "overrides", multiple=True, metavar="RULE=REASON",
              help="Break-glass: override a safety rule, with a reason (journaled).")
@click.option("--rehearsal", is_flag=True, help="Mark the run as a rehearsal; plans only unless the profile is a lab.")
@click.option("--read-only", "read_only", is_flag=True, help="Refuse every mutating action before any request.")
@pass_options
def run(options: Options, runbook_name: str, profile_name: str | None, steps: tuple[str, ...], yes: bool,
        targets: tuple[str, ...], overrides: tuple[str, ...], rehearsal: bool, read_only: bool) -> None:
    """Execute RUNBOOK's actions in order, headless."""
    from drconsole.actions.confirm import CliConfirmer
    from drconsole.actions.runner import Runner
    from drconsole.context import Context
    from drconsole.journal import Journal
    from drconsole.journal_db import JournalError
    from drconsole.runbooks.loader import load_runbook

    rules = _overrides(overrides)
    profile = selected_profile(options, profile_name)
    book = load_runbook(runbook_name)
    ctx = Context(profile, read_only=(read_only or options.read_only) or None)
    try:
        journal = Journal.for_profile(profile.name)
    except JournalError as exc:  # the runner refuses every action on it, saying why
        journal = Journal.unrecorded(exc)
    confirmer = CliConfirmer(yes=yes, targets=targets, overrides=rules)
    try:
        report = Runner(ctx, journal, book, confirmer, rehearsal=rehearsal, out=click.echo).run(steps)
    finally:
        ctx.close()
        journal.close()
    counts: dict[str, int] = {}
    for outcome in report.outcomes:
        counts[outcome.state] = counts.get(outcome.state, 0) + 1
    summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "no actions"
    failures = f"; verify failed: {'; '.join(report.verify_failures)}" if report.verify_failures else ""
    click.echo(f"\nrun {report.run_id}: {summary}{failures}")
    sys.exit(report.exit_code)
