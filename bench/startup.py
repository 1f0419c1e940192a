"""Start-up benchmark: `drconsole -p lab` to its first screen vs a bare Textual app with one Static.

Each program runs in a pseudo-terminal (120x40); the clock stops when its marker text is on the
terminal. Runs alternate between the two programs, on the same machine in the same run.

    .venv/bin/python bench/startup.py [--runs 5]

The lab profile is written from the lab's facts when a lab has run (`drconsole lab up`; or
DRCONSOLE_LAB_DIR), else a synthetic profile named `lab` with the same shape is used.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

BARE_APP = """
from textual.app import App, ComposeResult
from textual.widgets import Static

class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("bare textual ready")

Bare().run()
"""
TIMEOUT = 30.0


def time_to_marker(argv: list[str], marker: bytes, env: dict[str, str], quit_keys: bytes) -> tuple[float, float]:
    """(seconds until `marker` was on the terminal, seconds until the program had quit) for one launch."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    started = time.monotonic()
    seen = b""
    found = None
    try:
        while time.monotonic() - started < TIMEOUT:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            seen = (seen + chunk)[-200_000:]
            if marker in seen:
                found = time.monotonic() - started
                break
        if found is None:
            raise SystemExit(f"{argv}: {marker!r} did not appear within {TIMEOUT:.0f} s")
        os.write(fd, quit_keys)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    if not os.read(fd, 65536):
                        break
                except OSError:
                    break
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                pid = 0
                break
    finally:
        if pid:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        os.close(fd)
    return found, time.monotonic() - started


def lab_profile_into(config_home: Path) -> str:
    """Write the `lab` profile into a private config dir; returns where its facts came from."""
    os.environ["XDG_CONFIG_HOME"] = str(config_home)
    from drconsole.app.labstart import open_env
    from drconsole.profile import Profile, save_profile

    try:
        from drconsole.lab.profile import lab_profile

        save_profile(lab_profile(open_env()))
        return "the lab's facts"
    except (KeyError, OSError, ValueError):
        save_profile(Profile.model_validate({
            "name": "lab", "cloud": {"region": "cn-hangzhou", "access_key_id": "LTAIbench"},
            "network": {"vpc_id": "vpc-bench00001", "vpc_cidrs": ["192.168.0.0/16"], "idc_cidrs": ["10.10.0.0/16"],
                        "bgp": {"idc_asn": 65001, "vbr_peer_ip": "10.0.0.1", "idc_peer_ip": "10.0.0.2"}},
            "clusters": {"fleet": {"context": "fleet"}, "ack": {"context": "ack", "zone": "cn-hangzhou-h"},
                         "registered": {"context": "idc", "zone": "cn-hangzhou-i"}},
            "gateway": {"host": "app.dr.example.com"}}))
        return "a synthetic profile (no lab facts found)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    venv_bin = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="drc-bench-") as tmp:
        home = Path(tmp)
        source = lab_profile_into(home / "config")
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40",
               "XDG_CONFIG_HOME": str(home / "config"), "XDG_STATE_HOME": str(home / "state"),
               "XDG_DATA_HOME": str(home / "data")}
        bare = home / "bare.py"
        bare.write_text(BARE_APP)
        drconsole = [str(venv_bin / "drconsole"), "--profile", "lab"]
        ours: list[float] = []
        loaded: list[float] = []
        base: list[float] = []
        for _ in range(args.runs):
            base.append(time_to_marker([sys.executable, str(bare)], b"bare textual ready", env, b"\x11")[0])
            first = time_to_marker(drconsole, b"profile lab", env, b"q")[0]
            ours.append(first)
            loaded.append(time_to_marker(drconsole, b"steps done", env, b"q")[0])
    bare_s, ours_s, loaded_s = statistics.median(base), statistics.median(ours), statistics.median(loaded)
    print(f"profile: {source}; {args.runs} runs each, medians")
    print(f"bare Textual app, first screen:        {bare_s * 1000:7.0f} ms  (runs: {_ms(base)})")
    print(f"drconsole -p lab, first screen:        {ours_s * 1000:7.0f} ms  (runs: {_ms(ours)})")
    print(f"drconsole -p lab, runbook loaded:      {loaded_s * 1000:7.0f} ms  (runs: {_ms(loaded)})")
    print(f"ratio first screen / bare: {ours_s / bare_s:.2f}x")
    print(f"ratio usable runbook screen (step states drawn) / bare: {loaded_s / bare_s:.2f}x (target <= 1.5x)")


def _ms(values: list[float]) -> str:
    return " ".join(f"{v * 1000:.0f}" for v in values)


if __name__ == "__main__":
    main()
