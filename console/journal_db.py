"""The journal's SQLite connection: how it is opened, checked, written and how its failures read.

Every SQLite failure reaches the operator as a `JournalError` with a code (damaged, full, read-only,
locked, unreadable), the file's path and the way out — never as a traceback. Writes take the write lock
up front (BEGIN IMMEDIATE) and, while another writer holds it, try again every few milliseconds for up to
`BUSY_TIMEOUT_S`. Opening quick_checks a small file at once and a large one in a `BackgroundCheck`.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

from drconsole.errors import DrconsoleError

INLINE_CHECK_MAX_BYTES = 8 * 1024 * 1024  # larger journals are quick_checked in the background (see performance.md)
FULL_BELOW_BYTES = 64 * 1024  # free space under which an I/O error is taken for a full disk
BUSY_TIMEOUT_S = 15.0  # how long a write waits for other writers before the journal counts as locked
RETRY_MAX_S = 0.004  # the longest pause between two tries for the write lock (jittered, so writers spread out)
JournalProblem = Literal["damaged", "full", "read-only", "locked", "unreadable"]
T = TypeVar("T")

_CODES: dict[int, JournalProblem] = {
    11: "damaged", 26: "damaged",  # SQLITE_CORRUPT, SQLITE_NOTADB
    13: "full",  # SQLITE_FULL
    8: "read-only",  # SQLITE_READONLY
    5: "locked", 6: "locked",  # SQLITE_BUSY, SQLITE_LOCKED
    14: "unreadable", 3: "unreadable", 10: "unreadable",  # SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_IOERR
}


class JournalError(DrconsoleError):
    """The journal cannot be read or written; `problem` says why, `path` which file."""

    def __init__(self, problem: JournalProblem, path: Path, detail: str) -> None:
        self.problem = problem
        self.path = path
        words = {"full": "on a full disk",
                 "locked": f"locked by another process for more than {BUSY_TIMEOUT_S:g} s"}.get(problem, problem)
        super().__init__(f"the journal is {words} ({detail})", where=str(path), fix=_fix(problem, path))


def _fix(problem: JournalProblem, path: Path) -> str:
    profile = path.stem
    return {
        "damaged": f"`drconsole journal recover --profile {profile}` saves every readable row into a new journal "
                   "and keeps the damaged file beside it",
        "full": f"free space on the disk that holds {path.parent}; nothing already written is lost",
        "read-only": f"make {path.parent} writable (it is mounted read-only or not yours); reading still works",
        "locked": "another drconsole (console, check, watcher) holds the journal's write lock; let it finish, "
                  "or find it with `fuser " + str(path) + "`",
        "unreadable": f"check that {path} and its directory exist and are readable and writable by you",
    }[problem]


def problem_of(exc: sqlite3.Error) -> JournalProblem:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and (code & 0xFF) in _CODES:
        return _CODES[code & 0xFF]
    if "decode" in str(exc) or not isinstance(exc, sqlite3.OperationalError):
        return "damaged"  # text that is not UTF-8 any more, or a DatabaseError without a code
    return "unreadable"


def as_journal_error(exc: sqlite3.Error, path: Path) -> JournalError:
    problem = problem_of(exc)
    if problem == "unreadable" and _disk_full(path):
        problem = "full"  # SQLite reports some writes that met ENOSPC (its shared memory) as I/O errors
    return JournalError(problem, path, str(exc))


class GuardedCursor(sqlite3.Cursor):
    """A cursor whose failures (also while rows are fetched) are `JournalError`s."""

    path: Path

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.Error as exc:
            raise as_journal_error(exc, self.path) from None

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.Error as exc:
            raise as_journal_error(exc, self.path) from None

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.Error as exc:
            raise as_journal_error(exc, self.path) from None


class GuardedConnection(sqlite3.Connection):
    """A connection whose statements fail as `JournalError`s naming the journal file."""

    path: Path

    def execute(self, sql: str, parameters: Any = (), /) -> GuardedCursor:
        cursor = self.cursor(GuardedCursor)
        cursor.path = self.path
        try:
            cursor.execute(sql, parameters)
        except sqlite3.Error as exc:
            raise as_journal_error(exc, self.path) from None
        return cursor


def connect(path: Path, *, read_only: bool = False, immutable: bool = False) -> GuardedConnection:
    """Open `path` with a busy timeout (`read_only`: mode=ro; `immutable`: SQLite takes no locks at all)."""
    try:
        if read_only:
            uri = f"file:{path}?mode=ro" + ("&immutable=1" if immutable else "")
            db = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                 check_same_thread=False, factory=GuardedConnection)
        else:
            db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False,
                                 factory=GuardedConnection)
    except sqlite3.Error as exc:
        raise as_journal_error(exc, path) from None
    db.path = path
    db.row_factory = sqlite3.Row
    return db


def quick_check(db: GuardedConnection) -> str | None:
    """None when SQLite's quick_check finds the file sound, else its first complaint."""
    verdict = str(db.execute("PRAGMA quick_check(1)").fetchone()[0])
    return None if verdict == "ok" else verdict


def run_while_busy(db: GuardedConnection, statement: str) -> None:
    """`statement`, retried while another writer holds the lock, until BUSY_TIMEOUT_S has passed. SQLite's busy
    handler is not enough on its own: a connection that already reads gets SQLITE_BUSY at once, without waiting,
    when another takes the write lock first (as when several processes make the same new journal WAL)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            db.execute(statement)
            return
        except JournalError as exc:
            if exc.problem != "locked" or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.0005, RETRY_MAX_S))


class Writer:
    """Serialises this process's writes to one connection and retries a busy write lock until the timeout."""

    def __init__(self, db: GuardedConnection, path: Path) -> None:
        self.db = db
        self.path = path
        self._lock = threading.Lock()

    def write(self, fn: Callable[[GuardedConnection], T], *, durable: bool = False) -> T:
        """Run `fn` in one write transaction; `durable` fsyncs the WAL at commit (synchronous=FULL).

        While it writes, SQLite's own busy handler is off: it sleeps up to 100 ms between tries, so with
        several writers the lock would sit free; `run_while_busy` retries within a few milliseconds instead."""
        with self._lock:
            self.db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            self.db.execute("PRAGMA busy_timeout=0")
            try:
                run_while_busy(self.db, "BEGIN IMMEDIATE")
                try:
                    value = fn(self.db)
                    run_while_busy(self.db, "COMMIT")
                except BaseException:
                    self._rollback()
                    raise
                return value
            finally:
                self.db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")

    def _rollback(self) -> None:
        if self.db.in_transaction:
            with contextlib.suppress(JournalError):  # SQLite rolled back itself after a failed commit
                self.db.execute("ROLLBACK")


def _writable(path: Path) -> bool:
    """access(2) also says no on a read-only mount, which root's writes would otherwise only meet later."""
    return os.access(path.parent, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


def open_journal(path: Path) -> tuple[GuardedConnection, JournalError | None]:
    """Open and check the journal at `path` (`_checked`). Returns the connection and, when the file can only be
    read (read-only directory or mount, full disk), the error every write must raise. Raises `JournalError`
    when the file is damaged, locked or cannot be opened at all."""
    db: GuardedConnection | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not _writable(path):
            raise JournalError("read-only", path, "the file or its directory cannot be written")
        db = connect(path)
        run_while_busy(db, "PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        _checked(db, path)
        return db, None
    except OSError as exc:
        refusal = JournalError("full" if _disk_full(path) else "read-only", path, exc.strerror or str(exc))
    except JournalError as exc:
        refusal = exc
    if db is not None:
        db.close()
    if refusal.problem in ("damaged", "locked") or not path.exists():
        raise refusal
    return _checked(_read_only(path), path), refusal


def _read_only(path: Path) -> GuardedConnection:
    """A connection that only reads: plain read-only, or — when SQLite cannot even make its shared-memory
    file (a full disk) and no WAL is left over — the file as it is on disk."""
    db = connect(path, read_only=True)
    try:
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return db
    except JournalError:
        db.close()
        wal = Path(f"{path}-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise  # rows may wait in the WAL: reading the main file alone would hide them
    return connect(path, read_only=True, immutable=True)


def checked_inline(path: Path) -> bool:
    """Whether opening `path` runs the whole quick_check itself (small files) or leaves it to a BackgroundCheck."""
    try:
        return path.stat().st_size <= INLINE_CHECK_MAX_BYTES
    except OSError:
        return True


def _checked(db: GuardedConnection, path: Path) -> GuardedConnection:
    """quick_check a small journal; of a large one read the schema and the newest row of every table (the pages
    the next writes touch), and leave the rest to a BackgroundCheck."""
    try:
        if checked_inline(path):
            complaint = quick_check(db)
        else:
            tables = [str(r[0]) for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                db.execute(f"SELECT * FROM {table} ORDER BY rowid DESC LIMIT 1").fetchall()
            complaint = None
    except JournalError:
        db.close()
        raise
    if complaint is not None:
        db.close()
        raise JournalError("damaged", path, f"SQLite's quick_check: {complaint}")
    return db


class BackgroundCheck:
    """The quick_check of a large journal, on a connection and thread of its own, while the journal is in use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.damage: JournalError | None = None
        self.done = threading.Event()
        threading.Thread(target=self._run, name="journal-check", daemon=True).start()

    def _run(self) -> None:
        try:
            db = connect(self.path, read_only=True)
            try:
                complaint = quick_check(db)
            finally:
                db.close()
            if complaint is not None:
                self.damage = JournalError("damaged", self.path, f"SQLite's quick_check: {complaint}")
        except JournalError as exc:
            self.damage = exc if exc.problem == "damaged" else None
        finally:
            self.done.set()


def _disk_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < FULL_BELOW_BYTES
    except OSError:
        return False
