"""The core never imports Textual, and start-up does not pay for the heavy libraries."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("textual", "kubernetes", "scapy", "alibabacloud_tea_openapi", "alibabacloud_vpc20160428")


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(m for m in sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    return set(done.stdout.split())


def test_core_checks_and_runbooks_never_import_textual() -> None:
    loaded = _loaded_after(
        "import drconsole.engine, drconsole.sweeps, drconsole.journal, drconsole.context, drconsole.cloud\n"
        "import drconsole.kube, drconsole.profile, drconsole.runbooks.loader, drconsole.lab.lab\n"
        "from drconsole.registry import load_checks, load_actions\nload_checks(); load_actions()")
    assert "textual" not in loaded
    assert "drconsole.tui" not in loaded


def test_cli_start_up_loads_no_heavy_library() -> None:
    loaded = _loaded_after("import drconsole.cli.main")
    assert not [name for name in HEAVY if name in loaded]


def test_loading_every_check_and_action_stays_light() -> None:
    loaded = _loaded_after("from drconsole.registry import load_checks, load_actions\nload_checks(); load_actions()")
    assert not [name for name in HEAVY if name in loaded]


def _imports(folder: str) -> dict[str, set[str]]:
    """Every drconsole module each source file of `folder` imports, at the top or inside a function."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / folder
    found: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[str(path.relative_to(root.parent))] = {n for n in names if n.startswith("drconsole")}
    return found


def _reaching(folder: str, forbidden: tuple[str, ...]) -> dict[str, set[str]]:
    return {path: {n for n in names if n.startswith(forbidden)}
            for path, names in _imports(folder).items() if any(n.startswith(forbidden) for n in names)}


def test_the_application_layer_loads_no_textual() -> None:
    loaded = _loaded_after(
        "import pkgutil, importlib, drconsole.app\n"
        "for m in pkgutil.iter_modules(drconsole.app.__path__): importlib.import_module('drconsole.app.' + m.name)")
    assert "drconsole.app.session" in loaded and "drconsole.app.stepstate" in loaded
    assert "textual" not in loaded and "drconsole.tui" not in loaded
    assert _reaching("console/app", ("drconsole.tui", "drconsole.cli")) == {}


def test_the_console_reaches_the_cli_through_nothing() -> None:
    assert _reaching("console/tui", ("drconsole.cli",)) == {}


def test_the_lab_uses_no_product_logic() -> None:
    """The lab plays the cloud; sharing the product's checks, actions or screens would hide their bugs."""
    forbidden = ("drconsole.actions", "drconsole.checks", "drconsole.tui", "drconsole.app", "drconsole.cli",
                 "drconsole.exporters", "drconsole.engine", "drconsole.sweeps")
    assert _reaching("lab", forbidden) == {}
