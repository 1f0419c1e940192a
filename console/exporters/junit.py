"""JUnit XML: one testsuite per step, one testcase per check; failures carry the reason."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from drconsole.exporters.record import RunRecord
from drconsole.exporters.text import evidence_text
from drconsole.results import Status


def render(record: RunRecord) -> str:
    suites = ET.Element("testsuites", name=f"drconsole {record.runbook_title}")
    total = failures = errors = skipped = 0
    for step in record.steps:
        if not step.checks:
            continue
        suite = ET.SubElement(suites, "testsuite", name=f"{step.id}: {step.title}")
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        seconds = 0.0
        for result in step.checks:
            counts["tests"] += 1
            seconds += result.duration_ms / 1000
            case = ET.SubElement(suite, "testcase", classname=f"drconsole.{result.family}",
                                 name=result.key + (f" [zone {result.zone}]" if result.zone else ""),
                                 time=f"{result.duration_ms / 1000:.3f}")
            detail = "\n\n".join(evidence_text(e) for e in result.evidence)
            reason = "\n".join(x for x in (result.cause, f"fix: {result.remedy}" if result.remedy else None) if x)
            message = f"{result.code}: {result.summary}"
            if result.status is Status.FAIL:
                counts["failures"] += 1
                ET.SubElement(case, "failure", message=message, type=str(result.code)).text = f"{reason}\n\n{detail}"
            elif result.status is Status.ERROR:
                counts["errors"] += 1
                ET.SubElement(case, "error", message=message, type=str(result.code)).text = f"{reason}\n\n{detail}"
            elif result.status is Status.SKIPPED:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=message)
            else:
                ET.SubElement(case, "system-out").text = f"{result.status.value}: {result.summary}\n\n{detail}"
        suite.attrib.update({k: str(v) for k, v in counts.items()} | {"time": f"{seconds:.3f}"})
        total += counts["tests"]
        failures += counts["failures"]
        errors += counts["errors"]
        skipped += counts["skipped"]
    suites.attrib.update(tests=str(total), failures=str(failures), errors=str(errors), skipped=str(skipped))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
