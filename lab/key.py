"""The lab's AccessKey secret. It is made up and opens only this lab's region API, so it is no secret
worth a keyring: it is kept with the lab (readable by its owner only), and the lab works on a host with
no OS keyring. Real profiles keep theirs in the keyring or the credential chain (drconsole.secrets)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

FILE = "access-key-secret"


def path(lab_root: Path) -> Path:
    return lab_root / FILE


def read(lab_root: Path) -> str | None:
    try:
        return path(lab_root).read_text().strip() or None
    except OSError:
        return None


def ensure(lab_root: Path) -> str:
    """The lab's secret, made on first use."""
    known = read(lab_root)
    if known:
        return known
    made = secrets.token_urlsafe(30)
    lab_root.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path(lab_root), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(made)
    return made
