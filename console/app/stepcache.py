"""The runbook's steps and their states as the console last showed them, kept between starts (in the state
dir, next to the journal) so the next start draws them before the profile, the runbook and the journal are
loaded. The entry is used only while the runbook file, the profile file and the journal are exactly as they
were when it was written (size and mtime); the console replaces what it drew from it as soon as the real
session is there."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from drconsole import paths

if TYPE_CHECKING:
    from drconsole.app.session import Session

VERSION = 1


@dataclass
class CachedStep:
    section: str | None
    id: str
    title: str
    state: str


@dataclass
class CachedView:
    title: str
    steps: list[CachedStep]


def _entry(profile: str, runbook: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in runbook)
    return paths.state_dir() / "startup" / f"{profile}--{safe}.json"


def _stamps(files: list[str]) -> dict[str, list[int] | None]:
    """Each file's mtime and size; None for a file that is not there (a journal's WAL comes and goes)."""
    stamps: dict[str, list[int] | None] = {}
    for name in files:
        try:
            info = os.stat(name)
        except OSError:
            stamps[name] = None
        else:
            stamps[name] = [info.st_mtime_ns, info.st_size]
    return stamps


def load(profile: str, runbook: str) -> CachedView | None:
    """The view saved for `profile` and `runbook` if nothing it was made from has changed since."""
    try:
        saved = json.loads(_entry(profile, runbook).read_text(encoding="utf-8"))
        if saved["version"] != VERSION or _stamps(list(saved["stamps"])) != saved["stamps"]:
            return None
        return CachedView(saved["title"], [CachedStep(*step) for step in saved["steps"]])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(session: Session, runbook: str) -> None:
    """Remember `runbook`'s steps and states for the next start; closes the session (its journal must be closed
    before the files are stamped)."""
    from drconsole.app import stepstate
    from drconsole.profile import profile_path
    from drconsole.runbooks.loader import find_runbook

    book = session.runbook(runbook)
    journal = session.journal
    states = stepstate.step_states(book.steps, journal.step_states(book.id), journal.confirmations(book.id),
                                   journal.latest_results(book.id))
    files = [str(find_runbook(runbook)), str(profile_path(session.profile.name)), str(journal.path),
             f"{journal.path}-wal"]
    session.close()
    entry = _entry(session.profile.name, runbook)
    body = {"version": VERSION, "stamps": _stamps(files), "title": book.title,
            "steps": [[s.section, s.id, s.title, states[s.id]] for s in book.steps]}
    with contextlib.suppress(OSError):
        entry.parent.mkdir(parents=True, exist_ok=True)
        scratch = entry.with_suffix(f".{os.getpid()}.tmp")
        scratch.write_text(json.dumps(body), encoding="utf-8")
        scratch.replace(entry)
