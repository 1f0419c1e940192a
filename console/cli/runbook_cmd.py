"""`drconsole runbook`: list, show and validate runbooks."""

from __future__ import annotations

import click

from drconsole.cli.common import warn_broken_plugins


@click.group()
def runbook() -> None:
    """Runbooks: the procedures as checklists of steps, checks and actions."""


@runbook.command("list")
def list_() -> None:
    """List the runbooks: the shipped ones and the site's."""
    from drconsole.runbooks.loader import available_runbooks, load_runbook

    for name, path in sorted(available_runbooks().items()):
        book = load_runbook(path, check_names=False)
        click.echo(f"{name}\t{book.kind}\t{len(book.steps)} steps\t{book.title}")


@runbook.command()
@click.argument("name_or_file")
def show(name_or_file: str) -> None:
    """Show a runbook's steps with their checks, actions and confirmations."""
    from drconsole.runbooks.loader import load_runbook

    book = load_runbook(name_or_file)
    click.echo(f"{book.title} ({book.id}, {book.kind})\n{book.summary.strip()}\n")
    section = None
    for step in book.steps:
        if step.section != section:
            section = step.section
            click.echo(f"\n{section}")
        flags = " (optional)" if step.optional else ""
        click.echo(f"  {step.id}: {step.title}{flags}")
        for item in step.confirm:
            click.echo(f"      [ ] {item.text}")
        for ref in step.checks:
            click.echo(f"      check  {ref.use}" + (f" (zone {ref.zone})" if ref.zone else ""))
        for ref in step.actions:
            click.echo(f"      action {ref.use}")


@runbook.command()
@click.argument("file", type=click.Path(dir_okay=False))
def validate(file: str) -> None:
    """Validate a runbook file: every problem with file:line:column and how to fix it."""
    from drconsole.runbooks.loader import load_runbook

    book = load_runbook(file)
    click.echo(f"{file}: valid ({len(book.steps)} steps)")


@runbook.command()
def checks() -> None:
    """List the registered checks a runbook may use."""
    from drconsole.registry import load_checks

    for name, spec in sorted(load_checks().items()):
        click.echo(f"{name}\t{spec.family}\t{spec.title}")
    warn_broken_plugins()


@runbook.command()
def actions() -> None:
    """List the registered actions a runbook may use."""
    from drconsole.registry import load_actions

    for name, spec in sorted(load_actions().items()):
        click.echo(f"{name}\t{getattr(spec, 'risk', '')}\t{getattr(spec, 'title', '')}")
    warn_broken_plugins()
