"""Keeping a journal: a consistent copy taken while others write, and pruning old sweep results.

A backup uses SQLite's online backup API from a read transaction, so it is one consistent snapshot even
while the console, `drconsole check` or a watcher keep writing (WAL lets them go on). Pruning deletes only
the check results of sweeps (and zone-probe runs) older than the retention; the run rows stay, and so does
every run that holds an action event, a step event or a confirmation, and the newest run of each kind and
runbook. Each prune is itself recorded as a run of kind `prune`.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from drconsole.journal import Journal
from drconsole.journal_db import GuardedConnection, JournalError, as_journal_error
from drconsole.journal_recover import dated_name

PRUNABLE_KINDS = ("sweep", "probe")
DAY_S = 86_400.0


@dataclass
class Backup:
    path: Path
    runs: int
    results: int
    action_events: int
    size: int


def default_backup_path(journal: Journal) -> Path:
    return dated_name(journal.path.parent / "backups" / journal.path.name, "backup")


def backup(journal: Journal, target: Path) -> Backup:
    """Copy `journal` to `target` (atomically: a partial copy never carries the target's name) and check it."""
    partial = target.with_name(target.name + ".partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
        copy = sqlite3.connect(partial)
    except (OSError, sqlite3.Error) as exc:
        raise _target_error(exc, target) from None
    try:
        journal.db.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        verdict = str(copy.execute("PRAGMA quick_check(1)").fetchone()[0])
        counts = [int(copy.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
                  for t in ("runs", "check_results", "action_events")]
    except sqlite3.Error as exc:
        copy.close()
        partial.unlink(missing_ok=True)
        raise _target_error(exc, target) from None
    copy.close()
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise JournalError("damaged", target, f"the copy failed SQLite's quick_check: {verdict}")
    os.replace(partial, target)
    runs, results, events = counts
    return Backup(target, runs, results, events, target.stat().st_size)


def _target_error(exc: OSError | sqlite3.Error, target: Path) -> JournalError:
    if isinstance(exc, sqlite3.Error):
        return as_journal_error(exc, target)
    problem = "full" if exc.errno == errno.ENOSPC else \
        "read-only" if exc.errno in (errno.EACCES, errno.EROFS) else "unreadable"
    return JournalError(problem, target, exc.strerror or str(exc))


@dataclass
class Pruned:
    runs: int  # sweep runs whose results were deleted
    results: int


def prune(journal: Journal, *, keep_days: float, operator: str, dry_run: bool = False,
          now: float | None = None) -> Pruned:
    """Delete the check results of sweeps older than `keep_days`, except in runs that hold actions,
    step events or confirmations and the newest run of each kind and runbook."""
    cutoff = (now if now is not None else time.time()) - keep_days * DAY_S
    kinds = ", ".join(f"'{k}'" for k in PRUNABLE_KINDS)
    chosen = (
        f"SELECT r.id FROM runs r WHERE r.kind IN ({kinds}) AND r.started < {cutoff!r} "
        "AND NOT EXISTS (SELECT 1 FROM action_events a WHERE a.run_id = r.id) "
        "AND NOT EXISTS (SELECT 1 FROM step_events s WHERE s.run_id = r.id) "
        "AND NOT EXISTS (SELECT 1 FROM confirmations c WHERE c.run_id = r.id) "
        f"AND r.id NOT IN (SELECT MAX(id) FROM runs WHERE kind IN ({kinds}) GROUP BY kind, runbook) "
        "AND EXISTS (SELECT 1 FROM check_results x WHERE x.run_id = r.id)")

    def count(db: GuardedConnection) -> Pruned:
        runs = int(db.execute(f"SELECT COUNT(*) FROM ({chosen})").fetchone()[0])
        results = int(db.execute(f"SELECT COUNT(*) FROM check_results WHERE run_id IN ({chosen})").fetchone()[0])
        return Pruned(runs, results)

    if dry_run:
        return count(journal.db)
    if journal.cannot_write is not None:
        raise journal.cannot_write

    def delete(db: GuardedConnection) -> Pruned:
        found = count(db)
        db.execute(f"DELETE FROM check_results WHERE run_id IN ({chosen})")
        return found

    found = journal.writer.write(delete, durable=True)
    run = journal.start_run(kind="prune", profile=journal.path.stem, operator=operator,
                            note=f"kept {keep_days:g} days: deleted {found.results} results of {found.runs} sweeps")
    journal.finish_run(run, "pruned")
    return found
