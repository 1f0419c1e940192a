"""The console's own settings: `console.toml` in the config dir (theme, key remapping, refresh)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field

from drconsole import paths
from drconsole.errors import ProfileError

DARK, LIGHT = "textual-dark", "textual-light"


@dataclass
class ConsoleConfig:
    theme: str = DARK
    keys: dict[str, str] = field(default_factory=dict)  # binding id -> key(s), e.g. "drconsole.dashboard" = "g"
    refresh_s: int = 0  # dashboard auto-refresh; 0 = off


def load_config() -> ConsoleConfig:
    path = paths.config_dir() / "console.toml"
    if not path.is_file():
        return ConsoleConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"not valid TOML: {exc}", where=str(path),
                           fix="correct the syntax or delete the file") from None
    theme = str(data.get("theme", DARK))
    keys = {str(k): str(v) for k, v in dict(data.get("keys", {})).items()}
    return ConsoleConfig(theme=theme if theme in (DARK, LIGHT) else DARK, keys=keys,
                         refresh_s=int(data.get("refresh_s", 0)))
