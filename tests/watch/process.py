"""A `drconsole watch` process for the lab tests: its output collected in a thread, its /metrics read."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from prometheus_client.parser import text_string_to_metric_families

T = TypeVar("T")
WAIT_S = 180.0  # how long a test waits for something the lab does within seconds (CI may be slow)


class WatchProcess:
    def __init__(self, profile: str, config: Path, identity: str, *, lease: bool = True) -> None:
        self.identity = identity
        args = [sys.executable, "-m", "drconsole", "watch", "--profile", profile, "--config", str(config),
                "--identity", identity, "--metrics-port", "0"]
        self.proc = subprocess.Popen(args if lease else [*args, "--no-lease"], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        first = wait_for(lambda: self.lines[0] if self.lines else None, f"{identity} to start")
        assert first.startswith("metrics: "), self.output()
        self.metrics_url = first.split(" ", 1)[1].strip()
        self.port = int(self.metrics_url.rsplit(":", 1)[1].split("/")[0])

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def output(self) -> str:
        return "\n".join(self.lines)

    def sample(self, name: str) -> list[tuple[dict[str, str], float]]:
        text = urllib.request.urlopen(self.metrics_url, timeout=10).read().decode()
        return [(s.labels, s.value) for f in text_string_to_metric_families(text) for s in f.samples if s.name == name]

    def sweeps(self) -> int:
        found = self.sample("drconsole_sweep_duration_seconds_count")
        return int(found[0][1]) if found else 0

    def leading(self) -> bool:
        found = self.sample("drconsole_watch_leader")
        return bool(found and found[0][1] == 1)

    def wait_sweeps(self, count: int) -> None:
        target = self.sweeps() + count
        wait_for(lambda: self.sweeps() >= target or None, f"{count} more sweeps of {self.identity}")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        self._reader.join(timeout=10)
        return self.proc.returncode


def wait_for(probe: Callable[[], T | None], what: str, timeout: float = WAIT_S) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")
