"""End to end in a real terminal: `drconsole --lab` in tmux, on the session's running lab.

Open the runbook, run a step's checks, open the dashboard, break zone A through the lab CLI in another
process, see zone A turn to fail, heal it, quit with exit code 0 and the terminal restored."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from drconsole.lab.env import LabEnv
    from drconsole.profile import Profile

pytestmark = [pytest.mark.lab, pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")]
DRCONSOLE = str(Path(sys.executable).parent / "drconsole")


class Terminal:
    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        self.env = env

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", *args], env=self.env, capture_output=True, text=True, timeout=10).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)

    def wait_for(self, pattern: str, timeout: float = 60.0, *, gone: bool = False) -> str:
        """The screen once `pattern` shows on it (`gone`: once it no longer does)."""
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            shown = self.screen()
            if bool(re.search(pattern, shown)) != gone:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} {'stayed' if gone else 'never appeared'}; the terminal shows:\n{shown}")

    def alive(self) -> bool:
        return subprocess.run(["tmux", "has-session", "-t", self.name], env=self.env, capture_output=True,
                              timeout=10).returncode == 0


@pytest.fixture
def terminal(lab_profile: Profile, lab_env: LabEnv, tmp_path: Path) -> Iterator[tuple[Terminal, dict[str, str]]]:
    lab_json = lab_env.root / "lab.json"
    lab_json.write_text(json.dumps({"mode": lab_env.mode, "start_state": lab_env.start_state,
                                    "lab_id": lab_env.lab_id}))
    env = {**os.environ, "DRCONSOLE_LAB_DIR": str(lab_env.root), "TERM": "xterm-256color",
           "TMUX_TMPDIR": str(tmp_path)}
    env.pop("TMUX", None)
    name = f"drc-e2e-{uuid.uuid4().hex[:8]}"
    term = Terminal(name, env)
    script = (f"stty -g > {tmp_path}/stty.before; {DRCONSOLE} --lab; echo rc=$? > {tmp_path}/rc; "
              f"stty -g > {tmp_path}/stty.after; echo console-exited; sleep 60")
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40", "sh", "-c", script],
                   env=env, check=True, timeout=10)
    try:
        yield term, env
    finally:
        if term.alive():
            term.tmux("kill-session", "-t", name)
        subprocess.run(["tmux", "kill-server"], env=env, capture_output=True, timeout=10)


def lab_cli(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([DRCONSOLE, "lab", *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_drconsole_lab_in_tmux(terminal: tuple[Terminal, dict[str, str]], tmp_path: Path) -> None:
    term, env = terminal
    term.wait_for(r"steps done", timeout=90)
    assert "LAB" in term.screen()
    # the runbook: pick a step through the command palette and run its checks
    term.keys("C-p")
    term.wait_for(r"Search for commands")
    term.keys("step: network.bgp-idc")
    entry = r"step: network\.bgp-idc — Configure BGP"  # the palette's match, once its search is done
    term.wait_for(entry, timeout=30)
    term.keys("Enter")
    term.wait_for(r"Configure BGP on the data-center router  \[", timeout=30)
    term.wait_for(entry, timeout=30, gone=True)  # the palette has closed: keys reach the checklist again
    term.keys("c")
    term.wait_for(r"\d+ result\(s\)", timeout=90)
    # the dashboard sweeps on open
    term.keys("2")
    term.wait_for(r"last sweep: \d\d:\d\d:\d\d", timeout=120)
    term.wait_for(r"pass\s+Zone A · ACK", timeout=10)
    try:
        lab_cli(env, "break", "zone-a")
        term.keys("s")
        term.wait_for(r"fail\s+Zone A · ACK", timeout=120)
        assert re.search(r"pass\s+Zone B · registered", term.screen())
    finally:
        lab_cli(env, "heal", "zone-a")
    for _ in range(6):  # until the healed zone serves users through the gateway again
        term.keys("s")
        time.sleep(3)
        if re.search(r"pass\s+Zone A · ACK", term.screen()):
            break
    term.wait_for(r"pass\s+Zone A · ACK", timeout=30)
    term.keys("q")
    term.wait_for(r"console-exited", timeout=30)
    assert (tmp_path / "rc").read_text().strip() == "rc=0"
    assert (tmp_path / "stty.after").read_text() == (tmp_path / "stty.before").read_text()
    assert "Zone A" not in term.screen()  # the alternate screen is gone: the shell's screen is back
