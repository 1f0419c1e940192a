"""`drconsole export`: the record of a run as Markdown, HTML, JSON or JUnit XML."""

from __future__ import annotations

from pathlib import Path

import click

from drconsole.cli.common import Options, pass_options, profile_option, selected_profile


@click.command()
@click.option("--run", "run_id", type=int, help="Which run (see `drconsole journal`); default: the last one.")
@click.option("--last", is_flag=True, help="The last run (the default).")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json", "junit"]), default="md",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
@profile_option
@pass_options
def export(options: Options, run_id: int | None, last: bool, fmt: str, output: str | None) -> None:
    """Export a run: steps, confirmations, checks with evidence, actions with who/when/request IDs."""
    from drconsole.app import records
    from drconsole.journal import Journal

    if run_id is not None and last:
        raise click.UsageError("give either --run or --last")
    profile = selected_profile(options)
    journal = Journal.for_profile(profile.name)
    try:
        damage = journal.verify()
        if damage is not None:
            raise damage
        chosen = records.chosen_run(journal, run_id)
        text = records.render_run(journal, chosen, fmt)
    finally:
        journal.close()
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {fmt} export of run #{chosen} to {output}", err=True)
    else:
        click.echo(text, nl=False)
