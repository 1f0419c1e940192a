"""What each zone backend serves: the static files the workloads running in that zone's cluster publish
(drconsole.lab.controllers.pages writes them). The backend's nginx serves the directory as it is, so a
change needs no reload; a path no workload publishes answers 404, as a real Service's pods would."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from drconsole.lab.env import LabEnv
from drconsole.lab.net.layout import ZONES

PUBLISHED = "published.json"  # the paths the controllers wrote last, so they remove only their own files


def zone_dir(env: LabEnv, zone: str) -> Path:
    return env.part_dir("net") / f"zone-{zone}"


def html_dir(env: LabEnv, zone: str) -> Path:
    return zone_dir(env, zone) / "html"


def publish(env: LabEnv, zone: str, pages: Mapping[str, str]) -> None:
    """Make the zone serve exactly `pages` (URL path -> content) of those the controllers publish."""
    root, ledger = html_dir(env, zone), zone_dir(env, zone) / PUBLISHED
    try:
        before = set(json.loads(ledger.read_text()))
    except (OSError, ValueError):
        before = set()
    for path in before - set(pages):
        (root / path.lstrip("/")).unlink(missing_ok=True)
    for path, text in pages.items():
        target = root / path.lstrip("/")
        if not target.resolve().is_relative_to(root.resolve()):
            continue
        if not target.exists() or target.read_text() != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_text(text)
            tmp.replace(target)
    if before != set(pages):
        ledger.parent.mkdir(parents=True, exist_ok=True)
        ledger.write_text(json.dumps(sorted(pages)))


def zone_of_page(env: LabEnv, body: bytes, path: str = "/index.html") -> str | None:
    """The zone whose page at `path` is `body`: the lab's own record of what each zone serves, for the lab
    and its tests to tell which backend answered (None when no zone's page, or both, match)."""
    found = [zone for zone in sorted(ZONES) if _read(html_dir(env, zone) / path.lstrip("/")) == body]
    return found[0] if len(found) == 1 else None


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
