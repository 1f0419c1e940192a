"""The catalogue of findings: every non-pass outcome carries a known code, the catalogue is well formed,
its fix steps exist, `drconsole explain` shows every entry, and docs/findings.md is generated from it."""

from __future__ import annotations

import ast
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from drconsole import findings
from drconsole.cli.main import cli
from drconsole.journal import MIGRATIONS, Journal
from drconsole.results import CheckResult, Evidence, Outcome, Status
from drconsole.runbooks.loader import load_runbook

ROOT = Path(__file__).resolve().parents[2]
FACTORIES = {"failed", "warned", "errored", "skipped"}
# where outcomes are made: every check module, and the engine (for checks that could not be judged)
PRODUCERS = [*sorted((ROOT / "checks").glob("*.py")), ROOT / "console" / "engine.py"]


def _outcome_calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "Outcome"
            and node.func.attr in FACTORIES]


def _code_literals(tree: ast.AST) -> set[str]:
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and findings.CODE.fullmatch(node.value)}


def test_a_non_passing_outcome_without_a_code_is_refused() -> None:
    for status in (Status.FAIL, Status.WARN, Status.ERROR, Status.SKIPPED):
        with pytest.raises(ValueError, match="finding code"):
            Outcome(status=status, summary="something is wrong")
    assert Outcome(status=Status.FAIL, summary="x", code="BGP-PEER-IDLE").code == "BGP-PEER-IDLE"


def test_an_unknown_code_or_the_wrong_status_is_refused() -> None:
    with pytest.raises(findings.CatalogueError, match="did you mean BGP-PEER-IDLE"):
        Outcome.failed("BGP-PEER-IDEL", "the session is Idle")
    with pytest.raises(ValueError, match="is a warn in the catalogue"):
        Outcome.failed("GW-FAILED-OVER", "served from zone b")


def test_the_catalogue_gives_what_the_check_does_not_say() -> None:
    outcome = Outcome.failed("BGP-PEER-IDLE", "BGP session with 10.0.0.2 is Idle", Evidence(source="t"),
                             peer="10.0.0.2")
    entry = findings.lookup("BGP-PEER-IDLE")
    assert outcome.status is Status.FAIL and outcome.fix_step == entry.fix_step == "network.bgp-idc"
    assert outcome.remedy == entry.remedy and outcome.cause is not None and "10.0.0.2" in outcome.cause
    said = Outcome.failed("BGP-PEER-IDLE", "s", cause="seen", fix_step="elsewhere")
    assert (said.cause, said.fix_step) == ("seen", "elsewhere")


def test_every_outcome_a_check_makes_names_a_catalogued_code() -> None:
    """A static scan: each factory call's code is a literal in the catalogue, or an expression built only
    from catalogued literals of the same module (state maps, helper functions)."""
    known = findings.shipped()
    for path in PRODUCERS:
        tree = ast.parse(path.read_text(), str(path))
        literals = _code_literals(tree)
        assert literals <= set(known), f"{path.name}: unknown codes {sorted(literals - set(known))}"
        for call in _outcome_calls(tree):
            where = f"{path.name}:{call.lineno}"
            assert call.args and not isinstance(call.args[0], ast.Starred), f"{where}: no finding code"
            first = call.args[0]
            if isinstance(first, ast.Constant):
                assert first.value in known, f"{where}: {first.value!r} is not in the catalogue"
            else:
                assert isinstance(first, (ast.Name, ast.Call, ast.Attribute)), f"{where}: cannot follow the code"
        direct = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                  and n.func.id == "Outcome"]
        assert not direct, f"{path.name}:{direct}: build outcomes with the factories, which consult the catalogue"


def test_every_catalogued_code_is_produced_somewhere() -> None:
    sources = [*PRODUCERS, ROOT / "console" / "errors.py", ROOT / "console" / "cloud.py",
               ROOT / "console" / "journal.py"]
    used = set().union(*(_code_literals(ast.parse(p.read_text())) for p in sources))
    used |= {code for p in sources for code in findings.shipped() if f"'{code}'" in p.read_text()}
    assert set(findings.shipped()) - used == set()


def test_every_fix_step_is_a_step_of_the_setup_runbook() -> None:
    steps = {step.id for step in load_runbook("zone-dr-hybrid", check_names=False).steps}
    stray = {f.code: f.fix_step for f in findings.shipped().values() if f.fix_step and f.fix_step not in steps}
    assert stray == {}
    from drconsole.checks import dns, kube, routes

    dynamic = set(kube.FIX_STEPS.values()) | set(routes.FIX_STEPS.values())
    dynamic |= {dns.target(_profile(), s).fix_step for s in ("acr", "acr-ee", "oss", "gateway")}
    assert dynamic <= steps


def _profile():  # type: ignore[no-untyped-def]
    from drconsole.profile import parse_profile
    from tests.core.conftest import VALID_PROFILE

    return parse_profile(VALID_PROFILE, source="p.toml")


def test_explain_prints_every_entry() -> None:
    runner = CliRunner()
    for code, finding in findings.shipped().items():
        result = runner.invoke(cli, ["explain", code.lower()])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"{code} — ") and finding.remedy in result.output
    unknown = runner.invoke(cli, ["explain", "BGP-PEER-IDEL"])
    assert unknown.exit_code == 2 and "BGP-PEER-IDLE" in unknown.output


def test_the_reference_page_is_generated_from_the_catalogue() -> None:
    page = (ROOT / "docs" / "findings.md").read_text()
    assert page == findings.reference_markdown(), "regenerate: drconsole explain --markdown > docs/findings.md"
    assert all(f"`{code}`" in page for code in findings.shipped())


@pytest.mark.parametrize(("text", "words"), [
    ("BGP-X:\n  title: t\n  severity: pass\n  cause: c\n  remedy: r\n", ":1: BGP-X: severity 'pass'"),
    ("BGP-X:\n  title: t\n  severity: fail\n  cause: c\n", ":1: BGP-X: missing ['remedy']"),
    ("A: {}\n", ":1: 'A' is not a finding code"),
    ("BGP-X:\n  title: t\n  severity: fail\n  cause: c\n  remedy: r\nBGP-X:\n  title: t\n  severity: fail\n"
     "  cause: c\n  remedy: r\n", ":6: BGP-X is defined twice"),
])
def test_a_malformed_catalogue_is_located(text: str, words: str) -> None:
    with pytest.raises(findings.CatalogueError) as caught:
        findings.parse(text, "site.yaml")
    assert f"site.yaml{words}" in str(caught.value)


def test_results_journaled_before_codes_read_back_coded(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0] + ";PRAGMA user_version=1;")
    db.execute("INSERT INTO check_results(run_id, check_name, title, key, family, status, summary, evidence, started, "
               "duration_ms) VALUES (NULL, 'bgp.peer', 't', 'k', 'bgp', 'fail', 'Idle', ?, 0, 0)",
               (json.dumps([{"source": "vpc"}]),))
    db.commit()
    db.close()
    [old] = Journal(path).latest_results().values()
    assert (old.status, old.code) == (Status.FAIL, "RECORD-UNCODED")


def test_a_journaled_result_keeps_its_code(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite")
    outcome = Outcome.failed("DNS-PUBLIC-ANSWER", "resolves to 1.2.3.4", Evidence(source="dns"), label="ACR")
    journal.record_result(CheckResult(**outcome.model_dump(), check="dns.private-name", key="s/dns", title="t",
                                      family="dns"))
    [back] = journal.latest_results().values()
    assert (back.code, back.fix_step) == ("DNS-PUBLIC-ANSWER", "network.routes-acr")
