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
