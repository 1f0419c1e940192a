"""Checks and actions register themselves by name; runbooks refer to them by that name."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, get_type_hints

from pydantic import BaseModel

from drconsole.results import Outcome

if TYPE_CHECKING:
    from drconsole.context import Context


class NoParams(BaseModel):
    """For checks that take no parameters."""


CheckFn = Callable[["Context", Any], Awaitable[Outcome]]


@dataclass(frozen=True)
class CheckSpec:
    name: str
    family: str
    title: str
    params: type[BaseModel]
    timeout: float
    fn: CheckFn


CHECKS: dict[str, CheckSpec] = {}


def check(name: str, *, family: str, title: str, timeout: float = 5.0) -> Callable[[CheckFn], CheckFn]:
    """Register an async check `fn(ctx, params) -> Outcome`; its params model is read from the annotation."""

    def register(fn: CheckFn) -> CheckFn:
        hints = get_type_hints(fn)
        params_name = list(inspect.signature(fn).parameters)[1]
        params = hints.get(params_name, NoParams)
        if name in CHECKS and CHECKS[name].fn is not fn:
            raise ValueError(f"check {name!r} is registered twice")
        CHECKS[name] = CheckSpec(name=name, family=family, title=title, params=params, timeout=timeout,
                                 fn=fn)
        return fn

    return register


def _import_package_modules(package: str) -> None:
    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{package}.{info.name}")


def load_checks() -> dict[str, CheckSpec]:
    """Import every module of drconsole.checks (each is cheap: heavy imports live inside the checks), then
    the site's check plugins (drconsole.plugins; one that fails is recorded there, the rest still load), and
    read the catalogue of findings now rather than inside the first failing check's timeout."""
    from drconsole import findings, plugins

    _import_package_modules("drconsole.checks")
    plugins.load("drconsole.checks")
    findings.catalogue()
    return CHECKS


def load_actions() -> dict[str, Any]:
    """Every registered action (drconsole.actions and the site's action plugins), by name."""
    from drconsole import plugins

    registry = importlib.import_module("drconsole.actions.registry")
    actions = registry.load_all()
    plugins.load("drconsole.actions")
    return dict(actions)
