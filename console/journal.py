"""The journal: one SQLite database (WAL) per profile, append-only, in the state dir.

It records runs, step states, manual confirmations, check results with their evidence, and every
action event (planned, confirmed, started, finished, refused, overridden). An action that has a
`started` event but no ending one, and whose process is gone, is shown as interrupted.
Every row but a check result is fsynced before the write returns; opening checks the file, and any
failure is a `JournalError` (console/journal_db.py).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from drconsole import __version__, paths
from drconsole.action_events import Interrupted, Payload
from drconsole.journal_db import (
    BackgroundCheck,
    GuardedConnection,
    JournalError,
    Writer,
    checked_inline,
    connect,
    open_journal,
)
from drconsole.results import CheckResult

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY, kind TEXT NOT NULL, runbook TEXT, profile TEXT NOT NULL,
        operator TEXT NOT NULL, started REAL NOT NULL, tool_version TEXT NOT NULL,
        rehearsal INTEGER NOT NULL DEFAULT 0, note TEXT);
    CREATE TABLE run_ends (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id), finished REAL NOT NULL, outcome TEXT NOT NULL);
    CREATE TABLE step_events (
        id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES runs(id), runbook TEXT NOT NULL, step TEXT NOT NULL,
        state TEXT NOT NULL, operator TEXT NOT NULL, at REAL NOT NULL, note TEXT);
    CREATE TABLE confirmations (
        id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES runs(id), runbook TEXT NOT NULL, step TEXT NOT NULL,
        item TEXT NOT NULL, confirmed INTEGER NOT NULL, operator TEXT NOT NULL, at REAL NOT NULL, note TEXT);
    CREATE TABLE check_results (
        id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES runs(id), runbook TEXT, step TEXT,
        check_name TEXT NOT NULL, title TEXT NOT NULL, key TEXT NOT NULL, family TEXT NOT NULL, zone TEXT,
        status TEXT NOT NULL, summary TEXT NOT NULL,
        cause TEXT, remedy TEXT, fix_step TEXT, evidence TEXT NOT NULL, started REAL NOT NULL,
        duration_ms REAL NOT NULL);
    CREATE INDEX check_results_run ON check_results(run_id);
    CREATE TABLE action_events (
        id INTEGER PRIMARY KEY, action_uid TEXT NOT NULL, run_id INTEGER REFERENCES runs(id), runbook TEXT,
        step TEXT, action TEXT NOT NULL, kind TEXT NOT NULL, operator TEXT NOT NULL, identity TEXT,
        pid INTEGER NOT NULL, at REAL NOT NULL, data TEXT NOT NULL);
    CREATE INDEX action_events_uid ON action_events(action_uid);
    """,
    # 2: a run records what it ran against (the profile, the runbook's text), each check its resolved
    # parameters, and a sweep made during a walk of a runbook names that walk
    """
    CREATE TABLE run_inputs (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id), profile TEXT NOT NULL, runbook_id TEXT,
        runbook_sha256 TEXT, runbook_text TEXT);
    ALTER TABLE check_results ADD COLUMN params TEXT;
    ALTER TABLE runs ADD COLUMN walk INTEGER REFERENCES runs(id);
    CREATE INDEX step_events_run ON step_events(run_id);
    CREATE INDEX confirmations_run ON confirmations(run_id);
    """,
    # 3: each check result's finding code (drconsole.findings); older non-passing rows had none
    """
    ALTER TABLE check_results ADD COLUMN code TEXT;
    UPDATE check_results SET code = 'RECORD-UNCODED' WHERE status <> 'pass';
    """,
]

T = TypeVar("T")
TERMINAL_ACTION_EVENTS = {"succeeded", "failed", "refused", "already-done", "interrupted", "declined"}


def journal_path(profile: str) -> Path:
    return paths.state_dir() / "journal" / f"{profile}.sqlite"


def not_recorded(problem: JournalError) -> str:
    """The loud line shown while checks run on a journal that cannot be written."""
    return f"RESULTS ARE NOT BEING RECORDED — {problem}"


def journal_for_checks(profile: str, warn: Callable[[str], None], first_write: Callable[[Journal], T]) -> \
        tuple[Journal, T]:
    """The profile's journal and what `first_write` returned. Checks only read, so when the journal cannot be
    opened or written they go on with an in-memory stand-in, after `warn` says so."""
    try:
        journal = Journal.for_profile(profile)
    except JournalError as exc:
        problem = exc
    else:
        try:
            if journal.problem is None:
                return journal, first_write(journal)
            problem = journal.problem
        except JournalError as exc:
            problem = exc
        journal.close()
    warn(not_recorded(problem))
    stand_in = Journal.unrecorded(problem)
    return stand_in, first_write(stand_in)


@dataclass
class RunInputs:
    """What a run ran against, as it was when the run started."""

    profile: dict[str, Any]  # the profile's fields (a profile never holds a secret)
    runbook_id: str | None = None
    runbook_sha256: str | None = None
    runbook_text: str | None = None


@dataclass
class StepEvent:
    run_id: int | None
    step: str
    state: str
    operator: str
    at: float
    note: str | None


@dataclass
class ActionState:
    action_uid: str
    action: str
    step: str | None
    runbook: str | None
    state: str
    operator: str
    at: float
    data: dict[str, Any]


class Journal:
    def __init__(self, path: Path, *, stand_in_for: JournalError | None = None) -> None:
        """Open the journal at `path`; with `stand_in_for`, an in-memory one instead (see `unrecorded`)."""
        self.path = path
        if stand_in_for is None:
            self.db, self.cannot_write = open_journal(path)
        else:
            self.db, self.cannot_write = connect(Path(":memory:")), None
        self.recording = stand_in_for is None
        self.problem: JournalError | None = stand_in_for or self.cannot_write
        self.writer = Writer(self.db, path)
        self._pending = None if stand_in_for or checked_inline(path) else BackgroundCheck(path)
        if self.cannot_write is None:
            self._migrate()
            self._mark_interrupted_if_writable()
        elif self.schema_version() < len(MIGRATIONS):
            raise self.cannot_write

    @classmethod
    def for_profile(cls, profile: str) -> Journal:
        return cls(journal_path(profile))

    @classmethod
    def unrecorded(cls, problem: JournalError) -> Journal:
        """An in-memory journal standing in for one that cannot be written: runs work and can be reported,
        nothing outlives the process, and the actions runner refuses to change anything with it."""
        return cls(problem.path, stand_in_for=problem)

    def close(self) -> None:
        self.db.close()

    def verify(self, *, wait: bool = True) -> JournalError | None:
        """The damage the integrity check found, if any. A large journal is checked in the background: `wait`
        for that check, or (wait=False) take its verdict only if it is in. Damage makes the journal read-only."""
        pending = self._pending
        if pending is not None and (wait or pending.done.is_set()):
            pending.done.wait()
            self._pending = None
            if pending.damage is not None:
                self.cannot_write = self.problem = pending.damage
        damaged = self.problem is not None and self.problem.problem == "damaged"
        return self.problem if damaged else None

    def _migrate(self) -> None:
        if self.schema_version() >= len(MIGRATIONS):
            return

        def apply(db: GuardedConnection) -> None:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])  # again, under the write lock
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in [s for s in script.split(";") if s.strip()]:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version={number}")

        self.writer.write(apply, durable=True)

    def _mark_interrupted_if_writable(self) -> None:
        try:
            self.mark_interrupted()
        except JournalError as exc:
            if exc.problem == "damaged":
                raise
            self.problem = exc  # a reader still reads; the next writer meets the same error

    def _insert(self, sql: str, args: tuple[Any, ...], *, durable: bool = True) -> int:
        """One row appended in its own write transaction; `durable` waits for the WAL to reach the disk."""
        self.verify(wait=False)
        if self.cannot_write is not None:
            raise self.cannot_write
        return self.writer.write(lambda db: int(db.execute(sql, args).lastrowid or 0), durable=durable)

    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    # -- runs -------------------------------------------------------------------------------------
    def start_run(self, *, kind: str, profile: str, operator: str, runbook: str | None = None,
                  rehearsal: bool = False, note: str | None = None) -> int:
        return self._insert(
            "INSERT INTO runs(kind, runbook, profile, operator, started, tool_version, rehearsal, note) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (kind, runbook, profile, operator, time.time(), __version__, int(rehearsal), note))

    def finish_run(self, run_id: int, outcome: str) -> None:
        self._insert("INSERT OR REPLACE INTO run_ends(run_id, finished, outcome) VALUES (?,?,?)",
                     (run_id, time.time(), outcome))

    def runs(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT r.*, e.finished, e.outcome FROM runs r LEFT JOIN run_ends e ON e.run_id = r.id "
            "ORDER BY r.id DESC LIMIT ?", (limit,))
        return [dict(row) for row in rows]

    def run(self, run_id: int) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT r.*, e.finished, e.outcome FROM runs r LEFT JOIN run_ends e ON e.run_id = r.id WHERE r.id = ?",
            (run_id,)).fetchone()
        return dict(row) if row else None

    # -- steps and confirmations -------------------------------------------------------------------
    def record_step(self, runbook: str, step: str, state: str, operator: str, *, run_id: int | None = None,
                    note: str | None = None) -> None:
        self._insert("INSERT INTO step_events(run_id, runbook, step, state, operator, at, note) "
                     "VALUES (?,?,?,?,?,?,?)", (run_id, runbook, step, state, operator, time.time(), note))

    def step_states(self, runbook: str) -> dict[str, str]:
        rows = self.db.execute(
            "SELECT step, state FROM step_events WHERE id IN "
            "(SELECT MAX(id) FROM step_events WHERE runbook = ? GROUP BY step)", (runbook,))
        return {row["step"]: row["state"] for row in rows}

    def confirm(self, runbook: str, step: str, item: str, operator: str, *, confirmed: bool = True,
                note: str | None = None, run_id: int | None = None) -> None:
        self._insert(
            "INSERT INTO confirmations(run_id, runbook, step, item, confirmed, operator, at, note) "
            "VALUES (?,?,?,?,?,?,?,?)", (run_id, runbook, step, item, int(confirmed), operator, time.time(), note))

    def confirmations(self, runbook: str) -> dict[tuple[str, str], dict[str, Any]]:
        """The latest confirmation of each (step, item)."""
        rows = self.db.execute(
            "SELECT * FROM confirmations WHERE id IN "
            "(SELECT MAX(id) FROM confirmations WHERE runbook = ? GROUP BY step, item)", (runbook,))
        return {(row["step"], row["item"]): dict(row) for row in rows}

    # -- check results ----------------------------------------------------------------------------
    def record_result(self, result: CheckResult, *, run_id: int | None = None, runbook: str | None = None) -> None:
        evidence = json.dumps([e.model_dump(mode="json") for e in result.evidence], default=str)
        self._insert(
            "INSERT INTO check_results(run_id, runbook, step, check_name, title, key, family, zone, status, summary, "
            "code, cause, remedy, fix_step, evidence, started, duration_ms, params) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (run_id, runbook, result.step, result.check, result.title, result.key, result.family, result.zone,
             result.status.value, result.summary, result.code, result.cause, result.remedy, result.fix_step,
             evidence, result.started_at, result.duration_ms,
             None if result.params is None else json.dumps(result.params, default=str)), durable=False)

    def results(self, run_id: int) -> list[CheckResult]:
        rows = self.db.execute("SELECT * FROM check_results WHERE run_id = ? ORDER BY id", (run_id,))
        return [_result_of(row) for row in rows]

    def latest_results(self, runbook: str | None = None) -> dict[str, CheckResult]:
        """The newest result of every check key (optionally within one runbook)."""
        where, args = ("WHERE runbook = ?", (runbook,)) if runbook else ("", ())
        rows = self.db.execute(
            f"SELECT * FROM check_results WHERE id IN (SELECT MAX(id) FROM check_results {where} GROUP BY key)", args)
        return {row["key"]: _result_of(row) for row in rows}

    # -- actions ----------------------------------------------------------------------------------
    def action_event(self, action_uid: str, action: str, kind: str, operator: str, *, identity: str | None = None,
                     run_id: int | None = None, runbook: str | None = None, step: str | None = None,
                     data: Payload | None = None) -> None:
        self._insert(
            "INSERT INTO action_events(action_uid, run_id, runbook, step, action, kind, operator, identity, pid, at, "
            "data) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (action_uid, run_id, runbook, step, action, kind, operator, identity, os.getpid(), time.time(),
             data.model_dump_json(exclude_none=True) if data else "{}"))

    def action_events(self, action_uid: str | None = None, run_id: int | None = None) -> list[dict[str, Any]]:
        clauses: list[str] = []
        args: list[object] = []
        if action_uid:
            clauses.append("action_uid = ?")
            args.append(action_uid)
        if run_id is not None:
            clauses.append("run_id = ?")
            args.append(run_id)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = self.db.execute(f"SELECT * FROM action_events {where} ORDER BY id", args)
        return [{**dict(row), "data": json.loads(row["data"])} for row in rows]

    def action_states(self, run_id: int | None = None) -> list[ActionState]:
        """The latest event of every action, oldest action first."""
        where, args = ("WHERE run_id = ?", (run_id,)) if run_id is not None else ("", ())
        rows = self.db.execute(
            f"SELECT * FROM action_events WHERE id IN (SELECT MAX(id) FROM action_events {where} "
            "GROUP BY action_uid) ORDER BY id", args)
        return [ActionState(row["action_uid"], row["action"], row["step"], row["runbook"], row["kind"],
                            row["operator"], row["at"], json.loads(row["data"])) for row in rows]

    def mark_interrupted(self) -> list[str]:
        """Append `interrupted` to every started action whose process is gone. Returns their uids."""
        interrupted = []
        for state in self.action_states():
            if state.state in TERMINAL_ACTION_EVENTS:
                continue
            if state.state == "started":
                row = self.db.execute("SELECT pid FROM action_events WHERE action_uid = ? AND kind = 'started' "
                                      "ORDER BY id DESC LIMIT 1", (state.action_uid,)).fetchone()
                if row and _alive(int(row["pid"])):
                    continue
                self.action_event(state.action_uid, state.action, "interrupted", state.operator,
                                  runbook=state.runbook, step=state.step,
                                  data=Interrupted(reason="the process stopped during the action; re-verify live"))
                interrupted.append(state.action_uid)
        return interrupted

    # -- what a run ran against, and what belongs to it (schema 2) ----------------------------------
    def record_inputs(self, run_id: int, inputs: RunInputs) -> None:
        self._insert("INSERT INTO run_inputs(run_id, profile, runbook_id, runbook_sha256, runbook_text) "
                     "VALUES (?,?,?,?,?)", (run_id, json.dumps(inputs.profile, sort_keys=True),
                                            inputs.runbook_id, inputs.runbook_sha256, inputs.runbook_text))

    def run_inputs(self, run_id: int) -> RunInputs | None:
        """What the run recorded when it started; None for a run made before drconsole recorded it."""
        row = self.db.execute("SELECT * FROM run_inputs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            return None
        return RunInputs(json.loads(row["profile"]), row["runbook_id"], row["runbook_sha256"], row["runbook_text"])

    def link_to_walk(self, run_id: int, walk: int) -> None:
        """Mark run `run_id` (a sweep) as made during the walk of a runbook that is run `walk`."""
        self._insert("UPDATE runs SET walk = ? WHERE id = ?", (walk, run_id))

    def walk_sweeps(self, walk: int) -> list[int]:
        return [int(row["id"]) for row in self.db.execute("SELECT id FROM runs WHERE walk = ? ORDER BY id", (walk,))]

    def open_walk(self, runbook: str, kind: str = "runbook") -> int | None:
        """The newest run of `kind` of `runbook` that has not ended (a walk still in progress), if any."""
        row = self.db.execute(
            "SELECT r.id FROM runs r LEFT JOIN run_ends e ON e.run_id = r.id "
            "WHERE r.kind = ? AND r.runbook = ? AND e.run_id IS NULL ORDER BY r.id DESC LIMIT 1",
            (kind, runbook)).fetchone()
        return int(row["id"]) if row else None

    def run_step_events(self, run_id: int) -> list[StepEvent]:
        rows = self.db.execute("SELECT * FROM step_events WHERE run_id = ? ORDER BY id", (run_id,))
        return [StepEvent(row["run_id"], row["step"], row["state"], row["operator"], row["at"], row["note"])
                for row in rows]

    def run_confirmations(self, run_id: int) -> dict[tuple[str, str], dict[str, Any]]:
        """The latest confirmation of each (step, item) made during run `run_id`."""
        rows = self.db.execute(
            "SELECT * FROM confirmations WHERE id IN "
            "(SELECT MAX(id) FROM confirmations WHERE run_id = ? GROUP BY step, item)", (run_id,))
        return {(row["step"], row["item"]): dict(row) for row in rows}

    def recent_confirmations(self, limit: int = 200) -> list[dict[str, Any]]:
        """Every confirmation, newest first."""
        return [dict(row) for row in self.db.execute("SELECT * FROM confirmations ORDER BY id DESC LIMIT ?",
                                                     (limit,))]

    def integrity_ok(self) -> bool:
        return bool(self.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _result_of(row: sqlite3.Row) -> CheckResult:
    return CheckResult(
        check=row["check_name"], key=row["key"], title=row["title"], family=row["family"], step=row["step"],
        zone=row["zone"], status=row["status"], summary=row["summary"], code=row["code"], cause=row["cause"],
        remedy=row["remedy"],
        fix_step=row["fix_step"], evidence=json.loads(row["evidence"]), started_at=row["started"],
        duration_ms=row["duration_ms"], params=json.loads(row["params"]) if row["params"] else None)
