"""What a request carries, in the shapes the SDKs send, and the cloud's error answers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


class ApiError(Exception):
    """An error answer: HTTP status, the cloud's error code and message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None,
                 detail: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.detail = detail or {}  # further fields of the error body (e.g. AccessDeniedDetail)


def missing(name: str) -> ApiError:
    return ApiError(400, "MissingParameter", f"The input parameter \"{name}\" that is mandatory for "
                    "processing this request is not supplied.")


def invalid(name: str, value: object) -> ApiError:
    return ApiError(400, "InvalidParameter", f"The specified parameter \"{name}\" is not valid: {value!r}.")


@dataclass
class Params:
    """RPC parameters (query and form body merged) or ROA query + JSON body, read leniently the way
    the cloud reads them: booleans "True"/"true", list params as JSON-array strings or `Key.N`."""

    values: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)

    def text(self, name: str, default: str | None = None) -> str | None:
        if name in self.values:
            return self.values[name]
        value = self.body.get(name)
        return default if value is None else value if isinstance(value, str) else json.dumps(value)

    def need(self, name: str) -> str:
        value = self.text(name)
        if not value:
            raise missing(name)
        return value

    def flag(self, name: str, default: bool | None = None) -> bool | None:
        if name in self.body and isinstance(self.body[name], bool):
            return bool(self.body[name])
        value = self.text(name)
        if value is None or value == "":
            return default
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise invalid(name, value)

    def number(self, name: str, default: int | None = None) -> int | None:
        value = self.text(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise invalid(name, value) from None

    def items(self, name: str) -> list[str]:
        """`Name='["a","b"]'`, `Name.1=a&Name.2=b`, or a JSON list in the body."""
        raw = self.body.get(name)
        if isinstance(raw, list):
            return [str(item) for item in raw]
        value = self.values.get(name)
        if value is not None:
            if value.startswith("["):
                try:
                    return [str(item) for item in json.loads(value)]
                except ValueError:
                    raise invalid(name, value) from None
            return [value] if value else []
        return [self.values[key] for key in sorted(self._indexed(name), key=self._index_of)]

    def filters(self, name: str = "Filter") -> dict[str, list[str]]:
        """`Filter.N.Key=K&Filter.N.Value.M=V` -> {K: [V, ...]}."""
        found: dict[str, list[str]] = {}
        n = 1
        while f"{name}.{n}.Key" in self.values:
            key = self.values[f"{name}.{n}.Key"]
            found[key] = self.items(f"{name}.{n}.Value")
            n += 1
        return found

    def objects(self, name: str) -> list[dict[str, str]]:
        """`Name.N.Field=V` (how the SDK flattens a list of structures) -> [{Field: V}, ...] in N order."""
        found: dict[int, dict[str, str]] = {}
        prefix = f"{name}."
        for key, value in self.values.items():
            index, _, field_name = key[len(prefix):].partition(".")
            if key.startswith(prefix) and index.isdigit() and field_name:
                found.setdefault(int(index), {})[field_name] = value
        return [found[i] for i in sorted(found)]

    def obj(self, name: str) -> dict[str, Any]:
        """A structure the SDK sends as one JSON string (e.g. mse `FilterParams`)."""
        value = self.text(name)
        if not value:
            return {}
        try:
            parsed = json.loads(value)
        except ValueError:
            raise invalid(name, value) from None
        return parsed if isinstance(parsed, dict) else {}

    def _indexed(self, name: str) -> list[str]:
        prefix = f"{name}."
        return [key for key in self.values if key.startswith(prefix) and key[len(prefix):].isdigit()]

    @staticmethod
    def _index_of(key: str) -> int:
        return int(key.rsplit(".", 1)[1])
