"""`drconsole check` and `drconsole export` against the running lab: every format is valid, the exit codes
mean what they say, and the lab's AccessKey secret never shows in any output or evidence bundle."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from junitparser import JUnitXml

from drconsole.exporters.json_export import schema
from drconsole.lab.env import LabEnv
from drconsole.lab.lab import Lab
from drconsole.profile import Profile
from tests.checks.network_support import OFF_IN_THE_LAB, left_off


def drconsole(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "drconsole", *args], capture_output=True, text=True, timeout=180,
                          check=False)


@pytest.fixture
def secret(lab_env: LabEnv) -> str:
    assert lab_env.access_key_secret
    return lab_env.access_key_secret


def test_json_check_follows_the_schema(lab: dict[str, Any], lab_profile: Profile, secret: str) -> None:
    done = drconsole("check", "--profile", lab_profile.name, "--format", "json")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    document = json.loads(done.stdout)
    jsonschema.validate(document, schema())
    results = [c for step in document["steps"] for c in step["checks"]]
    assert {c["status"] for c in results if not left_off(c["key"], c["status"], c["code"])} == {"pass"}
    assert document["totals"]["checks"] > 30
    assert secret not in done.stdout + done.stderr


def test_junit_and_markdown_from_a_real_sweep(lab: dict[str, Any], lab_profile: Profile, tmp_path: Path,
                                              secret: str) -> None:
    report = tmp_path / "sweep.xml"
    done = drconsole("check", "--profile", lab_profile.name, "--format", "junit", "--output", str(report))
    assert done.returncode == 0, done.stderr
    xml = JUnitXml.fromfile(str(report))
    cases = [case for suite in xml for case in suite]
    left_off_cases = [case for case in cases if case.name in OFF_IN_THE_LAB and case.is_skipped]
    assert len(cases) > 30 and all(case.is_passed for case in cases if case not in left_off_cases)
    markdown = drconsole("export", "--profile", lab_profile.name, "--format", "md").stdout
    assert "- [x] **" in markdown and "✓ `bgp.peer-established`" in markdown
    for text in (report.read_text(), markdown):
        assert secret not in text


def test_exit_codes_fail_unevaluated_and_profile_errors(lab: dict[str, Any], lab_env: LabEnv,
                                                        lab_profile: Profile, tmp_path: Path, secret: str) -> None:
    name = lab_profile.name
    assert drconsole("check", "--profile", "no-such-profile").returncode == 2
    broken = tmp_path / "broken.toml"
    broken.write_text("[cloud]\nregion = 'cn-hangzhou'\n")
    done = drconsole("profile", "validate", str(broken))
    assert done.returncode == 2 and "required but missing" in done.stderr
    assert drconsole("check", "--profile", name, "--only", "no.such-check").returncode == 2
    the_lab = Lab(lab_env)
    the_lab.break_("region-5xx")
    try:
        unevaluated = drconsole("check", "--profile", name, "--only", "fleet.running")
    finally:
        the_lab.heal("region-5xx")
    assert unevaluated.returncode == 3, unevaluated.stdout
    assert "could not be evaluated" in unevaluated.stdout and "CLOUD-UNAVAILABLE" in unevaluated.stdout
    bundle = tmp_path / "bundle"
    assert drconsole("check", "--profile", name, "--step", "gateway.verify").returncode == 0
    the_lab.break_("zone-b")
    try:
        failed = drconsole("check", "--profile", name, "--step", "gateway.verify", "--bundle", str(bundle),
                           "--since-last-pass")
    finally:
        the_lab.heal("zone-b")
    assert failed.returncode == 1, failed.stdout
    assert "gateway.verify/zone-b: GW-ZONE-DOWN:" in failed.stdout and "fix:" in failed.stdout
    assert "changed since the last all-pass run" in failed.stdout
    [folder] = list(bundle.iterdir())
    files = list(folder.iterdir())
    assert any("zone-b" in f.name for f in files)
    for path in files:
        assert secret not in path.read_text()
    assert secret not in failed.stdout + failed.stderr


def test_every_export_format_of_the_last_run(lab: dict[str, Any], lab_profile: Profile, tmp_path: Path,
                                             secret: str) -> None:
    assert drconsole("check", "--profile", lab_profile.name, "--step", "network.bgp-idc").returncode == 0
    for fmt in ("md", "html", "json", "junit"):
        target = tmp_path / f"run.{fmt}"
        done = drconsole("export", "--profile", lab_profile.name, "--format", fmt, "--output", str(target))
        assert done.returncode == 0, done.stderr
        text = target.read_text()
        assert "network.bgp-idc" in text or "Configure BGP" in text
        assert secret not in text
    jsonschema.validate(json.loads((tmp_path / "run.json").read_text()), schema())
