"""Small formatting helpers the renderers share."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from drconsole.results import Evidence


def when(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if ts else "—"


def evidence_text(evidence: Evidence, limit: int = 2000) -> str:
    answer: Any = evidence.answer
    body = answer if isinstance(answer, str) else json.dumps(answer, indent=2, default=str, sort_keys=True)
    if len(body) > limit:
        body = body[:limit] + f"\n… ({len(body) - limit} more characters)"
    timing = f" ({evidence.ms:.0f} ms)" if evidence.ms is not None else ""
    asked = f"\nasked: {evidence.asked}" if evidence.asked else ""
    return f"{evidence.source}{timing}{asked}\n{body}"
