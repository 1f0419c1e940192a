"""Where drconsole keeps its files (XDG directories, overridable for tests and the lab)."""

from __future__ import annotations

import os
from pathlib import Path

APP = "drconsole"


def _xdg(var: str, fallback: str) -> Path:
    base = os.environ.get(var) or str(Path.home() / fallback)
    return Path(base) / APP


def config_dir() -> Path:
    """Profiles live here (`profiles/<name>.toml`)."""
    return _xdg("XDG_CONFIG_HOME", ".config")


def state_dir() -> Path:
    """Journals and the lab's running state live here."""
    return _xdg("XDG_STATE_HOME", ".local/state")


def cache_dir() -> Path:
    """Built kube binaries and other rebuildable things live here."""
    return _xdg("XDG_CACHE_HOME", ".cache")


def profiles_dir() -> Path:
    return config_dir() / "profiles"


def lab_dir() -> Path:
    """The running lab's files: configs, sockets, PIDs, logs, CA, kubeconfig."""
    override = os.environ.get("DRCONSOLE_LAB_DIR")
    return Path(override) if override else state_dir() / "lab"
