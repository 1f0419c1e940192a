"""`drconsole check`: a headless sweep with exit codes CI can gate on."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from drconsole.cli.common import Options, pass_options, profile_option, selected_profile

if TYPE_CHECKING:
    from drconsole.journal import Journal
    from drconsole.results import CheckResult

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_UNEVALUATED = 0, 1, 2, 3
COLOURS = {"pass": "green", "fail": "red", "warn": "yellow", "error": "magenta", "skipped": "bright_black"}


@click.command()
@click.option("--runbook", "-r", "runbook_name", default="zone-dr-hybrid", show_default=True)
@click.option("--step", "-s", "steps", multiple=True, help="Only this step's checks (repeatable).")
@click.option("--only", "only", multiple=True, help="Only these checks: key, id or name (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit", "md"]), default="text",
              show_default=True, help="json follows the schema drconsole.run/2; junit suits CI test reports.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report here instead of stdout.")
@click.option("--fail-on", type=click.Choice(["warn", "fail"]), default="fail", show_default=True,
              help="Lowest status that makes the exit code non-zero.")
@click.option("--bundle", type=click.Path(file_okay=False), help="Write the raw evidence of every non-pass check "
              "into a timestamped folder under this directory.")
@click.option("--since-last-pass", is_flag=True, help="Mark what changed since the last run where all passed.")
@profile_option
@pass_options
def check(options: Options, runbook_name: str, steps: tuple[str, ...], only: tuple[str, ...], fmt: str,
          output: str | None, fail_on: str, bundle: str | None, since_last_pass: bool) -> None:
    """Run checks headless. Exit 0 all pass, 1 any fail, 2 usage/profile error, 3 could not evaluate."""
    from drconsole.app import checking
    from drconsole.app.records import render_run
    from drconsole.context import Context
    from drconsole.engine import hidden_by
    from drconsole.journal import journal_for_checks, not_recorded
    from drconsole.runbooks.loader import load_runbook
    from drconsole.runs import begin_run
    from drconsole.sweeps import invocations

    profile = selected_profile(options)
    book = load_runbook(runbook_name)
    chosen = invocations(book, steps=steps, only=only)
    ctx = Context(profile, read_only=options.read_only or None)
    streaming = fmt == "text" and output is None
    colour = streaming and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    started = time.monotonic()
    journal, run_id = journal_for_checks(
        profile.name, _shout, lambda j: begin_run(j, kind="sweep", profile=profile, operator=ctx.operator,
                                                  runbook=book))
    recording = journal.problem is None
    results: list[CheckResult] = []

    def collect(result: CheckResult) -> None:
        results.append(result)
        if streaming:
            click.echo(_line(result, colour))

    try:
        checking.sweep(ctx, journal, book, chosen, collect, run_id=run_id)
        hidden = hidden_by(ctx)
        if fmt == "text":
            report = ("" if streaming else "\n".join(_line(r, False) for r in results) + "\n")
            report += _closing(results, time.monotonic() - started)
            if since_last_pass:
                report += _changes(journal, book.id, run_id, results)
        else:
            report = render_run(journal, run_id, fmt)
        if bundle:
            folder = write_bundle(Path(bundle), results, hidden)
            report += f"evidence bundle: {folder}\n" if fmt == "text" else ""
            click.echo(f"evidence bundle: {folder}", err=fmt != "text")
    finally:
        ctx.close()
        journal.close()
    if recording and journal.problem is not None:
        _shout(not_recorded(journal.problem) + " (from the first result that could not be written)")
    if output:
        Path(output).write_text(report, encoding="utf-8")
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


def _shout(message: str) -> None:
    click.secho(f"warning: {message}", fg="yellow", bold=True, err=True)


def _line(result: CheckResult, colour: bool) -> str:
    symbol = result.status.symbol
    if colour:
        symbol = click.style(symbol, fg=COLOURS[result.status.value])
    zone = f" [zone {result.zone}]" if result.zone else ""
    return f"{symbol} {result.key}{zone}: {result.summary} ({result.duration_ms:.0f} ms)"


def _closing(results: list[CheckResult], elapsed: float) -> str:
    from drconsole.results import Status

    failed = [r for r in results if r.status is Status.FAIL]
    errors = [r for r in results if r.status is Status.ERROR]
    lines = [f"\n{len(failed)}/{len(results)} checks failed ({len(errors)} could not be evaluated), {elapsed:.1f} s"]
    for r in results:
        if r.status is not Status.PASS:
            lines.append(f"  {r.status.symbol} {r.key}: {r.code}: {r.summary}")
            if r.cause and r.cause != r.summary:
                lines.append(f"      why: {r.cause}")
            if r.remedy:
                step = f" (step {r.fix_step})" if r.fix_step else ""
                lines.append(f"      fix: {r.remedy}{step}")
    return "\n".join(lines) + "\n"


def _changes(journal: Journal, runbook: str, run_id: int, results: list[CheckResult]) -> str:
    from drconsole.sweeps import changes_since, last_passing_run

    baseline = last_passing_run(journal, runbook, run_id)
    if baseline is None:
        return "no earlier run where every check passed; nothing to compare with\n"
    changed = changes_since(journal, baseline, results)
    lines = [f"changed since the last all-pass run #{baseline}: {len(changed)}"]
    lines += [f"  {key}: {then} -> {now}" for key, then, now in changed]
    return "\n".join(lines) + "\n"


def write_bundle(root: Path, results: list[CheckResult], hidden: tuple[str, ...]) -> Path:
    """A timestamped folder with the raw evidence of every non-pass check, secrets masked."""
    import datetime as dt
    import json

    from drconsole.results import Status
    from drconsole.secrets import mask

    folder = root / dt.datetime.now(tz=dt.UTC).strftime("drconsole-evidence-%Y%m%dT%H%M%SZ")
    folder.mkdir(parents=True, exist_ok=True)
    index = []
    for result in results:
        if result.status is Status.PASS:
            continue
        name = result.key.replace("/", "__") + ".json"
        body = json.dumps(result.model_dump(mode="json"), indent=2, sort_keys=True, default=str)
        (folder / name).write_text(mask(body, *hidden), encoding="utf-8")
        index.append(f"{result.status.value}\t{result.key}\t{mask(result.summary, *hidden)}\t{name}")
    (folder / "index.tsv").write_text("status\tcheck\tsummary\tfile\n" + "\n".join(index) + "\n", encoding="utf-8")
    return folder
