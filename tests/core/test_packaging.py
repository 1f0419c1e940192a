"""Every package folder is listed in pyproject.toml, so a normal (non-editable) install ships it."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_folder_is_listed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    roots = {folder: name for name, folder in config["package-dir"].items()}
    found = set()
    for folder, name in roots.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder)
            found.add(".".join([name, *relative.parts]))
    nested_roots = {name for name in roots.values() if "." in name}
    listed = set(config["packages"])
    assert found - listed == set(), "add these to [tool.setuptools] packages"
    assert listed - found - nested_roots == set(), "these are listed but have no __init__.py"
