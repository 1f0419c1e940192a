"""The state directory on a small tmpfs: filled up, then remounted read-only. Each time reading still works,
checks run and say their results are not recorded, actions are refused before anything is sent, and every
row written before is still there afterwards. (Needs root, to mount.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.journal import Journal, journal_path
from drconsole.profile import parse_profile, save_profile
from tests.core.conftest import VALID_PROFILE

PROFILE = "prod-hz"
RUNS = 5
REFUSAL = textwrap.dedent("""
    import json, sys
    from drconsole.actions.base import Action, Result, Risk, action
    from drconsole.actions.cloud_setup import NoParams
    from drconsole.actions.confirm import CliConfirmer
    from drconsole.actions.runner import Runner
    from drconsole.context import Context
    from drconsole.errors import RefusedError
    from drconsole.journal import Journal
    from drconsole.profile import load_profile
    from drconsole.runbooks.loader import parse_runbook

    applied = []

    @action("test.disk-refusal", risk=Risk.MUTATING, title="counts its applies", params=NoParams)
    class Counting(Action):
        def plan(self, actx, params):
            return self.new_plan(actx, "count")
        def apply(self, actx, plan):
            applied.append(1)
            return Result("counted")

    book = parse_runbook(sys.stdin.read(), source="test")
    profile = load_profile("prod-hz")
    journal = Journal.for_profile(profile.name)
    try:
        Runner(Context(profile), journal, book, CliConfirmer(yes=True, interactive=False), out=print).run()
        refused = None
    except RefusedError as exc:
        refused = {"exit_code": exc.exit_code, "where": exc.where}
    print(json.dumps({"refused": refused, "applied": len(applied)}))
""")
RUNBOOK = textwrap.dedent("""
    id: disk-refusal
    title: one mutating action
    summary: for the full and read-only state directory tests
    steps:
      - id: one
        title: one
        guide: counts
        actions:
          - use: test.disk-refusal
""")


@pytest.fixture
def small_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_home: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs as $XDG_STATE_HOME, unmounted afterwards whatever happens."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "small-state"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    monkeypatch.setenv("XDG_STATE_HOME", str(mount))
    try:
        save_profile(parse_profile(VALID_PROFILE, source="test"))
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def drconsole(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "drconsole", *args], capture_output=True, text=True, timeout=120,
                          check=False)


def write_runs(count: int) -> None:
    journal = Journal.for_profile(PROFILE)
    try:
        for _ in range(count):
            journal.finish_run(journal.start_run(kind="sweep", profile=PROFILE, operator="alice"), "pass")
    finally:
        journal.close()


def fill(mount: Path) -> Path:
    filler = mount / "filler"
    with filler.open("wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == 28
    return filler


def assert_degraded_but_readable(problem: str) -> None:
    """`journal` reads, `check` runs unrecorded, an action is refused; nothing is lost."""
    listed = drconsole("journal")
    assert listed.returncode == 0, listed.stderr
    assert len([line for line in listed.stdout.splitlines() if line.startswith("#")]) == RUNS
    checked = drconsole("check", "--only", "topology.cidrs-plan")
    assert checked.returncode == 0 and "Traceback" not in checked.stderr, checked.stderr
    assert "NOT BEING RECORDED" in checked.stderr and problem in checked.stderr
    action = subprocess.run([sys.executable, "-c", REFUSAL], input=RUNBOOK, capture_output=True, text=True,
                            timeout=120, check=False)
    assert action.returncode == 0, action.stderr
    verdict = json.loads(action.stdout.splitlines()[-1])
    assert verdict == {"refused": {"exit_code": 4, "where": str(journal_path(PROFILE))}, "applied": 0}


def runs_on_record() -> int:
    journal = Journal.for_profile(PROFILE)
    try:
        assert journal.integrity_ok()
        return len(journal.runs(limit=1000))
    finally:
        journal.close()


def test_a_full_disk(small_state: Path) -> None:
    write_runs(RUNS)
    filler = fill(small_state)
    assert_degraded_but_readable("full disk")
    filler.unlink()
    assert runs_on_record() == RUNS
    assert drconsole("check", "--only", "topology.cidrs-plan").returncode == 0
    assert runs_on_record() == RUNS + 1


def test_a_read_only_state_directory(small_state: Path) -> None:
    write_runs(RUNS)
    subprocess.run(["mount", "-o", "remount,ro", str(small_state)], check=True)
    assert_degraded_but_readable("read-only")
    subprocess.run(["mount", "-o", "remount,rw", str(small_state)], check=True)
    assert runs_on_record() == RUNS
