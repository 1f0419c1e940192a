"""Crash safety: 20 rounds of SIGKILL at a random moment during a sweep (`drconsole check` against the lab)
or an action (the actions runner on a slow action), all into one journal. After every round the journal
opens, passes SQLite's integrity_check, and an action that had started is marked interrupted."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from drconsole.journal import Journal, journal_path

if TYPE_CHECKING:
    from drconsole.profile import Profile

pytestmark = [pytest.mark.lab]
ROUNDS = 20
KILL_WITHIN_S = 1.5
SLOW_ACTION = textwrap.dedent('''
    import sys, time
    from drconsole.actions.base import Action, Result, Risk, action
    from drconsole.actions.cloud_setup import NoParams
    from drconsole.actions.confirm import CliConfirmer
    from drconsole.actions.runner import Runner
    from drconsole.context import Context
    from drconsole.journal import Journal
    from drconsole.profile import load_profile
    from drconsole.runbooks.loader import parse_runbook

    @action("test.crash-slow", risk=Risk.MUTATING, title="plans and applies slowly", params=NoParams)
    class Slow(Action):
        def plan(self, actx, params):
            time.sleep(0.4)
            return self.new_plan(actx, "sleep in apply")
        def apply(self, actx, plan):
            time.sleep(120)
            return Result("finished")

    book = parse_runbook(sys.stdin.read(), source="test")
    profile = load_profile(sys.argv[1])
    journal = Journal.for_profile(profile.name)
    print("READY", flush=True)
    Runner(Context(profile), journal, book, CliConfirmer(yes=True, interactive=False)).run()
''')
RUNBOOK = textwrap.dedent('''
    id: crash-test
    title: one slow action
    summary: a runbook whose actions take long enough to be killed in
    steps:
      - id: slow
        title: slow
        guide: sleeps
        actions:
          - use: test.crash-slow
''')


def _count(db: Path, table: str) -> int:
    """Rows in `table`, read without writing (the journal may not exist yet)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _grown(db: Path, table: str, before: int) -> Callable[[], bool]:
    return lambda: _count(db, table) > before


def _kill_after(proc: subprocess.Popen[str], started: Callable[[], bool], rng: random.Random) -> float:
    """Wait until `started()` (or 30 s), then SIGKILL after a random delay; returns the delay."""
    deadline = time.monotonic() + 30
    while not started() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    delay = rng.uniform(0, KILL_WITHIN_S)
    time.sleep(delay)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    return delay


def test_sigkill_during_sweeps_and_actions_never_damages_the_journal(lab_profile: Profile, tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    db = journal_path(lab_profile.name)
    script = tmp_path / "slow_action.py"
    script.write_text(SLOW_ACTION)
    drconsole = str(Path(sys.executable).parent / "drconsole")
    interrupted, partial_sweeps = 0, 0
    for round_no in range(ROUNDS):
        runs_before, results_before = _count(db, "runs"), _count(db, "check_results")
        if round_no % 2 == 0:
            proc = subprocess.Popen([drconsole, "--profile", lab_profile.name, "check"], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, text=True, start_new_session=True)
            # Half the sweeps die between opening their run and the first result, half among the results.
            if round_no % 4 == 0:
                delay = _kill_after(proc, _grown(db, "runs", runs_before), rng)
            else:
                delay = _kill_after(proc, _grown(db, "check_results", results_before), rng)
        else:
            proc = subprocess.Popen([sys.executable, str(script), lab_profile.name], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                    start_new_session=True)
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(RUNBOOK)
            proc.stdin.close()
            assert proc.stdout.readline().strip() == "READY"
            delay = _kill_after(proc, lambda: True, rng)
        what = f"round {round_no} (seed {seed}, killed {delay:.2f} s in)"
        journal = Journal(db)
        try:
            assert journal.integrity_ok(), what
            states = journal.action_states()
            assert not [s for s in states if s.state == "started"], f"{what}: a dead action still shows started"
            ours = [s for s in states if s.action == "test.crash-slow"]
            interrupted = sum(s.state == "interrupted" for s in ours)
            runs = journal.runs(limit=ROUNDS * 2)
            assert len(runs) >= runs_before, what
            for run in runs:
                journal.results(run["id"])  # every recorded result still reads back
            if round_no % 2 == 0 and _count(db, "check_results") > results_before and runs[0]["outcome"] is None:
                partial_sweeps += 1
        finally:
            journal.close()
    assert interrupted >= 1, f"no kill landed inside an action's apply (seed {seed})"
    assert partial_sweeps >= 1, f"no kill landed between a sweep's results (seed {seed})"
