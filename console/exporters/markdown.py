"""A GitHub-flavoured Markdown checklist, ready to paste into a change ticket."""

from __future__ import annotations

from drconsole.exporters.record import NOT_RECORDED, RunRecord
from drconsole.exporters.text import runbook_line, when
from drconsole.results import Status

MARK = {"done": "x"}  # every other state is an open box


def render(record: RunRecord) -> str:
    run = record.run
    lines = [f"# {record.runbook_title}", ""]
    if record.production:
        lines += ["> **PRODUCTION** profile", ""]
    if run.rehearsal:
        lines += ["> Rehearsal (game day)", ""]
    lines += [
        f"- Run #{run.id} ({run.kind}) on profile `{run.profile}` by {run.operator}",
        f"- Started {when(run.started)}, finished {when(run.finished)}, outcome **{run.outcome or 'unfinished'}**",
        f"- Checks: {record.totals.checks} ("
        + ", ".join(f"{n} {s}" for s, n in record.totals.by_status.items() if n) + ")",
        f"- Runbook: {runbook_line(record)}",
        f"- Profile as it was at the start: {'recorded (in the JSON export)' if record.profile else NOT_RECORDED}",
        f"- drconsole {record.tool_version}",
    ]
    if record.recovery_seconds is not None:
        lines.append(f"- Measured recovery time: **{record.recovery_seconds:.1f} s**")
    section = None
    for step in record.steps:
        if step.section != section:
            section = step.section
            lines += ["", f"## {section or 'Steps'}", ""]
        optional = " _(optional)_" if step.optional else ""
        lines.append(f"- [{MARK.get(step.state, ' ')}] **{step.title}** (`{step.id}`) — {step.state}{optional}")
        for c in step.confirmations:
            who = f" — {c.operator}, {when(c.at)}" + (f": {c.note}" if c.note else "") if c.confirmed else ""
            lines.append(f"  - [{'x' if c.confirmed else ' '}] {c.text}{who}")
        for r in step.checks:
            code = f" **{r.code}**" if r.code else ""
            lines.append(f"  - [{'x' if r.status is Status.PASS else ' '}] {r.status.symbol} `{r.check}`"
                         f"{f' (zone {r.zone})' if r.zone else ''}:{code} {r.summary} ({r.duration_ms:.0f} ms)")
            if r.status is not Status.PASS and r.remedy:
                lines.append(f"    - fix: {r.remedy}")
        for a in step.actions:
            ids = f" — request IDs {', '.join(a.request_ids)}" if a.request_ids else ""
            lines.append(f"  - [{'x' if a.state in ('succeeded', 'already-done') else ' '}] action `{a.action}`: "
                         f"{a.state}{ids}")
            if a.recovery_s is not None:
                lines.append(f"    - measured recovery time {a.recovery_s:.1f} s (zone {a.served_zone} serves)")
            if a.override:
                lines.append(f"    - **OVERRIDE** of rule `{a.override.rule}`: {a.override.reason}")
    return "\n".join(lines) + "\n"
