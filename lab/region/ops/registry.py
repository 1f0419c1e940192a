"""Where the operations are looked up: RPC by (version, action), ROA (cs) by method and path."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drconsole.lab.region.region import Region
from drconsole.lab.region.wire import Params

Handler = Callable[[Region, Params], dict[str, Any]]

VERSIONS = {"2015-12-15": "cs", "2022-01-01": "adcp", "2016-04-28": "vpc", "2017-09-12": "cbn",
            "2019-05-31": "mse"}


@dataclass(frozen=True)
class Operation:
    product: str
    action: str
    handler: Handler
    mutating: bool


RPC_HANDLERS: dict[tuple[str, str], Operation] = {}
ROA_ROUTES: list[tuple[str, re.Pattern[str], Operation]] = []


def rpc(product: str, action: str, mutating: bool = False) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        RPC_HANDLERS[(product, action)] = Operation(product, action, handler, mutating)
        return handler
    return register


def roa(method: str, path: str, action: str, mutating: bool = False) -> Callable[[Handler], Handler]:
    """`path` like `/clusters/{ClusterId}`; the captured segments join the params."""
    pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$")

    def register(handler: Handler) -> Handler:
        ROA_ROUTES.append((method, pattern, Operation("cs", action, handler, mutating)))
        return handler
    return register
