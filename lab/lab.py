"""The lab as a whole: start its parts in order, stop them, report them, break and heal them."""

from __future__ import annotations

import importlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from drconsole.errors import DrconsoleError, LabError
from drconsole.lab.env import Component, Fault, LabEnv, Part, StartState

# Start order: the network first (the region reads BGP from it), then the control planes,
# then the region (it reads both). A part whose module is absent is not part of this build.
PART_MODULES: Sequence[str] = ("drconsole.lab.net", "drconsole.lab.kube", "drconsole.lab.region",
                               "drconsole.lab.controllers")
# The start state of the lab's current world, and whether every part came up in it.
STARTED_FILE = "started.json"


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


@dataclass(frozen=True)
class LabState:
    """What `drconsole lab status` says about the lab as a whole."""

    phase: Literal["up", "partly up", "down"]
    start_state: StartState | None  # the state the running lab was started in; None when down


class Lab:
    def __init__(self, env: LabEnv, parts: Sequence[Part] | None = None) -> None:
        self.env = env
        self.parts = list(parts) if parts is not None else load_parts()

    # -- lifecycle ----------------------------------------------------------------------------------
    def up(self) -> dict[str, Any]:
        """Bring every part up in the env's start state, whatever state the lab is in.

        A lab running in another start state, or left with dead processes, is stopped (and its world
        cleared) first; parts that run are kept. A part that fails to start stops the whole lab again,
        and the error names the part and the cause.
        """
        started = self._started()
        if self._crashed() or (started is not None and self._started_as(started) != self._wanted()):
            self.down()
        self._write_started(complete=False)
        for part in self.parts:
            try:
                self.env.set_facts(part.name, part.up(self.env))
            except BaseException as exc:
                stopped = self._stop_after_failure()
                if not isinstance(exc, Exception):
                    raise
                raise _failed_part(part.name, exc, stopped) from None
        self._write_started(complete=True)
        return self.env.facts()

    def _crashed(self) -> bool:
        names = self.env.supervisor.names()
        return any(self.env.supervisor.pid(name) is None for name in names)

    def _stop_after_failure(self) -> str:
        """Stop what the failed start left running; '' when that worked, else why not."""
        try:
            self.down()
        except LabError as exc:
            return exc.message
        return ""

    def down(self) -> None:
        """Stop every part and clear the lab's world (cloud records, clusters, network state), so the next
        `up` starts from nothing. Logs, the lab's settings and its made-up AccessKey are kept."""
        errors: list[str] = []
        for part in reversed(self.parts):
            try:
                part.down(self.env)
            except Exception as exc:  # keep stopping the rest; report at the end
                errors.append(f"{part.name}: {exc}")
        self.env.supervisor.stop_all()
        if errors:
            raise LabError("some parts did not stop cleanly: " + "; ".join(errors),
                           fix="run `drconsole lab down` again; it is safe to repeat")
        for part in self.parts:
            shutil.rmtree(self.env.root / part.name, ignore_errors=True)
        for leftover in (self.env.facts_path, self.env.faults_path, self._started_path):
            leftover.unlink(missing_ok=True)

    # -- what runs ----------------------------------------------------------------------------------
    @property
    def _started_path(self) -> Path:
        return self.env.root / STARTED_FILE

    def _started(self) -> dict[str, Any] | None:
        try:
            return dict(json.loads(self._started_path.read_text()))
        except (OSError, ValueError):
            return None

    def _write_started(self, *, complete: bool) -> None:
        self._started_path.write_text(json.dumps({**self._wanted(), "complete": complete}))

    def _wanted(self) -> dict[str, str]:
        return {"start_state": self.env.start_state, "timing": self.env.timing_name}

    @staticmethod
    def _started_as(started: dict[str, Any]) -> dict[str, str]:
        return {"start_state": started.get("start_state") or "", "timing": started.get("timing") or "fast"}

    def state(self) -> LabState:
        components = self.status()
        if not any(c.pid for c in components):
            return LabState("down", None)
        started = self._started() or {}
        whole = started.get("complete") and not self._crashed() and all(c.state != "down" for c in components)
        return LabState("up" if whole else "partly up", started.get("start_state") or self.env.start_state)

    def status(self) -> list[Component]:
        return [component for part in self.parts for component in part.status(self.env)]

    # -- faults -------------------------------------------------------------------------------------
    def faults(self) -> dict[str, Fault]:
        return {name: fault for part in self.parts for name, fault in part.faults().items()}

    def _fault(self, name: str) -> Fault:
        """The fault `name` of a part that runs; nothing is changed when the part is not up."""
        for part in self.parts:
            fault = part.faults().get(name)
            if fault is None:
                continue
            if not any(c.pid for c in part.status(self.env)):
                raise LabError(f"the lab's {part.name} part is not running, so there is no {name} to break or "
                               "heal; nothing was changed", where=str(self.env.root),
                               fix="start the lab with `drconsole lab up`, then break or heal")
            return fault
        raise LabError(f"no lab part named {name!r}", fix="choose one of: " + ", ".join(sorted(self.faults())))

    def break_(self, name: str) -> None:
        self._fault(name).inject(self.env)
        self.env.mark_broken(name, True)

    def heal(self, name: str) -> None:
        self._fault(name).heal(self.env)
        self.env.mark_broken(name, False)


class PartFailed(LabError):
    """`lab up` stopped at one part; what it had started was stopped again."""

    def __init__(self, part: str, message: str, *, where: str | None, fix: str) -> None:
        super().__init__(message, where=where, fix=fix)
        self.part = part


def _failed_part(part: str, exc: Exception, not_stopped: str) -> PartFailed:
    """The error of a `lab up` stopped by one part: which part, why, where to look and what to do."""
    cause = exc.message if isinstance(exc, DrconsoleError) else f"{type(exc).__name__}: {exc}"
    where = getattr(exc, "where", None)
    if not_stopped:
        return PartFailed(part, f"the lab's {part} part did not start ({cause}); stopping the lab again failed "
                                f"too: {not_stopped}", where=where,
                          fix="clear both causes, then run `drconsole lab down` (safe to repeat)")
    fix = exc.fix if isinstance(exc, DrconsoleError) and exc.fix else "clear the cause named above"
    return PartFailed(part, f"the lab's {part} part did not start ({cause}); the lab was stopped again",
                      where=where, fix=fix)
