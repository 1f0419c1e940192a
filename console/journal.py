"""The journal: one SQLite database (WAL) per profile, append-only, in the state dir.

It records runs, step states, manual confirmations, check results with their evidence, and every
action event (planned, confirmed, started, finished, refused, overridden). An action that has a
`started` event but no ending one, and whose process is gone, is shown as interrupted.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drconsole import __version__, paths
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
    # 2: each check result's finding code (drconsole.findings); older non-passing rows had none
    """
    ALTER TABLE check_results ADD COLUMN code TEXT;
    UPDATE check_results SET code = 'RECORD-UNCODED' WHERE status <> 'pass';
    """,
]

TERMINAL_ACTION_EVENTS = {"succeeded", "failed", "refused", "already-done", "interrupted", "declined"}


def journal_path(profile: str) -> Path:
    return paths.state_dir() / "journal" / f"{profile}.sqlite"


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
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._migrate()
        self.mark_interrupted()

    @classmethod
    def for_profile(cls, profile: str) -> Journal:
        return cls(journal_path(profile))

    def close(self) -> None:
        self.db.close()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self._tx():
                for statement in [s for s in script.split(";") if s.strip()]:
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version={number}")

    @contextmanager
    def _tx(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    # -- runs -------------------------------------------------------------------------------------
    def start_run(self, *, kind: str, profile: str, operator: str, runbook: str | None = None,
                  rehearsal: bool = False, note: str | None = None) -> int:
        cur = self.db.execute(
            "INSERT INTO runs(kind, runbook, profile, operator, started, tool_version, rehearsal, note) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (kind, runbook, profile, operator, time.time(), __version__, int(rehearsal), note))
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, outcome: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO run_ends(run_id, finished, outcome) VALUES (?,?,?)",
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
        self.db.execute("INSERT INTO step_events(run_id, runbook, step, state, operator, at, note) "
                        "VALUES (?,?,?,?,?,?,?)", (run_id, runbook, step, state, operator, time.time(), note))

    def step_states(self, runbook: str) -> dict[str, str]:
        rows = self.db.execute(
            "SELECT step, state FROM step_events WHERE id IN "
            "(SELECT MAX(id) FROM step_events WHERE runbook = ? GROUP BY step)", (runbook,))
        return {row["step"]: row["state"] for row in rows}

    def confirm(self, runbook: str, step: str, item: str, operator: str, *, confirmed: bool = True,
                note: str | None = None, run_id: int | None = None) -> None:
        self.db.execute(
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
        self.db.execute(
            "INSERT INTO check_results(run_id, runbook, step, check_name, title, key, family, zone, status, summary, "
            "code, cause, remedy, fix_step, evidence, started, duration_ms) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (run_id, runbook, result.step, result.check, result.title, result.key, result.family, result.zone,
             result.status.value, result.summary, result.code, result.cause, result.remedy, result.fix_step,
             evidence, result.started_at, result.duration_ms))

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
                     data: dict[str, Any] | None = None) -> None:
        self.db.execute(
            "INSERT INTO action_events(action_uid, run_id, runbook, step, action, kind, operator, identity, pid, at, "
            "data) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (action_uid, run_id, runbook, step, action, kind, operator, identity, os.getpid(), time.time(),
             json.dumps(data or {}, default=str)))

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
                                  data={"reason": "the process stopped during the action; re-verify live"})
                interrupted.append(state.action_uid)
        return interrupted

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
        duration_ms=row["duration_ms"])
