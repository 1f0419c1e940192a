"""Start lab daemons in the foreground of their own session and keep their PIDs on disk.

A daemon outlives the command that started it (`drconsole lab up` returns), so every
record lives in files under the lab's run directory; any later process can stop it.
A PID is trusted only while /proc/<pid>/cmdline still matches what we started, so a
recycled PID is never signalled.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from drconsole.errors import LabError


@dataclass
class Daemon:
    """How to run one lab process."""

    name: str
    argv: Sequence[str]
    netns: str | None = None
    run_as: str | None = None  # a user name; started through setpriv when we are root
    cwd: Path | None = None
    env: Mapping[str, str] | None = None
    ready: Callable[[], bool] | None = None
    ready_timeout: float = 15.0
    extra: dict[str, object] = field(default_factory=dict)


class Supervisor:
    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.pid_dir = run_dir / "pids"
        self.log_dir = run_dir / "logs"

    # -- records ---------------------------------------------------------------
    def _record_path(self, name: str) -> Path:
        return self.pid_dir / f"{name}.json"

    def _record(self, name: str) -> dict[str, object] | None:
        try:
            return json.loads(self._record_path(name).read_text())
        except (OSError, ValueError):
            return None

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.pid_dir.glob("*.json"))

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def pid(self, name: str) -> int | None:
        """The PID of a running daemon we started, or None."""
        rec = self._record(name)
        if not rec:
            return None
        pid = int(rec["pid"])  # type: ignore[call-overload]
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        if stat.rsplit(")", 1)[-1].split()[0] == "Z":
            return None
        program = os.path.basename(str(rec["program"])).encode()
        # Some daemons retitle themselves ("nginx: master process nginx -p ..."), so look at words too.
        words = [word.rstrip(b":") for part in cmdline for word in part.split()]
        if not any(os.path.basename(word) == program for word in words):
            return None
        return pid

    # -- lifecycle -------------------------------------------------------------
    def start(self, daemon: Daemon) -> int:
        """Start `daemon` unless it already runs; wait until it is ready. Returns its PID."""
        running = self.pid(daemon.name)
        if running:
            return running
        self.pid_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        argv = list(daemon.argv)
        if daemon.run_as and os.geteuid() == 0:
            argv = ["setpriv", f"--reuid={daemon.run_as}", f"--regid={_group_of(daemon.run_as)}",
                    "--clear-groups", *argv]
        if daemon.netns:
            argv = ["ip", "netns", "exec", daemon.netns, *argv]
        env = dict(os.environ)
        if daemon.env:
            env.update(daemon.env)
        with open(self.log_path(daemon.name), "ab") as log:
            log_start = log.tell()
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=daemon.cwd, env=env, start_new_session=True,
            )
        record = {"pid": proc.pid, "argv": argv, "program": daemon.argv[0], "started": time.time(),
                  **daemon.extra}
        self._record_path(daemon.name).write_text(json.dumps(record))
        if daemon.ready is not None:
            self._wait_ready(daemon, proc, log_start)
        return proc.pid

    def _wait_ready(self, daemon: Daemon, proc: subprocess.Popen[bytes], log_start: int) -> None:
        deadline = time.monotonic() + daemon.ready_timeout
        assert daemon.ready is not None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                said = _last_line(self.log_path(daemon.name), log_start)
                raise LabError(
                    f"{daemon.name} exited with status {proc.returncode} while starting"
                    + (f"; its log ends: {said}" if said else ""),
                    where=str(self.log_path(daemon.name)),
                    fix="read the log named above and clear what it reports, then start the lab again",
                )
            try:
                if daemon.ready():
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise LabError(
            f"{daemon.name} did not become ready within {daemon.ready_timeout:.0f} s",
            where=str(self.log_path(daemon.name)),
            fix="read the log named above and clear what it reports, then start the lab again",
        )

    def signal(self, name: str, sig: int) -> bool:
        pid = self.pid(name)
        if pid is None:
            return False
        os.kill(pid, sig)
        return True

    def stop(self, name: str, timeout: float = 5.0) -> None:
        """Stop a daemon (SIGTERM, then SIGKILL) and forget it."""
        pid = self.pid(name)
        if pid is not None:
            for sig in (signal.SIGCONT, signal.SIGTERM):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    break
            if not _wait_gone(pid, timeout):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                _wait_gone(pid, 2.0)
        self._record_path(name).unlink(missing_ok=True)

    def stop_all(self) -> None:
        for name in reversed(self.names()):
            self.stop(name)


def _last_line(log: Path, start: int, limit: int = 400) -> str:
    """The last line this start of a daemon wrote to its log (shortened to `limit`), or ''."""
    try:
        with open(log, "rb") as file:
            file.seek(max(start, file.seek(0, os.SEEK_END) - 8192))
            lines = file.read().decode(errors="replace").splitlines()
    except OSError:
        return ""
    last = next((line.strip() for line in reversed(lines) if line.strip()), "")
    return last if len(last) <= limit else last[:limit] + "…"


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            waited, _ = os.waitpid(pid, os.WNOHANG)
            if waited == pid:
                return True
        except ChildProcessError:
            pass
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return True
        if stat.rsplit(")", 1)[-1].split()[0] == "Z":
            return True
        time.sleep(0.02)
    return False


def _group_of(user: str) -> str:
    import grp
    import pwd

    return grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name
