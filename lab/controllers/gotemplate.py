"""The small part of Go's text/template that Argo CD ApplicationSets and the demo chart use:
`{{.a.b}}` / `{{ .a.b }}` field lookups, nothing else. Anything richer is refused, not guessed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}")
_FIELD = re.compile(r"^(\.[A-Za-z_][\w\-]*)+$")


class TemplateError(ValueError):
    """A template names a field that is not there, or uses more than field lookups."""


def render_string(text: str, params: Mapping[str, Any]) -> str:
    def substitute(match: re.Match[str]) -> str:
        expression = match.group(1)
        if not _FIELD.match(expression):
            raise TemplateError(f"only field lookups like {{{{.name}}}} are supported, not {{{{{expression}}}}}")
        value: Any = params
        for key in expression[1:].split("."):
            if not isinstance(value, Mapping) or key not in value:
                raise TemplateError(f"map has no entry for key {expression!r}")
            value = value[key]
        if isinstance(value, Mapping | list):
            raise TemplateError(f"{expression} is not a plain value")
        return str(value)

    return _ACTION.sub(substitute, text)


def render(value: Any, params: Mapping[str, Any]) -> Any:
    """Render every string inside a JSON-like value (keys included)."""
    if isinstance(value, str):
        return render_string(value, params)
    if isinstance(value, Mapping):
        return {render_string(str(k), params): render(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [render(item, params) for item in value]
    return value
