"""SIGKILL in the middle of an apply: the journal opens cleanly and shows the action interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.actions.helpers import PROFILE_TAIL

SCRIPT = textwrap.dedent('''
    import sys, time
    from pathlib import Path
    from drconsole.actions.base import Action, Result, Risk, action
    from drconsole.actions.cloud_setup import NoParams
    from drconsole.actions.confirm import CliConfirmer
    from drconsole.actions.runner import Runner
    from drconsole.context import Context
    from drconsole.journal import Journal
    from drconsole.profile import parse_profile
    from drconsole.runbooks.loader import parse_runbook

    @action("test.slow-apply", risk=Risk.MUTATING, title="applies slowly", params=NoParams)
    class Slow(Action):
        def plan(self, actx, params):
            return self.new_plan(actx, "sleep in apply")
        def apply(self, actx, plan):
            print("APPLYING", flush=True)
            time.sleep(120)
            return Result("finished")

    profile = parse_profile(Path(sys.argv[1]).read_text(), source="test")
    book = parse_runbook(Path(sys.argv[2]).read_text(), source="test")
    journal = Journal(Path(sys.argv[3]))
    Runner(Context(profile), journal, book, CliConfirmer(yes=True, interactive=False)).run()
''')
PROFILE = textwrap.dedent('''
    name = "killtest"
    [cloud]
    region = "cn-hangzhou"
    [network]
    vpc_id = "vpc-abcdef123456"
    vpc_cidrs = ["192.168.0.0/16"]
    idc_cidrs = ["10.0.0.0/16"]
''') + PROFILE_TAIL
RUNBOOK = textwrap.dedent('''
    id: kill-test
    title: one slow action
    summary: a runbook with one slow action
    steps:
      - id: slow
        title: slow
        guide: sleeps
        actions:
          - use: test.slow-apply
''')


def test_sigkill_mid_apply_leaves_interrupted_action(tmp_path: Path) -> None:
    from drconsole.journal import Journal

    (tmp_path / "p.toml").write_text(PROFILE)
    (tmp_path / "r.yaml").write_text(RUNBOOK)
    (tmp_path / "run.py").write_text(SCRIPT)
    db = tmp_path / "journal.sqlite"
    proc = subprocess.Popen([sys.executable, str(tmp_path / "run.py"), str(tmp_path / "p.toml"),
                             str(tmp_path / "r.yaml"), str(db)], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        for line in proc.stdout:
            if "APPLYING" in line or time.monotonic() > deadline:
                break
        assert proc.poll() is None, "the run ended before its apply"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    journal = Journal(db)
    try:
        assert journal.integrity_ok()
        states = journal.action_states()
        assert [(s.action, s.state) for s in states] == [("test.slow-apply", "interrupted")]
        kinds = [e["kind"] for e in journal.action_events(states[0].action_uid)]
        assert kinds == ["planned", "confirmed", "started", "interrupted"]
        run = journal.runs()[0]
        assert run["kind"] == "runbook" and run["outcome"] is None  # the run never finished
    finally:
        journal.close()
