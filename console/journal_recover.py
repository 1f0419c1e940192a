"""`journal recover`: copy every readable row of a damaged journal into a new one.

The damaged file (and its WAL) is first copied byte for byte beside the journal under a dated name, so
nothing is lost by recovering. Rows are read in rowid order; where a damaged page stops the scan, the rest
of the table is read from the top down and the gap between is probed row by row, so one bad page costs only
the rows on it. Rows keep their ids, so results, events and confirmations still point at their runs.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drconsole.journal import Journal
from drconsole.journal_db import JournalError, as_journal_error

PROBE_PAST_END = 1000  # when a table's last id cannot be read: consecutive missing ids that end the search


@dataclass
class TableSalvage:
    table: str
    saved: int = 0
    lost: int = 0
    end_unknown: bool = False  # the table's last page was unreadable: more rows may be lost than counted


@dataclass
class Recovery:
    journal: Path
    damaged_copy: Path
    tables: list[TableSalvage] = field(default_factory=list)

    def table(self, name: str) -> TableSalvage:
        return next(t for t in self.tables if t.table == name)

    @property
    def lost(self) -> int:
        return sum(t.lost for t in self.tables)


def dated_name(path: Path, label: str, now: dt.datetime | None = None) -> Path:
    stamp = (now or dt.datetime.now(tz=dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    return path.with_name(f"{path.stem}.{label}-{stamp}{path.suffix}")


def _companions(path: Path) -> list[Path]:
    return [path, Path(f"{path}-wal"), Path(f"{path}-shm")]


def recover(path: Path, *, operator: str) -> Recovery:
    """Salvage `path` into a new journal at the same path; the damaged file stays beside it."""
    if not path.exists():
        raise JournalError("unreadable", path, "there is no journal file to recover")
    kept = dated_name(path, "damaged")
    while kept.exists():  # never overwrite an earlier damaged copy
        kept = kept.with_name(f"{kept.stem}+{kept.suffix}")
    fresh = path.with_name(f"{path.stem}.recovering{path.suffix}")
    try:
        for original, copy in zip(_companions(path)[:2], _companions(kept)[:2], strict=True):
            if original.exists():
                shutil.copy2(original, copy)
        for leftover in _companions(fresh):
            leftover.unlink(missing_ok=True)
    except OSError as exc:
        raise JournalError("full" if exc.errno == errno.ENOSPC else "read-only", path, str(exc)) from None
    recovery = Recovery(path, kept)
    try:
        source = sqlite3.connect(path)  # the copy stays byte for byte as found; this one is replaced below
    except sqlite3.Error as exc:
        raise as_journal_error(exc, path) from None
    source.text_factory = lambda raw: raw.decode("utf-8", "replace")
    target = Journal(fresh)
    try:
        tables = [str(r[0]) for r in target.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rootpage")]
        for table in tables:
            recovery.tables.append(_salvage(source, target, table))
        summary = ", ".join(f"{t.table} {t.saved} saved {t.lost} lost" for t in recovery.tables)
        run = target.start_run(kind="recover", profile=path.stem, operator=operator,
                               note=f"salvaged from {kept.name}: {summary}")
        target.finish_run(run, "recovered" if recovery.lost == 0 else "recovered-with-losses")
    finally:
        source.close()
        target.close()
    for stale in _companions(path)[1:]:
        stale.unlink(missing_ok=True)
    os.replace(fresh, path)
    _fsync_dir(path.parent)
    return recovery


def _columns(db: Any, table: str) -> list[str]:
    return [str(row[1]) for row in db.execute(f"PRAGMA table_info({table})")]


def _salvage(source: sqlite3.Connection, target: Journal, table: str) -> TableSalvage:
    found = TableSalvage(table)
    try:
        columns = [c for c in _columns(target.db, table) if c in set(_columns(source, table))]
    except sqlite3.Error:
        found.end_unknown = True  # the schema itself is unreadable: nothing of this table can be counted
        return found
    if not columns:
        return found
    select = f"SELECT rowid, {', '.join(columns)} FROM {table}"
    rows, last, complete = _scan(source, select + " ORDER BY rowid", after=0)
    if not complete:
        top, _, _ = _scan(source, select + " WHERE rowid > ? ORDER BY rowid DESC", after=last)
        end = min(r[0] for r in top) if top else _last_rowid(source, table)
        rows += _probe(source, select, last, end, found)
        rows += top
    insert = f"INSERT INTO {table}({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"

    def copy(db: Any) -> int:
        saved = 0
        for row in rows:
            try:
                db.execute(insert, tuple(row[1:]))
                saved += 1
            except JournalError:
                found.lost += 1  # a row whose bytes were damaged into something the schema rejects
        return saved

    found.saved = target.writer.write(copy, durable=True)
    return found


def _scan(db: sqlite3.Connection, sql: str, *, after: int) -> tuple[list[Any], int, bool]:
    """Rows of `sql` until the first unreadable page: (rows, last rowid read, whether the scan finished)."""
    rows: list[Any] = []
    last = after
    try:
        for row in db.execute(sql, (after,) if "?" in sql else ()):
            rows.append(row)
            last = int(row[0])
        return rows, last, True
    except sqlite3.Error:
        return rows, last, False


def _last_rowid(db: sqlite3.Connection, table: str) -> int | None:
    try:
        value = db.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0]
    except sqlite3.Error:
        return None
    return None if value is None else int(value) + 1


def _probe(db: sqlite3.Connection, select: str, low: int, end: int | None, found: TableSalvage) -> list[Any]:
    """Read ids low+1 … end-1 one by one; an unreadable id counts as lost. With no known end, stop after
    PROBE_PAST_END ids in a row that are missing or unreadable."""
    rows: list[Any] = []
    rowid, misses, pending = low, 0, 0
    while True:
        rowid += 1
        if end is not None and rowid >= end:
            break
        if end is None and misses >= PROBE_PAST_END:
            found.end_unknown = True
            break
        try:
            row = db.execute(select + " WHERE rowid = ?", (rowid,)).fetchone()
        except sqlite3.Error:
            pending += 1
            misses += 1
            continue
        if row is None:
            misses += 1
            continue
        found.lost += pending  # unreadable ids before a readable one certainly held rows
        pending, misses = 0, 0
        rows.append(row)
    if end is not None:
        found.lost += pending
    return rows


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
