"""JSON with a published schema (drconsole/exporters/run.schema.json) and a version field."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from drconsole.exporters.record import RunRecord


def render(record: RunRecord) -> str:
    return json.dumps(record.model_dump(mode="json", by_alias=True), indent=2, sort_keys=True) + "\n"


def schema() -> dict[str, Any]:
    text = resources.files("drconsole.exporters").joinpath("run.schema.json").read_text(encoding="utf-8")
    return dict(json.loads(text))
