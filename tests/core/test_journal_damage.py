"""A journal damaged on disk: every command says so and how to get out (never a traceback), checks still
run unrecorded, actions are refused, and `journal recover` saves every readable row. Backups are consistent
while a writer writes; retention prunes old sweep results only."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from drconsole.journal import Journal, journal_path
from drconsole.journal_db import JournalError
from drconsole.profile import parse_profile, save_profile

PROFILE = "prod-hz"
RESULTS_PER_RUN = 47
WRITER = textwrap.dedent("""
    import sys, time
    from drconsole.journal import Journal
    from drconsole.results import CheckResult, Evidence
    runs, pause = int(sys.argv[1]), float(sys.argv[2])
    journal = Journal.for_profile("prod-hz")
    for n in range(runs):
        run = journal.start_run(kind="sweep", profile="prod-hz", operator="alice", runbook="zone-dr-hybrid")
        for k in range(47):
            journal.record_result(CheckResult(
                check="bgp.peer", key=f"network.bgp/check-{k}", title="BGP peer", family="bgp", status="pass",
                summary=f"run {n} check {k}", evidence=[Evidence(source="vpc:DescribeBgpPeers",
                                                                 answer={"BgpStatus": "Established" * 20})]),
                run_id=run, runbook="zone-dr-hybrid")
        journal.finish_run(run, "pass")
        time.sleep(pause)
    action_run = journal.start_run(kind="runbook", profile="prod-hz", operator="alice", runbook="zone-dr-hybrid")
    for kind in ("planned", "confirmed", "started", "succeeded"):
        journal.action_event("a1", "fleet.create", kind, "alice", run_id=action_run)
    journal.finish_run(action_run, "succeeded")
    journal.close()
""")


def drconsole(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "drconsole", *args], capture_output=True, text=True, timeout=120,
                          check=False)


def write_journal(runs: int, pause: float = 0.0) -> subprocess.CompletedProcess[str]:
    """The real writer, in a process of its own: `runs` sweeps of 47 results, then one action's events."""
    return subprocess.run([sys.executable, "-c", WRITER, str(runs), str(pause)], capture_output=True, text=True,
                          timeout=300, check=False)


def damage(path: Path, marker: bytes) -> None:
    """Overwrite the whole page that holds `marker`, as a failing disk or a crashed host can."""
    page = 4096
    at = path.read_bytes().find(marker)
    assert at > 0, marker
    with path.open("r+b") as f:
        f.seek(at // page * page)
        f.write(b"\x5a" * page)


@pytest.fixture
def damaged(profile_text: str) -> Path:
    save_profile(parse_profile(profile_text, source="test"))
    assert write_journal(40).returncode == 0
    path = journal_path(PROFILE)
    assert not Path(f"{path}-wal").exists()  # the writer closed: everything is in the main file
    damage(path, b"run 20 check 5")  # a page of results in the middle of the file
    return path


def assert_clear_failure(done: subprocess.CompletedProcess[str], path: Path) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert str(path) in done.stderr and "journal recover" in done.stderr


def test_damage_is_found_on_open(damaged: Path) -> None:
    with pytest.raises(JournalError) as raised:
        Journal(damaged)
    assert raised.value.problem == "damaged" and raised.value.path == damaged


def test_journal_and_export_name_the_file_and_the_way_out(damaged: Path) -> None:
    assert_clear_failure(drconsole("journal"), damaged)
    assert_clear_failure(drconsole("export", "--format", "json"), damaged)


def test_check_runs_unrecorded_and_says_so(damaged: Path) -> None:
    import json

    before = hashlib.sha256(damaged.read_bytes()).hexdigest()
    done = drconsole("check", "--only", "topology.cidrs-plan", "--format", "json")
    assert "Traceback" not in done.stderr
    assert done.returncode == 0, done.stderr
    assert "NOT BEING RECORDED" in done.stderr and str(damaged) in done.stderr
    record = json.loads(done.stdout)
    assert [c["check"] for s in record["steps"] for c in s["checks"]] == ["topology.cidrs-plan"]
    assert hashlib.sha256(damaged.read_bytes()).hexdigest() == before  # the damaged file is left as it was


def test_recover_saves_every_readable_row_and_keeps_the_damaged_file(damaged: Path) -> None:
    damaged_bytes = damaged.read_bytes()
    done = drconsole("journal", "recover")
    assert "Traceback" not in done.stderr
    assert done.returncode == 1, done.stderr  # some rows were lost, and the exit code says so
    [kept] = damaged.parent.glob(f"{damaged.stem}.damaged-*{damaged.suffix}")
    assert kept.read_bytes() == damaged_bytes
    journal = Journal(damaged)
    try:
        assert journal.integrity_ok()
        runs = journal.runs(limit=100)
        sweeps = [r for r in runs if r["kind"] == "sweep"]
        assert len(sweeps) == 40 and all(r["outcome"] == "pass" for r in sweeps)
        assert [r["kind"] for r in runs][:2] == ["recover", "runbook"]
        saved = sum(len(journal.results(r["id"])) for r in sweeps)
        assert 0 < saved < 40 * RESULTS_PER_RUN  # the damaged page held results; the rest are back
        assert [e["kind"] for e in journal.action_events("a1")] == ["planned", "confirmed", "started", "succeeded"]
    finally:
        journal.close()
    lines = {line.split()[0]: line.split() for line in done.stdout.splitlines() if line.startswith("  ")}
    assert lines["check_results"][1:4] == [str(saved), "saved", str(40 * RESULTS_PER_RUN - saved)]
    assert lines["runs"][1] == "41" and lines["action_events"][1] == "4"
    assert drconsole("journal").returncode == 0


def test_recover_leaves_a_sound_journal_alone(profile_text: str) -> None:
    save_profile(parse_profile(profile_text, source="test"))
    assert write_journal(1).returncode == 0
    path = journal_path(PROFILE)
    before = path.read_bytes()
    done = drconsole("journal", "recover")
    assert done.returncode == 0, done.stderr
    assert path.read_bytes() == before and not list(path.parent.glob("*.damaged-*"))


def test_actions_are_refused_on_a_journal_that_cannot_record() -> None:
    from drconsole.actions.base import Action, Result, Risk, action
    from drconsole.actions.cloud_setup import NoParams
    from drconsole.actions.confirm import CliConfirmer
    from drconsole.actions.runner import Runner
    from drconsole.context import Context
    from drconsole.errors import RefusedError
    from drconsole.runbooks.loader import parse_runbook
    from tests.core.conftest import VALID_PROFILE

    applied: list[str] = []

    @action("test.journal-refusal", risk=Risk.MUTATING, title="counts its applies", params=NoParams)
    class Counting(Action):
        def plan(self, actx, params):  # type: ignore[no-untyped-def]
            return self.new_plan(actx, "count")

        def apply(self, actx, plan):  # type: ignore[no-untyped-def]
            applied.append("applied")
            return Result("counted")

    book = parse_runbook(textwrap.dedent("""
        id: refusal-test
        title: one mutating action
        summary: for the journal refusal test
        steps:
          - id: one
            title: one
            guide: counts
            actions:
              - use: test.journal-refusal
    """), source="test")
    stand_in = Journal.unrecorded(JournalError("damaged", journal_path(PROFILE), "test"))
    ctx = Context(parse_profile(VALID_PROFILE, source="test"))
    try:
        with pytest.raises(RefusedError) as raised:
            Runner(ctx, stand_in, book, CliConfirmer(yes=True, interactive=False), out=lambda _: None).run()
    finally:
        ctx.close()
    assert raised.value.exit_code == 4 and "journal recover" in str(raised.value.fix)
    assert applied == [] and stand_in.runs() == []


def test_backup_is_consistent_while_a_writer_writes(profile_text: str, tmp_path: Path) -> None:
    save_profile(parse_profile(profile_text, source="test"))
    assert write_journal(1).returncode == 0
    writer = subprocess.Popen([sys.executable, "-c", WRITER, "60", "0.01"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    copies = []
    try:
        while writer.poll() is None and len(copies) < 20:
            target = tmp_path / f"copy-{len(copies)}.sqlite"
            done = drconsole("journal", "backup", "--output", str(target))
            assert done.returncode == 0, done.stderr
            copies.append(target)
    finally:
        writer.wait(timeout=300)
    assert writer.returncode == 0, writer.stderr.read() if writer.stderr else ""
    assert len(copies) >= 2
    for copy in copies:
        with sqlite3.connect(copy) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            # every sweep with an end holds all its results: the copy is one moment, not a mix of two
            short = db.execute("SELECT e.run_id, COUNT(c.id) FROM run_ends e JOIN runs r ON r.id = e.run_id "
                               "LEFT JOIN check_results c ON c.run_id = e.run_id WHERE r.kind = 'sweep' "
                               "GROUP BY e.run_id HAVING COUNT(c.id) != ?", (RESULTS_PER_RUN,)).fetchall()
            assert short == [], copy


def test_retention_prunes_old_sweep_results_only(profile_text: str) -> None:
    save_profile(parse_profile(profile_text + "\n[journal]\nkeep_sweep_days = 30\n", source="test"))
    assert write_journal(3).returncode == 0
    journal = Journal.for_profile(PROFILE)
    try:
        sweeps = sorted(r["id"] for r in journal.runs() if r["kind"] == "sweep")
        old_plain, old_confirmed, newest = sweeps
        journal.confirm("zone-dr-hybrid", "network.plan", "underlay", "alice", run_id=old_confirmed)
        action_run = next(r["id"] for r in journal.runs() if r["kind"] == "runbook")
        journal.record_result(journal.results(old_plain)[0], run_id=action_run, runbook="zone-dr-hybrid")
        journal.db.execute("UPDATE runs SET started = started - 100 * 86400")  # all of them 100 days old
    finally:
        journal.close()
    done = drconsole("journal", "prune")
    assert done.returncode == 0, done.stderr
    journal = Journal.for_profile(PROFILE)
    try:
        assert journal.results(old_plain) == []
        assert len(journal.results(old_confirmed)) == RESULTS_PER_RUN  # a confirmation keeps its run whole
        assert len(journal.results(newest)) == RESULTS_PER_RUN  # the newest sweep is always kept
        assert len(journal.results(action_run)) == 1  # a run with actions is never touched
        assert journal.run(old_plain) is not None  # the run itself stays on record
        [pruned] = [r for r in journal.runs() if r["kind"] == "prune"]
        assert pruned["outcome"] == "pruned"
    finally:
        journal.close()


def test_prune_needs_a_retention(profile_text: str) -> None:
    save_profile(parse_profile(profile_text, source="test"))
    done = drconsole("journal", "prune")
    assert done.returncode == 2 and "keep_sweep_days" in done.stderr and "Traceback" not in done.stderr


class LockHolder:
    """Another process's writer: holds the journal file's write lock from the start and commits 1 s later."""

    def __init__(self, path: Path, *statements: str) -> None:
        import threading

        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("BEGIN IMMEDIATE")
        for statement in statements:
            self.db.execute(statement)
        self.released = threading.Event()
        self._thread = threading.Thread(target=self._release)
        self._thread.start()

    def _release(self) -> None:
        time.sleep(1.0)
        self.db.execute("COMMIT")
        self.released.set()

    def close(self) -> None:
        self._thread.join()
        self.db.close()


def test_a_busy_journal_waits_instead_of_failing(tmp_path: Path) -> None:
    """Another process's writer holding the write lock delays our write; it does not fail it."""
    path = tmp_path / "j.sqlite"
    Journal(path).close()
    journal = Journal(path)
    holder = LockHolder(path, "INSERT INTO runs(kind, profile, operator, started, tool_version) "
                              "VALUES ('x', 'p', 'b', 0, '0')")
    try:
        run = journal.start_run(kind="sweep", profile="p", operator="a")
        assert holder.released.is_set()  # it could only write once the other writer had committed
        assert [r["id"] for r in journal.runs()] == [run, run - 1]
    finally:
        holder.close()
        journal.close()


def test_a_new_journal_another_process_is_making_waits_for_it(tmp_path: Path) -> None:
    """Two processes making the same new journal: while one holds the write lock on the file (not yet WAL),
    SQLite answers the other's switch to WAL with SQLITE_BUSY at once; the open waits and succeeds instead."""
    path = tmp_path / "j.sqlite"
    holder = LockHolder(path)
    try:
        journal = Journal(path)
        assert holder.released.is_set()  # it could only switch to WAL once the other process had committed
        assert journal.start_run(kind="sweep", profile="p", operator="a") > 0
        journal.close()
    finally:
        holder.close()


def test_a_large_journal_is_checked_in_the_background(damaged: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the inline limit the open reads only the schema and the newest rows; the whole quick_check runs
    in a thread, and once it has found the damage the journal takes no more writes."""
    from drconsole import journal_db

    monkeypatch.setattr(journal_db, "INLINE_CHECK_MAX_BYTES", 64 * 1024)  # this journal counts as large
    journal = Journal(damaged)
    try:
        damage = journal.verify()
        assert damage is not None and damage.problem == "damaged" and damage.path == damaged
        with pytest.raises(JournalError) as refused:
            journal.start_run(kind="sweep", profile=PROFILE, operator="alice")
        assert refused.value.problem == "damaged"
    finally:
        journal.close()
