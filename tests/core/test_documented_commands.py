"""The docs cannot drift from the CLI: every command shown in README.md and in a `--help` text is found
here, parses, and is run — here on the session lab, or by the test named for it in ELSEWHERE. Commands
that error messages suggest (`fix:` texts in the source) must at least parse."""

from __future__ import annotations

import ast
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = ("drconsole ", "./dev ")
SPAN = re.compile(r"`([^`\n]+)`")

# Run for real below, on the session lab, in this order (break before heal).
RUN_HERE = [
    "drconsole lab status",
    "drconsole lab faults",
    "drconsole lab break zone-a",
    "drconsole lab heal zone-a",
    "drconsole profile show --profile lab",
    "drconsole profile validate",
    "drconsole profile set-secret",
    "drconsole profile ram-policy",
    "drconsole profile ram-policy --read-only",
    "drconsole runbook show zone-dr-hybrid",
    "drconsole check --profile lab",
    "drconsole journal",
    "drconsole journal backup",
]
# Commands that start, reset or stop a whole lab, or open a terminal UI, are run by their own tests.
ELSEWHERE = {
    "./dev test": ".ci/run",
    "./dev lab": "tests/tui/test_e2e_tmux.py::test_drconsole_lab_in_tmux",  # ends in `drconsole --lab`
    "drconsole --lab": "tests/tui/test_e2e_tmux.py::test_drconsole_lab_in_tmux",
    "drconsole setup": "tests/tui/test_setup_entry.py::test_setup_opens_the_wizard",
    "drconsole explain BGP-PEER-IDLE": "tests/core/test_findings.py::test_explain_prints_every_entry",  # every code
    "drconsole lab up": "tests/lab/test_lab_cli.py::test_a_newcomers_lab_from_built_to_fresh_to_built",
    "drconsole lab up --state fresh": "tests/lab/test_lab_cli.py::test_a_newcomers_lab_from_built_to_fresh_to_built",
    "drconsole lab down": "tests/lab/test_lab_cli.py::test_a_newcomers_lab_from_built_to_fresh_to_built",
    "drconsole lab up --timing real": "tests/lab/test_lab_cli.py::test_a_newcomers_lab_from_built_to_fresh_to_built",
    **dict.fromkeys(["drconsole watch", "drconsole watch --profile prod",
                     "drconsole watch --profile prod --metrics-address 0.0.0.0 --metrics-port 9479",
                     "drconsole watch status --profile prod"],
                    "tests/watch/test_watch_cli.py::test_a_watcher_serves_metrics_journals_and_stops"),
    **dict.fromkeys(["drconsole watch set-token oncall --profile prod",
                     "drconsole watch set-token oncall --part secret"],
                    "tests/watch/test_watch_cli.py::test_set_token_stores_in_the_keyring_only"),
}


def _commands_in(text: str) -> Iterator[str]:
    """Lines of ```bash blocks (without their comments) and backticked spans that start with a program."""
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            command = line.split(" #", 1)[0].strip()
            if command.startswith(PROGRAMS) or command == "drconsole":
                yield command
    for span in SPAN.findall(text):
        if span.startswith(PROGRAMS):
            yield " ".join(span.split())


def readme_commands() -> set[str]:
    return set(_commands_in((ROOT / "README.md").read_text()))


def _walk(command: click.Command, path: list[str]) -> Iterator[tuple[list[str], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            yield from _walk(sub, [*path, name])


def help_commands() -> set[str]:
    from drconsole.cli.main import cli

    found = set()
    for path, command in _walk(cli, ["drconsole"]):
        found |= set(_commands_in(command.get_help(click.Context(command, info_name=" ".join(path)))))
    return found


def suggested_commands() -> set[str]:
    """`drconsole ...` spans in the string constants of the source (fix texts); f-string fields become `x`."""
    found = set()
    for folder in ("console", "lab", "checks"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.JoinedStr):
                    text = "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                    text = node.value
                else:
                    continue
                found |= {span for span in _commands_in(text) if span.startswith("drconsole ")}
    return found


def _parses(command: str) -> Any:
    """`--help` is eager but comes after parsing: an unknown option or command still fails (exit 2)."""
    from drconsole.cli.main import cli

    args = shlex.split(command)[1:]
    return CliRunner().invoke(cli, [*args, "--help"])


def test_the_extractors_find_what_they_should() -> None:
    readme = readme_commands()
    assert {"drconsole profile show --profile lab", "drconsole lab break zone-a", "./dev test"} <= readme
    assert "drconsole journal" in help_commands()
    assert any(c.startswith("drconsole profile set-secret") for c in suggested_commands())


def test_every_documented_command_is_run_by_a_test() -> None:
    documented = readme_commands() | help_commands()
    unexercised = documented - set(RUN_HERE) - set(ELSEWHERE)
    assert not unexercised, "add these to RUN_HERE, or name the test that runs them in ELSEWHERE"
    for where in set(ELSEWHERE.values()):
        file, _, test = where.partition("::")
        assert (ROOT / file).is_file(), where
        assert not test or re.search(rf"^(async )?def {test}\(", (ROOT / file).read_text(), re.M), where


@pytest.mark.parametrize("command", sorted(readme_commands() | help_commands() | suggested_commands()))
def test_every_documented_or_suggested_command_parses(command: str) -> None:
    if command.startswith("./dev "):
        assert f"  {command.split()[1]})" in (ROOT / "dev").read_text(), command
        return
    result = _parses(command)
    assert result.exit_code == 0, f"{command}: {result.output}"


@pytest.mark.lab
def test_the_documented_commands_run_on_the_lab(lab_profile: Any, lab_env: Any, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    import json
    import time

    from drconsole.cli.main import cli

    # The CLI's lab is the session lab: same directory, same settings.
    monkeypatch.setenv("DRCONSOLE_LAB_DIR", str(lab_env.root))
    (lab_env.root / "lab.json").write_text(json.dumps({"mode": lab_env.mode, "start_state": lab_env.start_state,
                                                       "lab_id": lab_env.lab_id}))
    answers = {"drconsole profile set-secret": f"{lab_env.access_key_secret}\n"}
    # `check` exits 0 when the sweep passes (after the heal above, once zone A's app is healthy again); the
    # others exit 0 when they did what was asked.
    settles = {"drconsole check --profile lab": time.monotonic() + 90}
    for command in RUN_HERE:
        while True:
            result = CliRunner().invoke(cli, shlex.split(command)[1:], input=answers.get(command))
            if result.exit_code == 0 or time.monotonic() > settles.get(command, 0):
                break
            time.sleep(2)
        assert result.exit_code == 0, f"{command}: {result.output}"
        assert "Traceback" not in result.output, command
    assert "zone-a" not in lab_env.broken()
