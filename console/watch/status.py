"""The running watcher's state for the console on the same host: a small JSON file per profile,
rewritten atomically, read by the console (leader, last sweep, open alerts)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from drconsole import paths
from drconsole.journal import _alive
from drconsole.watch.alerts import Alert

STALE_AFTER_S = 120.0  # a status not rewritten for this long belongs to a watcher that is gone


class WatchStatus(BaseModel):
    pid: int
    identity: str
    leading: bool
    holder: str | None = None
    last_sweep: float | None = None
    metrics_url: str | None = None
    updated: float
    open_alerts: list[Alert] = Field(default_factory=list)


def status_path(profile: str) -> Path:
    return paths.state_dir() / "watch" / f"{profile}.json"


def write_status(profile: str, status: WatchStatus) -> None:
    path = status_path(profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(status.model_dump_json(), encoding="utf-8")
    os.replace(partial, path)


def read_status(profile: str, now: float | None = None) -> WatchStatus | None:
    """The status of a watcher running for `profile` on this host, or None when none runs."""
    try:
        status = WatchStatus.model_validate_json(status_path(profile).read_text(encoding="utf-8"))
    except (OSError, ValidationError):
        return None
    if (now or time.time()) - status.updated > STALE_AFTER_S or not _alive(status.pid):
        return None
    return status



def describe(status: WatchStatus, now: float | None = None) -> str:
    """One line for the console: 'watch: leader zone-a · swept 12 s ago · 2 open alerts'."""
    role = f"leader {status.identity}" if status.leading else f"standby {status.identity} (leader " \
        f"{status.holder or 'none'})"
    swept = f"swept {(now or time.time()) - status.last_sweep:.0f} s ago" if status.last_sweep else "first sweep"
    count = len(status.open_alerts)
    return f"watch: {role} · {swept} · {count} open alert{'s' if count != 1 else ''}"
