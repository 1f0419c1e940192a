"""What a site adds: checks and actions from its own packages, through entry points, and runbooks from
directories named in the site config.

A package registers its modules under the entry-point groups `drconsole.checks` and `drconsole.actions`
(`name = "module"`); importing a module registers what it defines (`@check`, `@action`). A `findings.yaml`
next to a checks module joins the catalogue of findings. A plugin that fails to load is recorded with its
name and the error; everything else still loads.

The site config is `site.toml` in the config dir:

    runbook_dirs = ["/srv/drconsole/runbooks"]   # relative paths start at the file's folder
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Literal

from drconsole import paths
from drconsole.errors import DrconsoleError

Group = Literal["drconsole.checks", "drconsole.actions"]
SITE_CONFIG = "site.toml"


class SiteError(DrconsoleError):
    """The site config is unreadable or invalid."""


@dataclass(frozen=True)
class Broken:
    """A plugin that did not load."""

    group: str
    name: str  # the entry point's name
    target: str  # the module it names
    error: str

    def __str__(self) -> str:
        return f"plugin {self.name!r} ({self.group}: {self.target}) did not load: {self.error}"


_loaded: dict[str, list[Broken]] = {}


def load(group: Group) -> list[Broken]:
    """Import every plugin module of `group` once; the ones that failed, with their errors."""
    if group not in _loaded:
        broken: list[Broken] = []
        for point in sorted(entry_points(group=group), key=lambda p: p.name):
            try:
                loaded = point.load()
            except Exception as exc:
                broken.append(Broken(group, point.name, point.value, f"{type(exc).__name__}: {exc}"))
                continue
            if isinstance(loaded, ModuleType):
                _add_findings(loaded)
        _loaded[group] = broken
    return _loaded[group]


def broken() -> list[Broken]:
    """Every plugin that failed to load so far."""
    return [b for group in _loaded.values() for b in group]


def _add_findings(module: ModuleType) -> None:
    from drconsole import findings

    where = Path(module.__file__).parent if module.__file__ else None
    if where is not None and (where / findings.SHIPPED).is_file():
        findings.add(where / findings.SHIPPED)


def site_config_path() -> Path:
    return paths.config_dir() / SITE_CONFIG


def runbook_dirs() -> list[Path]:
    """The site's runbook directories, from the site config (none without one)."""
    path = site_config_path()
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SiteError(f"not valid TOML: {exc}", where=str(path), fix="correct the TOML at that line") from None
    unknown = set(data) - {"runbook_dirs"}
    dirs = data.get("runbook_dirs", [])
    if unknown or not isinstance(dirs, list) or not all(isinstance(d, str) for d in dirs):
        raise SiteError(f"expected only `runbook_dirs = [\"<folder>\", ...]`, found {sorted(data)}", where=str(path),
                        fix="list the folders that hold the site's runbooks (*.yaml) in runbook_dirs")
    found = [(path.parent / d).resolve() for d in dirs]
    missing = [str(d) for d in found if not d.is_dir()]
    if missing:
        raise SiteError(f"runbook_dirs names folders that do not exist: {', '.join(missing)}", where=str(path),
                        fix="create them or correct the paths (relative ones start at the site config's folder)")
    return found
