"""The runbook format: steps with a guide, manual confirmations, checks and actions."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

ID = re.compile(r"^[a-z0-9][a-z0-9.-]*$")


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Confirmation(Item):
    """Something only a person can do or see, ticked with an optional note."""

    id: str
    text: str


class CheckRef(Item):
    use: str = Field(description="registered check name")
    id: str | None = None
    zone: Literal["a", "b"] | None = None
    fix_step: str | None = Field(default=None, description="the step of this runbook that fixes the check's "
                                                           "findings (default: the catalogue's)")
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")

    @property
    def key(self) -> str:
        return self.id or self.use


class ActionRef(Item):
    use: str = Field(description="registered action name")
    id: str | None = None
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")

    @property
    def key(self) -> str:
        return self.id or self.use


class Step(Item):
    id: str
    title: str
    section: str | None = None
    guide: str
    requires: list[str] = Field(default_factory=list)
    optional: bool = False
    confirm: list[Confirmation] = Field(default_factory=list)
    checks: list[CheckRef] = Field(default_factory=list)
    actions: list[ActionRef] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not ID.fullmatch(value):
            raise ValueError(f"step id {value!r} must be lower-case letters, digits, '.' or '-'")
        return value


class Runbook(Item):
    id: str
    title: str
    kind: Literal["setup", "incident"] = "setup"
    summary: str
    steps: list[Step] = Field(min_length=1)
    _text: str = PrivateAttr(default="")  # the YAML it was parsed from, as a run records it

    @property
    def text(self) -> str:
        return self._text

    @model_validator(mode="after")
    def _links(self) -> Runbook:
        seen: set[str] = set()
        for step in self.steps:
            if step.id in seen:
                raise ValueError(f"step id {step.id!r} is used twice")
            for required in step.requires:
                if required not in seen:
                    raise ValueError(
                        f"step {step.id!r} requires {required!r}, which is not an earlier step")
            seen.add(step.id)
        return self

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)
