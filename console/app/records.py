"""Exporting a run: the one service behind `drconsole export`, the `--format` of `drconsole check` and the
console's export dialog. The record comes from the journal alone (exporters/record.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from drconsole.errors import DrconsoleError

if TYPE_CHECKING:
    from drconsole.journal import Journal


def chosen_run(journal: Journal, run_id: int | None) -> int:
    """`run_id` if the journal has it, else the newest run; a clear error when there is none."""
    runs = journal.runs(limit=1) if run_id is None else [r for r in [journal.run(run_id)] if r]
    if not runs:
        raise DrconsoleError(f"no run {'#' + str(run_id) if run_id else 'yet'} in the journal {journal.path.name}",
                             fix="`drconsole journal` lists the runs; `drconsole check` records one")
    return int(runs[0]["id"])


def render_run(journal: Journal, run_id: int, fmt: str) -> str:
    """Run `run_id`'s record in `fmt` (md, html, json, junit)."""
    from drconsole.exporters import renderer
    from drconsole.exporters.record import build_record

    return renderer(fmt)(build_record(journal, run_id))


def export_run(journal: Journal, run_id: int, fmt: str, target: Path) -> Path:
    """Write run `run_id`'s record in `fmt` to `target`; returns the path written."""
    text = render_run(journal, run_id, fmt)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target
