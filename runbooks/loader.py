"""Load runbooks from YAML with every error located at file:line:column and a hint to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from drconsole import templating
from drconsole.errors import RunbookError
from drconsole.runbooks.schema import Runbook

SHIPPED_PACKAGE = "drconsole.runbooks"
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it


@dataclass
class Problem:
    line: int
    column: int
    message: str
    fix: str

    def render(self, source: str) -> str:
        return f"{source}:{self.line}:{self.column}: {self.message}\n    fix: {self.fix}"


def shipped_runbooks() -> dict[str, Path]:
    folder = resources.files(SHIPPED_PACKAGE)
    return {Path(str(entry)).stem: Path(str(entry)) for entry in folder.iterdir()
            if str(entry).endswith(".yaml")}


def available_runbooks() -> dict[str, Path]:
    """The shipped runbooks and the site's (from the folders the site config names), by name."""
    from drconsole.plugins import runbook_dirs

    found = shipped_runbooks()
    for folder in runbook_dirs():
        for path in sorted(folder.glob("*.yaml")):
            if path.stem in found:
                raise RunbookError(f"two runbooks are named {path.stem!r}: {found[path.stem]} and {path}",
                                   fix="rename the site's runbook file (its name is how it is chosen)")
            found[path.stem] = path
    return found


def find_runbook(name_or_path: str) -> Path:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return path
    known = available_runbooks()
    if name_or_path in known:
        return known[name_or_path]
    raise RunbookError(f"no runbook {name_or_path!r}",
                       fix=f"name a file or a runbook: {', '.join(sorted(known))}")


def load_runbook(name_or_path: str | Path, *, check_names: bool = True) -> Runbook:
    path = find_runbook(str(name_or_path))
    text = path.read_text(encoding="utf-8", errors="replace")
    return parse_runbook(text, source=str(path), check_names=check_names)


def parse_runbook(text: str, *, source: str, check_names: bool = True) -> Runbook:
    try:
        root, data = _parsed(text, FAST_LOADER)
    except yaml.YAMLError:
        try:  # the pure-Python loader names the place of the problem precisely
            root, data = _parsed(text, yaml.SafeLoader)
        except yaml.YAMLError as exc:
            raise RunbookError(_yaml_problem(exc, text).render(source)) from None
    return _validated(root, data, text, source, check_names)


def _parsed(text: str, loader: Any) -> tuple[yaml.Node | None, Any]:
    """The node tree (for locating problems) and the data."""
    return yaml.compose(text, Loader=loader), yaml.load(text, Loader=loader)


def _validated(root: yaml.Node | None, data: Any, text: str, source: str, check_names: bool) -> Runbook:
    if not isinstance(data, dict) or root is None:
        raise RunbookError(Problem(1, 1, "a runbook is a mapping with id, title, summary and steps",
                                   "start from a shipped runbook (`drconsole runbook show zone-dr-hybrid`)")
                           .render(source))
    problems: list[Problem] = []
    runbook: Runbook | None = None
    try:
        runbook = Runbook.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(_schema_problem(root, err))
    if runbook is not None:
        problems += _reference_problems(root, runbook, check_names)
    if problems:
        raise RunbookError("\n".join(p.render(source) for p in problems[:10]))
    assert runbook is not None
    runbook._text = text
    return runbook


def _yaml_problem(exc: yaml.YAMLError, text: str) -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):
        before = text[: exc.position]
        line, col = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        return Problem(line, col, f"character {exc.character!r} is not allowed in YAML",
                       "delete the control character (it is often pasted in by accident)")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return Problem(line, col, f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
                   "check the indentation (spaces only, children indented under their parent) "
                   "and quote values that contain ':' or '#'")


def _schema_problem(root: yaml.Node, err: Any) -> Problem:
    loc = [("with" if part == "with_" else part) for part in err["loc"]]
    node, _ = _node_at(root, loc)
    key = loc[-1] if loc else ""
    line, col = (node.start_mark.line + 1, node.start_mark.column + 1)
    where = ".".join(str(p) for p in loc)
    if err["type"] == "extra_forbidden":
        return Problem(line, col, f"unknown key {key!r} at {where}",
                       "check the spelling, or whether it is indented under the right parent")
    if err["type"] == "missing":
        return Problem(line, col, f"{where} is required but missing",
                       f"add `{key}:` here, indented like its siblings")
    message = err["msg"].removeprefix("Value error, ")
    return Problem(line, col, f"{where}: {message}", "give a value of the expected kind (see the shipped runbook)")


def _node_at(root: yaml.Node, loc: list[Any]) -> tuple[yaml.Node, bool]:
    """The YAML node at a path (key node for mapping keys), or the deepest one found."""
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == part:
                    node = value_node if part != loc[-1] else key_node
                    break
            else:
                return node, False
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node, False
    return node, True


def _reference_problems(root: yaml.Node, runbook: Runbook, check_names: bool) -> list[Problem]:
    from drconsole import plugins
    from drconsole.registry import load_actions, load_checks

    checks = load_checks() if check_names else {}
    actions = load_actions() if check_names else {}
    problems: list[Problem] = []
    step_ids = {step.id: step for step in runbook.steps}
    for s, step in enumerate(runbook.steps):
        for i, check_ref in enumerate(step.checks):
            if check_ref.fix_step is not None and check_ref.fix_step not in step_ids:
                node = _value_node(root, ["steps", s, "checks", i, "fix_step"]) or root
                close = _closest(check_ref.fix_step, step_ids)
                problems.append(Problem(node.start_mark.line + 1, node.start_mark.column + 1,
                                        f"fix_step {check_ref.fix_step!r} names no step of this runbook",
                                        f"did you mean {close!r}?" if close else "name one of the runbook's step ids"))
        for kind, refs, known in (("checks", step.checks, checks), ("actions", step.actions, actions)):
            for i, ref in enumerate(refs):
                base = ["steps", s, kind, i]
                if check_names and ref.use not in known:
                    node, _ = _node_at(root, [*base, "use"])
                    node = _value_node(root, [*base, "use"]) or node
                    close = _closest(ref.use, known)
                    hint = f"did you mean {close!r}?" if close else f"`drconsole runbook {kind}` lists them"
                    hint += "".join(f"; {broken}" for broken in plugins.broken())
                    problems.append(Problem(node.start_mark.line + 1, node.start_mark.column + 1,
                                            f"unknown {kind[:-1]} {ref.use!r}", hint))
                for expr in templating.references(ref.with_):
                    problem = templating.reference_problem(expr)
                    if problem:
                        node = _find_scalar(root, [*base, "with"], expr) or root
                        problems.append(Problem(node.start_mark.line + 1, node.start_mark.column + 1,
                                                problem, "name a field that exists in the profile "
                                                "(`drconsole profile show` lists them)"))
    return problems


def _value_node(root: yaml.Node, loc: list[Any]) -> yaml.Node | None:
    parent, ok = _node_at(root, loc[:-1])
    if ok and isinstance(parent, yaml.MappingNode):
        for key_node, value_node in parent.value:
            if key_node.value == loc[-1]:
                return value_node
    return None


def _find_scalar(root: yaml.Node, loc: list[Any], expr: str) -> yaml.Node | None:
    start = _value_node(root, loc)
    stack = [start] if start is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode) and expr in str(node.value):
            return node
        if isinstance(node, yaml.MappingNode):
            stack += [v for _, v in node.value]
        elif isinstance(node, yaml.SequenceNode):
            stack += list(node.value)
    return None


def _closest(name: str, known: dict[str, Any]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return matches[0] if matches else None
