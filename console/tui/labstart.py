"""Start the local lab for the console (as `drconsole lab up`), saying what it is doing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drconsole.profile import Profile


def start_lab(progress: Callable[[str], None]) -> Profile:
    """Bring the lab up (idempotent; a running lab is reused) and write the `lab` profile."""
    from drconsole.cli.lab_cmd import open_env
    from drconsole.lab.lab import Lab
    from drconsole.lab.profile import write_lab_profile

    env = open_env()
    lab = Lab(env)
    progress("starting the lab: " + ", ".join(part.name for part in lab.parts))
    lab.up()
    progress("writing the lab profile")
    return write_lab_profile(env)
