"""Rich text for results, plans and evidence (shared by the screens)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich.text import Text

if TYPE_CHECKING:
    from drconsole.results import CheckResult

STATUS_STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red", "error": "magenta", "skipped": "dim",
                "unknown": "dim", "running": "cyan"}
OTHER_SYMBOLS = {"unknown": "·", "running": "…"}  # states of a cell or a check that are no status
STATE_STYLE = {"not started": "dim", "in progress": "cyan", "done": "green", "failing": "bold red",
               "blocked": "yellow"}


def symbol(state: str) -> str:
    """A status's symbol (drconsole.results), or the console's own for `unknown` and `running`."""
    if state in OTHER_SYMBOLS:
        return OTHER_SYMBOLS[state]
    from drconsole.results import Status

    try:
        return Status(state).symbol
    except ValueError:
        return "?"


def status_text(status: str) -> Text:
    return Text(f"{symbol(status)} {status}", style=STATUS_STYLE.get(status, ""))


def short(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def result_detail(result: CheckResult) -> Text:
    """Everything an operator needs about one result: what, why, what to do, what was observed."""
    out = Text()
    out.append(f"{result.title}\n", style="bold")
    out.append_text(status_text(result.status.value))
    out.append(f"  {result.summary}\n")
    if result.cause:
        out.append("cause: ", style="bold")
        out.append(f"{result.cause}\n")
    if result.remedy:
        out.append("remedy: ", style="bold yellow")
        out.append(f"{result.remedy}\n")
    if result.fix_step:
        out.append("fixed by step: ", style="bold")
        out.append(f"{result.fix_step}\n")
    for evidence in result.evidence:
        out.append("evidence ", style="dim")
        out.append(evidence.source, style="cyan")
        if evidence.asked:
            out.append(f" asked {short(evidence.asked, 120)}")
        out.append("\n  ")
        out.append(short(evidence.answer))
        out.append("\n")
    return out
