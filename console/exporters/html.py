"""One self-contained HTML page (inline CSS, no external assets) that also prints well."""

from __future__ import annotations

from html import escape

from drconsole.exporters.record import NOT_RECORDED, RunRecord, StepRecord
from drconsole.exporters.text import evidence_text, runbook_line, when
from drconsole.results import Status
from drconsole.topology import topology_svg

CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #1c1c1c; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 1.6rem;
  border-bottom: 1px solid #ddd; }
.meta { color: #555; } .banner { padding: .4rem .8rem; border-radius: 4px; font-weight: 600; }
.production { background: #c62828; color: #fff; } .rehearsal { background: #ef6c00; color: #fff; }
.step { margin: .6rem 0; padding: .5rem .8rem; border-left: 4px solid #bbb; background: #fafafa; }
.step.done { border-color: #2e7d32; } .step.failing { border-color: #c62828; }
.step.in-progress { border-color: #ef6c00; }
.status { display: inline-block; min-width: 4.2rem; font-weight: 600; }
.pass { color: #2e7d32; } .fail { color: #c62828; } .warn { color: #ef6c00; } .error { color: #6a1b9a; }
.skipped { color: #757575; } ul { margin: .3rem 0; padding-left: 1.2rem; }
pre { white-space: pre-wrap; font-size: 12px; background: #f1f1f1; padding: .5rem; }
.override { background: #fff3e0; border: 1px solid #ef6c00; padding: .2rem .4rem; }
svg { width: 100%; height: auto; margin: 1rem 0; }
@media print { body { margin: 0; max-width: none; } details { display: block; }
  details > summary { list-style: none; } details:not([open]) > *:not(summary) { display: block; }
  .step { break-inside: avoid; } }
"""


def render(record: RunRecord) -> str:
    run = record.run
    checks = [r for step in record.steps for r in step.checks]
    banners = []
    if record.production:
        banners.append('<p class="banner production">PRODUCTION profile</p>')
    if run.rehearsal:
        banners.append('<p class="banner rehearsal">Rehearsal (game day)</p>')
    counts = ", ".join(f"{n} {s}" for s, n in record.totals.by_status.items() if n) or "none"
    recovery = (f"<li>Measured recovery time: <strong>{record.recovery_seconds:.1f} s</strong></li>"
                if record.recovery_seconds is not None else "")
    body = [
        f"<h1>{escape(record.runbook_title)}</h1>", *banners,
        '<ul class="meta">',
        f"<li>Run #{run.id} ({escape(run.kind)}) on profile <code>{escape(run.profile)}</code> by "
        f"{escape(run.operator)}</li>",
        f"<li>Started {when(run.started)}, finished {when(run.finished)}, outcome "
        f"<strong>{escape(run.outcome or 'unfinished')}</strong></li>",
        f"<li>Checks: {record.totals.checks} ({escape(counts)}); actions: {record.totals.actions}; "
        f"overrides: {record.totals.overrides}</li>", recovery,
        f"<li>Runbook: {escape(runbook_line(record))}</li>",
        f"<li>Profile as it was at the start: {'recorded' if record.profile else NOT_RECORDED}</li>",
        f"<li>drconsole {escape(record.tool_version)}, exported {when(record.generated_at)}</li></ul>",
        "<h2>Topology</h2>", topology_svg(checks),
    ]
    section = None
    for step in record.steps:
        if step.section != section:
            section = step.section
            body.append(f"<h2>{escape(section or 'Steps')}</h2>")
        body.append(_step(step))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(record.runbook_title)} — run {run.id}</title><style>{CSS}</style></head>"
            f"<body>{''.join(body)}</body></html>\n")


def _step(step: StepRecord) -> str:
    items = []
    for c in step.confirmations:
        who = f" — {escape(c.operator or '')}, {when(c.at)}" if c.confirmed else ""
        note = f": {escape(c.note)}" if c.confirmed and c.note else ""
        items.append(f"<li>{'☑' if c.confirmed else '☐'} {escape(c.text)}{who}{note}</li>")
    for r in step.checks:
        zone = f" (zone {r.zone})" if r.zone else ""
        evidence = "".join(f"<pre>{escape(evidence_text(e))}</pre>" for e in r.evidence)
        why = f"<p>why: {escape(r.cause)}</p>" if r.cause and r.status is not Status.PASS else ""
        fix = f"<p>fix: {escape(r.remedy)}</p>" if r.remedy and r.status is not Status.PASS else ""
        code = f' <code class="finding">{escape(r.code)}</code>' if r.code else ""
        items.append(f'<li><details><summary><span class="status {r.status.value}">{r.status.value}</span> '
                     f"<code>{escape(r.check)}</code>{zone}:{code} {escape(r.summary)} ({r.duration_ms:.0f} ms)"
                     f"</summary>{why}{fix}{evidence}</details></li>")
    for a in step.actions:
        override = (f'<p class="override">OVERRIDE of rule <code>{escape(a.override.rule)}</code>: '
                    f"{escape(a.override.reason)}</p>" if a.override else "")
        if a.recovery_s is not None:
            override += (f"<p>measured recovery time <strong>{a.recovery_s:.1f} s</strong> "
                         f"(zone {escape(a.served_zone or '?')} serves)</p>")
        events = "".join(f"<li>{when(e.at)} {escape(e.kind)} by {escape(e.operator)}"
                         f"{' as ' + escape(e.identity) if e.identity else ''}</li>" for e in a.events)
        ids = f" — request IDs {escape(', '.join(a.request_ids))}" if a.request_ids else ""
        items.append(f"<li><details><summary>action <code>{escape(a.action)}</code>: {escape(a.state)}{ids}"
                     f"</summary>{override}<ul>{events}</ul></details></li>")
    css_state = step.state.replace(" ", "-")
    optional = " <em>(optional)</em>" if step.optional else ""
    return (f'<div class="step {css_state}"><strong>{escape(step.title)}</strong> <code>{escape(step.id)}</code> — '
            f"{escape(step.state)}{optional}<ul>{''.join(items)}</ul></div>")
