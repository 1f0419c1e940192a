"""Shared set-up for benchmarks: a private home (XDG dirs, file keyring) and a lab of our own."""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drconsole.lab.env import StartState
    from drconsole.lab.timing import TimingName


def private_home() -> Path:
    """Point the XDG dirs and the keyring at a temporary home, before drconsole is imported; it is removed
    when the benchmark exits."""
    home = Path(tempfile.mkdtemp(prefix="drconsole-bench-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        os.environ[var] = str(home / var.lower())
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    return home


@contextmanager
def bench_lab(home: Path, lab_id: str = "b", state: StartState = "built",
              timing: TimingName = "fast") -> Iterator[tuple[Any, Any]]:
    """A full lab (all parts, `timing` as `drconsole lab up --timing`) for the benchmark; yields (LabEnv, Profile)
    and tears it down."""
    from drconsole.lab.env import LabEnv
    from drconsole.lab.lab import Lab
    from drconsole.lab.profile import write_lab_profile

    env = LabEnv(root=home / "lab", mode=LabEnv.default_mode(), lab_id=lab_id, start_state=state,
                 timing_name=timing, access_key_secret=secrets.token_urlsafe(30))
    lab = Lab(env)
    try:
        lab.up()
        yield env, write_lab_profile(env)
    finally:
        lab.down()


def median(values: list[float]) -> float:
    return statistics.median(values)


def line(name: str, value: str, target: str = "", verdict: bool | None = None) -> str:
    mark = "" if verdict is None else ("  ok" if verdict else "  MISSED")
    return f"{name:<58} {value:>14}  {target}{mark}"
