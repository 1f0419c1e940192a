"""`drconsole explain`: what a finding code means, why it happens and how to fix it."""

from __future__ import annotations

import click

from drconsole.cli.common import warn_broken_plugins


@click.command()
@click.argument("code", required=False)
@click.option("--markdown", is_flag=True, help="Print drconsole's own catalogue as the docs/findings.md reference.")
def explain(code: str | None, markdown: bool) -> None:
    """Explain a finding CODE (e.g. BGP-PEER-IDLE); without one, list every code (a site's too)."""
    from drconsole import findings
    from drconsole.registry import load_checks

    load_checks()  # a site's plugins bring their own findings
    warn_broken_plugins()
    if markdown:
        click.echo(findings.reference_markdown(), nl=False)
    elif code:
        click.echo(findings.explain(findings.lookup(code.upper())))
    else:
        for finding in sorted(findings.catalogue().values(), key=lambda f: f.code):
            click.echo(f"{finding.code}\t{finding.severity}\t{finding.title}")
