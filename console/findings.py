"""The catalogue of findings: every non-pass outcome's stable code with its title, severity, usual
cause, remedy and fixing step. Shipped in `drconsole/checks/findings.yaml`; a site plugin adds its own
entries from a `findings.yaml` next to its checks (see drconsole.plugins)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import groupby
from pathlib import Path
from typing import Any

from drconsole.errors import DrconsoleError

CODE = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
SEVERITIES = ("fail", "warn", "error", "skipped")
FIELDS = {"title", "severity", "cause", "remedy", "fix_step"}
SHIPPED = "findings.yaml"


class CatalogueError(DrconsoleError):
    """The catalogue of findings is malformed, or a code is unknown."""


@dataclass(frozen=True)
class Finding:
    code: str
    title: str
    severity: str
    cause: str
    remedy: str
    fix_step: str | None = None
    source: str = ""  # file:line of the entry

    def cause_for(self, facts: Mapping[str, object]) -> str:
        return _fill(self.cause, facts)

    def remedy_for(self, facts: Mapping[str, object]) -> str:
        return _fill(self.remedy, facts)


class _Facts(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, facts: Mapping[str, object]) -> str:
    return template.format_map(_Facts(facts)) if facts else template


def parse(text: str, source: str) -> dict[str, Finding]:
    """The entries of one catalogue file; errors name `source:line`."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: the catalogue is long
    try:
        root = yaml.compose(text, Loader=loader)
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        raise CatalogueError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})",
                             fix="correct the YAML at that line") from None
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
        raise CatalogueError(f"{source}:1: a catalogue is a mapping of codes to entries",
                             fix="write `CODE: {title: ..., severity: ..., cause: ..., remedy: ...}`")
    found: dict[str, Finding] = {}
    for key, _ in root.value:
        where = f"{source}:{key.start_mark.line + 1}"
        code = str(key.value)
        if not CODE.fullmatch(code):
            raise CatalogueError(f"{where}: {code!r} is not a finding code",
                                 fix="use upper-case words joined by '-', e.g. BGP-PEER-IDLE")
        if code in found:
            raise CatalogueError(f"{where}: {code} is defined twice", fix="keep one entry per code")
        found[code] = _entry(code, data[code], where)
    return found


def _entry(code: str, entry: Any, where: str) -> Finding:
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: {code} must be a mapping", fix="give title, severity, cause and remedy")
    unknown = set(entry) - FIELDS
    missing = {"title", "severity", "cause", "remedy"} - set(entry)
    if unknown or missing:
        said = "; ".join(x for x in (f"unknown {sorted(unknown)}" if unknown else "",
                                     f"missing {sorted(missing)}" if missing else "") if x)
        raise CatalogueError(f"{where}: {code}: {said}",
                             fix=f"an entry has exactly {sorted(FIELDS)} (fix_step optional)")
    if entry["severity"] not in SEVERITIES:
        raise CatalogueError(f"{where}: {code}: severity {entry['severity']!r} is not one of "
                             f"{', '.join(SEVERITIES)}",
                             fix="a pass is no finding; use the status the finding gives the check")
    return Finding(code=code, title=str(entry["title"]), severity=entry["severity"], cause=str(entry["cause"]),
                   remedy=str(entry["remedy"]), fix_step=entry.get("fix_step"), source=where)


_EXTRA: list[Path] = []


def add(path: Path) -> None:
    """Merge a site's catalogue file into the catalogue (before or after it is first read)."""
    if path not in _EXTRA:
        _EXTRA.append(path)
        catalogue.cache_clear()


@cache
def shipped() -> dict[str, Finding]:
    """drconsole's own findings (checks/findings.yaml)."""
    text = resources.files("drconsole.checks").joinpath(SHIPPED).read_text(encoding="utf-8")
    return parse(text, f"checks/{SHIPPED}")


@cache
def catalogue() -> dict[str, Finding]:
    """Every known finding by code: the shipped catalogue, then each added one (codes may not repeat)."""
    merged = dict(shipped())
    for path in _EXTRA:
        for code, finding in parse(path.read_text(encoding="utf-8"), str(path)).items():
            if code in merged:
                raise CatalogueError(f"{finding.source}: {code} is already defined at {merged[code].source}",
                                     fix="give the site's finding a code of its own")
            merged[code] = finding
    return merged


def lookup(code: str) -> Finding:
    try:
        return catalogue()[code]
    except KeyError:
        from difflib import get_close_matches

        near = get_close_matches(code, list(catalogue()), n=1)
        raise CatalogueError(f"no finding {code!r} in the catalogue",
                             fix=f"did you mean {near[0]}?" if near else "`drconsole explain` lists them all") from None


def explain(finding: Finding) -> str:
    """One entry as an operator reads it."""
    lines = [f"{finding.code} — {finding.title}", f"  severity: {finding.severity}",
             f"  cause:    {finding.cause}", f"  remedy:   {finding.remedy}"]
    if finding.fix_step:
        lines.append(f"  fix step: {finding.fix_step}")
    return "\n".join(lines)


def reference_markdown() -> str:
    """docs/findings.md: every shipped finding, grouped by the code's first word."""
    out = ["# Findings", "",
           "Every check outcome that is not a pass carries one of these codes. Generated from "
           "`checks/findings.yaml` by `drconsole explain --markdown`; `tests/core/test_findings.py` keeps it "
           "current. `{field}` marks a detail the check fills in from what it saw.", ""]
    for head, entries in groupby(sorted(shipped().items()), key=lambda item: item[0].split("-", 1)[0]):
        out += [f"## {head}", "", "| code | severity | title | cause | remedy | fix step |",
                "|---|---|---|---|---|---|"]
        for code, finding in entries:
            cells = [f"`{code}`", finding.severity, finding.title, finding.cause, finding.remedy,
                     f"`{finding.fix_step}`" if finding.fix_step else ""]
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        out.append("")
    return "\n".join(out)
