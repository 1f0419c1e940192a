"""Each format carries the same record: steps, confirmations, checks with evidence, actions, overrides."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from junitparser import Error, Failure, JUnitXml

from drconsole.exporters import renderer
from drconsole.exporters.json_export import schema
from drconsole.exporters.record import SCHEMA, RunRecord


def test_the_shipped_schema_is_the_models_schema() -> None:
    generated = RunRecord.model_json_schema(by_alias=True)
    shipped = schema()
    assert shipped["properties"]["schema"]["const"] == SCHEMA == "drconsole.run/2"
    assert set(shipped["$defs"]) == set(generated["$defs"])
    assert set(shipped["$defs"]["CheckResult"]["properties"]) == set(generated["$defs"]["CheckResult"]["properties"])
    assert "code" in shipped["$defs"]["CheckResult"]["required"]
    assert shipped["required"] == generated["required"]


def test_json_validates_against_the_shipped_schema(record: RunRecord) -> None:
    document = json.loads(renderer("json")(record))
    jsonschema.validate(document, schema())
    assert document["schema"] == "drconsole.run/2"
    assert document["recovery_seconds"] == 4.2
    codes = {c["check"]: (c["status"], c["code"]) for s in document["steps"] for c in s["checks"]}
    assert codes == {"bgp.peer": ("fail", "BGP-PEER-IDLE"), "dns.private": ("pass", None)}
    broken = dict(document, schema="drconsole.run/1")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema())


def test_the_schema_refuses_a_failing_check_without_a_code(record: RunRecord) -> None:
    document = json.loads(renderer("json")(record))
    failing = next(c for s in document["steps"] for c in s["checks"] if c["status"] == "fail")
    failing["code"] = None
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema())
    del failing["code"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema())


def test_markdown_is_a_checklist_with_who_and_when(record: RunRecord) -> None:
    text = renderer("md")(record)
    assert text.startswith("# ")
    assert "> **PRODUCTION** profile" in text
    assert "- [ ] **" in text and "  - [x] " in text
    assert "CAB-1234" in text and "alice" in text
    assert "✗ `bgp.peer` (zone a): **BGP-PEER-IDLE** BGP session with 10.20.255.2 is Idle" in text
    assert "fix: start BGP on the data-center router" in text
    assert "**OVERRIDE** of rule `target-zone-healthy`: zone B verified by hand" in text
    assert "request IDs 4E1F-REQ" in text and "4.2 s" in text


def test_junit_parses_with_a_real_junit_reader(record: RunRecord, tmp_path: Path) -> None:
    path = tmp_path / "report.xml"
    path.write_text(renderer("junit")(record))
    xml = JUnitXml.fromfile(str(path))
    cases = [case for suite in xml for case in suite]
    assert len(cases) == 2
    failed = [case for case in cases if any(isinstance(r, (Failure, Error)) for r in case.result)]
    assert [case.name for case in failed] == ["network.bgp-vbr/bgp.peer [zone a]"] or len(failed) == 1
    assert "the session is Idle" in failed[0].result[0].text
    assert failed[0].result[0].type == "BGP-PEER-IDLE" and failed[0].result[0].message.startswith("BGP-PEER-IDLE: ")


@pytest.mark.skipif(not shutil.which("chromium"), reason="Debian's chromium is not installed (./dev installs it)")
def test_html_renders_in_headless_chromium_with_steps_and_topology(record: RunRecord, tmp_path: Path) -> None:
    page = tmp_path / "run.html"
    page.write_text(renderer("html")(record))
    html = page.read_text()
    for external in ("src=", "href=", "@import", "url("):
        assert external not in html
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'chrome'}"]
    dom = subprocess.run(["chromium", *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=90, check=True).stdout
    for step in record.steps[:3]:
        assert step.title.split("&")[0] in dom
    assert 'data-node="vbr"' in dom and 'data-health="fail"' in dom
    assert '<code class="finding">BGP-PEER-IDLE</code>' in dom
    shot = tmp_path / "run.png"
    subprocess.run(["chromium", *flags, f"--screenshot={shot}", "--window-size=1200,1800", page.as_uri()],
                   capture_output=True, timeout=90, check=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
