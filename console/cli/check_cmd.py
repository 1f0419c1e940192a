"""`drconsole check`: a headless sweep with exit codes CI can gate on."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import TYPE_CHECKING

import click

from drconsole.cli.common import Options, pass_options, selected_profile

if TYPE_CHECKING:
    from drconsole.results import CheckResult

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_UNEVALUATED = 0, 1, 2, 3


@click.command()
@click.option("--runbook", "-r", "runbook_name", default="zone-dr-hybrid", show_default=True)
@click.option("--step", "-s", "steps", multiple=True, help="Only this step's checks (repeatable).")
@click.option("--only", "only", multiple=True, help="Only these checks: key, id or name (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report here instead of stdout.")
@click.option("--fail-on", type=click.Choice(["warn", "fail"]), default="fail", show_default=True,
              help="Lowest status that makes the exit code non-zero.")
@pass_options
def check(options: Options, runbook_name: str, steps: tuple[str, ...], only: tuple[str, ...], fmt: str,
          output: str | None, fail_on: str) -> None:
    """Run checks headless. Exit 0 all pass, 1 any fail, 2 usage/profile error, 3 could not evaluate."""
    from drconsole.context import Context
    from drconsole.journal import Journal
    from drconsole.runbooks.loader import load_runbook
    from drconsole.sweeps import invocations, journaled_sweep

    profile = selected_profile(options)
    book = load_runbook(runbook_name)
    chosen = invocations(book, steps=steps, only=only)
    ctx = Context(profile, read_only=options.read_only or None)
    journal = Journal.for_profile(profile.name)
    colour = fmt == "text" and output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    started = time.monotonic()

    async def run() -> list[CheckResult]:
        collected: list[CheckResult] = []
        async for result in journaled_sweep(ctx, journal, book, chosen):
            collected.append(result)
            if fmt == "text" and output is None:
                click.echo(_line(result, colour))
        return collected

    try:
        results = asyncio.run(run())
    finally:
        ctx.close()
        journal.close()
    elapsed = time.monotonic() - started
    report = _json(results) if fmt == "json" else _closing(results, elapsed)
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            if fmt == "text":
                handle.write("\n".join(_line(r, False) for r in results) + "\n")
            handle.write(report)
    else:
        click.echo(report, nl=False)
    sys.exit(exit_code(results, fail_on))


def exit_code(results: list[CheckResult], fail_on: str = "fail") -> int:
    statuses = {r.status.value for r in results}
    if "fail" in statuses or (fail_on == "warn" and "warn" in statuses):
        return EXIT_FAIL
    if "error" in statuses:
        return EXIT_UNEVALUATED
    return EXIT_PASS


def _line(result: CheckResult, colour: bool) -> str:
    symbol = result.status.symbol
    if colour:
        symbol = click.style(symbol, fg={"pass": "green", "fail": "red", "warn": "yellow", "error": "magenta",
                                         "skipped": "bright_black"}[result.status.value])
    zone = f" [zone {result.zone}]" if result.zone else ""
    return f"{symbol} {result.key}{zone}: {result.summary} ({result.duration_ms:.0f} ms)"


def _closing(results: list[CheckResult], elapsed: float) -> str:
    failed = [r for r in results if r.status.value == "fail"]
    errors = [r for r in results if r.status.value == "error"]
    lines = [f"\n{len(failed)}/{len(results)} checks failed ({len(errors)} could not be evaluated), {elapsed:.1f} s"]
    for r in results:
        if r.status.value in ("fail", "error", "warn", "skipped"):
            lines.append(f"  {r.status.symbol} {r.key}: {r.summary}")
            if r.cause and r.cause != r.summary:
                lines.append(f"      why: {r.cause}")
            if r.remedy:
                step = f" (step {r.fix_step})" if r.fix_step else ""
                lines.append(f"      fix: {r.remedy}{step}")
    return "\n".join(lines) + "\n"


def _json(results: list[CheckResult]) -> str:
    import json

    return json.dumps([r.model_dump(mode="json") for r in results], indent=2) + "\n"
