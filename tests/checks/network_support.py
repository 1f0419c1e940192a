"""Running the shipped runbook's checks against the session lab, for the network check tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from drconsole.context import Context
from drconsole.engine import run_check, sweep
from drconsole.profile import Profile
from drconsole.results import CheckResult, Status
from drconsole.runbooks.loader import load_runbook
from drconsole.sweeps import invocations

RUNBOOK = "zone-dr-hybrid"

BGP = ["network.bgp-idc/session", "network.bgp-idc/tcp-179", "network.bgp-idc/open"]
ROUTES = ["network.bgp-idc/vpc-routes", "network.bgp-idc/vpc-route-table", "network.routes-acr/acr-routes",
          "network.routes-oss/oss-routes"]
DNS = ["network.routes-acr/acr-dns", "network.routes-acr/acr-ee-dns", "network.routes-oss/oss-dns",
       "gateway.verify/app-dns"]
ENDPOINTS = ["network.routes-acr/acr-endpoint", "network.routes-acr/acr-ee-endpoint",
             "network.routes-oss/oss-endpoint"]
GATEWAY = ["gateway.verify/app-served", "gateway.verify/zone-a", "gateway.verify/zone-b"]


def run_keys(profile: Profile, keys: Iterable[str] = ()) -> dict[str, CheckResult]:
    """Run the shipped runbook's checks (all of them, or the keys named) and return results by key."""
    runbook = load_runbook(RUNBOOK)
    chosen = invocations(runbook, only=list(keys))
    ctx = Context(profile)

    async def collect() -> dict[str, CheckResult]:
        return {result.key: result async for result in sweep(ctx, chosen)}

    try:
        return asyncio.run(collect())
    finally:
        ctx.close()


def run_with(profile: Profile, key: str, **overrides: object) -> CheckResult:
    """Run one of the runbook's checks with some of its parameters replaced."""
    chosen = invocations(load_runbook(RUNBOOK), only=[key])[0]
    chosen.raw_params = {**chosen.raw_params, **overrides}
    ctx = Context(profile)
    try:
        return asyncio.run(run_check(ctx, chosen))
    finally:
        ctx.close()


# Checks the lab's profile leaves off on purpose, and the code they are skipped with.
OFF_IN_THE_LAB = {"network.bgp-idc/open": "BGP-PROBE-UNCONFIGURED"}


def left_off(key: str, status: str, code: str | None) -> bool:
    """A check the lab's profile leaves off on purpose, skipped with its code."""
    return status == Status.SKIPPED.value and OFF_IN_THE_LAB.get(key) == code


def not_passing(results: dict[str, CheckResult]) -> dict[str, CheckResult]:
    return {key: r for key, r in results.items()
            if r.status is not Status.PASS and not left_off(key, r.status.value, r.code)}


def describe(results: dict[str, CheckResult]) -> str:
    return "\n".join(f"  {r.status.value:7} {key}: {r.summary} | cause: {r.cause}"
                     for key, r in sorted(results.items()))


def sweep_until(profile: Profile, done: object, timeout: float, keys: Iterable[str] = ()) -> dict[str, CheckResult]:
    """Sweep repeatedly until `done(results)` holds (or the deadline passes); return the last results."""
    deadline = time.monotonic() + timeout
    while True:
        results = run_keys(profile, keys)
        if done(results) or time.monotonic() > deadline:  # type: ignore[operator]
            return results
        time.sleep(0.3)
