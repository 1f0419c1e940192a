"""`${profile.a.b}` references in runbooks: checked against the Profile model, resolved against a profile."""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from pydantic import BaseModel

from drconsole.profile import Profile

REF = re.compile(r"\$\{([^}]*)\}")


class Missing:
    """A reference to a profile value that is not set (yet): the check using it is skipped."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"Missing({self.path})"


def references(value: Any) -> list[str]:
    """Every `${...}` expression inside a (nested) runbook value."""
    if isinstance(value, str):
        return [m.group(1).strip() for m in REF.finditer(value)]
    if isinstance(value, dict):
        return [ref for v in value.values() for ref in references(v)]
    if isinstance(value, list):
        return [ref for v in value for ref in references(v)]
    return []


def reference_problem(expr: str) -> str | None:
    """Why `expr` is not a valid profile reference, or None when it is."""
    parts = expr.split(".")
    if parts[0] != "profile" or len(parts) < 2:
        return f"`${{{expr}}}` must start with `profile.` (e.g. `${{profile.network.vbr_id}}`)"
    model: Any = Profile
    walked = ["profile"]
    for part in parts[1:]:
        origin = _model_of(model)
        if origin is None:
            if _is_mapping(model):
                model = typing.get_args(model)[1] if typing.get_args(model) else Any
                walked.append(part)
                continue
            return f"`{'.'.join(walked)}` has no field `{part}`"
        if part not in origin.model_fields:
            known = ", ".join(origin.model_fields)
            return f"`{'.'.join(walked)}` has no field `{part}` (fields: {known})"
        model = origin.model_fields[part].annotation
        walked.append(part)
    return None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found:
                return found
    return None


def _is_mapping(annotation: Any) -> bool:
    return typing.get_origin(annotation) is dict


def resolve(value: Any, profile: Profile) -> Any:
    """Replace references with profile values. A whole-string reference keeps the value's type;
    a reference to an unset value yields Missing."""
    return resolve_in(value, profile_data(profile))


def profile_data(profile: Profile) -> dict[str, Any]:
    """The profile as the references read it (dump it once to resolve many values against the same profile)."""
    return profile.model_dump(mode="json")


def resolve_in(value: Any, data: dict[str, Any]) -> Any:
    """`resolve` against a profile already dumped by `profile_data`."""
    if isinstance(value, dict):
        return {k: resolve_in(v, data) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_in(v, data) for v in value]
    if not isinstance(value, str):
        return value
    whole = REF.fullmatch(value.strip())
    if whole:
        return _lookup(whole.group(1).strip(), data)
    missing: list[Missing] = []

    def substitute(match: re.Match[str]) -> str:
        found = _lookup(match.group(1).strip(), data)
        if isinstance(found, Missing):
            missing.append(found)
            return ""
        return str(found)

    text = REF.sub(substitute, value)
    return missing[0] if missing else text


def _lookup(expr: str, data: dict[str, Any]) -> Any:
    current: Any = data
    for part in expr.split(".")[1:]:
        if not isinstance(current, dict) or current.get(part) is None:
            return Missing(expr)
        current = current[part]
    return current


def first_missing(value: Any) -> Missing | None:
    if isinstance(value, Missing):
        return value
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = first_missing(item)
            if found:
                return found
    return None
