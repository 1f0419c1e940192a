"""The lab as a whole: start its parts in order, stop them, report them, break and heal them."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from drconsole.errors import LabError
from drconsole.lab.env import Component, Fault, LabEnv, Part

# Start order: the network first (the region reads BGP from it), then the control planes,
# then the region (it reads both). A part whose module is absent is not part of this build.
PART_MODULES: Sequence[str] = ("drconsole.lab.net", "drconsole.lab.kube", "drconsole.lab.region",
                               "drconsole.lab.controllers")


def load_parts() -> list[Part]:
    parts: list[Part] = []
    for module_name in PART_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        parts.append(module.PART)
    return parts


class Lab:
    def __init__(self, env: LabEnv, parts: Sequence[Part] | None = None) -> None:
        self.env = env
        self.parts = list(parts) if parts is not None else load_parts()

    def up(self) -> dict[str, Any]:
        """Start every part (idempotent). A lab left behind by a crash is cleared first."""
        if self._crashed():
            self.down()
        for part in self.parts:
            self.env.set_facts(part.name, part.up(self.env))
        return self.env.facts()

    def _crashed(self) -> bool:
        names = self.env.supervisor.names()
        return any(self.env.supervisor.pid(name) is None for name in names)

    def down(self) -> None:
        errors: list[str] = []
        for part in reversed(self.parts):
            try:
                part.down(self.env)
            except Exception as exc:  # keep stopping the rest; report at the end
                errors.append(f"{part.name}: {exc}")
        self.env.supervisor.stop_all()
        for fault in list(self.env.broken()):
            self.env.mark_broken(fault, False)
        if errors:
            raise LabError("some parts did not stop cleanly: " + "; ".join(errors),
                           fix="run `drconsole lab down` again; it is safe to repeat")

    def status(self) -> list[Component]:
        return [component for part in self.parts for component in part.status(self.env)]

    def faults(self) -> dict[str, Fault]:
        return {name: fault for part in self.parts for name, fault in part.faults().items()}

    def _fault(self, name: str) -> Fault:
        faults = self.faults()
        if name not in faults:
            raise LabError(f"no lab part named {name!r}",
                           fix="choose one of: " + ", ".join(sorted(faults)))
        return faults[name]

    def break_(self, name: str) -> None:
        self._fault(name).inject(self.env)
        self.env.mark_broken(name, True)

    def heal(self, name: str) -> None:
        self._fault(name).heal(self.env)
        self.env.mark_broken(name, False)
