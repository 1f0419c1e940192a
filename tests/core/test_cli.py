"""Every command's help works; profile and runbook commands answer with the right exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from drconsole.profile import parse_profile, save_profile


def drconsole(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "drconsole", *args], capture_output=True, text=True, timeout=60,
                          check=False)


def _commands() -> list[list[str]]:
    from click import Group

    from drconsole.cli.main import cli

    found: list[list[str]] = [[]]
    for name, command in cli.commands.items():
        found.append([name])
        if isinstance(command, Group):
            found += [[name, sub] for sub in command.commands]
    return found


@pytest.mark.parametrize("words", _commands(), ids=lambda w: " ".join(w) or "drconsole")
def test_help_of_every_command(words: list[str]) -> None:
    done = drconsole(*words, "--help")
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout


def test_version() -> None:
    from drconsole import __version__

    assert drconsole("--version").stdout.strip().endswith(__version__)


def test_profile_commands(profile_text: str, tmp_path: Path) -> None:
    assert "no profiles yet" in drconsole("profile", "list").stdout
    save_profile(parse_profile(profile_text, source="p.toml"))
    assert "prod-hz" in drconsole("profile", "list").stdout
    shown = drconsole("profile", "show")
    assert shown.returncode == 0 and 'vpc_id = "vpc-bp1abcdef012345"' in shown.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text(profile_text.replace("idc_asn = 65001", 'idc_asn = "sixty"'))
    failed = drconsole("profile", "validate", str(bad))
    assert failed.returncode == 2
    assert f"{bad}:" in failed.stderr and "network.bgp.idc_asn" in failed.stderr
    assert "Traceback" not in failed.stderr


def test_no_profile_is_a_clear_usage_error() -> None:
    done = drconsole("journal")
    assert done.returncode == 2
    assert "drconsole lab up" in done.stderr and "Traceback" not in done.stderr


def test_runbook_commands(tmp_path: Path) -> None:
    assert "zone-dr-hybrid" in drconsole("runbook", "list").stdout
    assert drconsole("runbook", "validate", "runbooks/zone-dr-hybrid.yaml").returncode == 0
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\ntitle: t\nsummary: s\nsteps:\n  - id: a\n    titel: A\n    guide: g\n")
    done = drconsole("runbook", "validate", str(broken))
    assert done.returncode == 2
    assert f"{broken}:6:5: unknown key 'titel'" in done.stderr and "Traceback" not in done.stderr
