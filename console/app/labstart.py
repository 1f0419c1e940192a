"""The local lab as the console and `drconsole lab` open it, and starting it with progress messages."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drconsole.lab.env import LabEnv
    from drconsole.profile import Profile


def open_env(start_state: str | None = None, mode: str | None = None, timing: str | None = None) -> LabEnv:
    """The lab in the state dir; its mode, start state, timing and ID (derived from the dir) are remembered in
    lab.json."""
    from drconsole import paths
    from drconsole.lab.env import LabEnv

    root = paths.lab_dir()
    saved: dict[str, str] = {}
    with contextlib.suppress(OSError, ValueError):
        saved = json.loads((root / "lab.json").read_text())
    env = LabEnv(root=root, mode=(mode or saved.get("mode") or LabEnv.default_mode()),
                 start_state=(start_state or saved.get("start_state") or "built"),
                 timing_name=(timing or saved.get("timing") or "fast"),
                 lab_id=saved.get("lab_id") or LabEnv.id_for(root))
    (root / "lab.json").write_text(json.dumps({"mode": env.mode, "start_state": env.start_state,
                                               "timing": env.timing_name, "lab_id": env.lab_id}))
    return env


def start_lab(progress: Callable[[str], None]) -> Profile:
    """Bring the lab up (idempotent; a running lab is reused) and write the `lab` profile."""
    from drconsole.lab.lab import Lab
    from drconsole.lab.profile import write_lab_profile

    env = open_env()
    lab = Lab(env)
    progress("starting the lab: " + ", ".join(part.name for part in lab.parts))
    lab.up()
    progress("writing the lab profile")
    return write_lab_profile(env)
