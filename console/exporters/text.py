"""Small formatting helpers the renderers share."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from drconsole.exporters.record import NOT_RECORDED, RunRecord
from drconsole.results import Evidence


def when(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if ts else "—"


def runbook_line(record: RunRecord) -> str:
    """Which runbook the run followed, and whether its text was recorded with it."""
    book = record.runbook
    if not book.recorded:
        return f"{book.id or 'none'} (text {NOT_RECORDED})"
    return f"{book.id}, sha256 {(book.sha256 or '')[:12]} (full text recorded with the run)"


def evidence_text(evidence: Evidence, limit: int = 2000) -> str:
    answer: Any = evidence.answer
    body = answer if isinstance(answer, str) else json.dumps(answer, indent=2, default=str, sort_keys=True)
    if len(body) > limit:
        body = body[:limit] + f"\n… ({len(body) - limit} more characters)"
    timing = f" ({evidence.ms:.0f} ms)" if evidence.ms is not None else ""
    asked = f"\nasked: {evidence.asked}" if evidence.asked else ""
    return f"{evidence.source}{timing}{asked}\n{body}"
