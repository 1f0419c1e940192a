"""Bounded: against a silent lab (packets dropped, daemons frozen with open sockets) every check returns
within its own timeout plus 10 %, and a sweep of every check finishes within the largest timeout plus a margin."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from drconsole.context import Context
from drconsole.engine import Invocation, run_check, sweep
from drconsole.lab.lab import Lab
from drconsole.results import CheckResult, Status
from drconsole.runbooks.loader import load_runbook, shipped_runbooks
from drconsole.sweeps import invocations

if TYPE_CHECKING:
    from drconsole.lab.env import LabEnv
    from drconsole.profile import Profile

pytestmark = [pytest.mark.lab]

# Frozen with SIGSTOP: the process keeps its listening socket, so the kernel still completes the TCP
# handshake, but nothing ever answers -- the silent peer. The link fault drops every packet across the VBR.
FROZEN = ("region-api", "kube-fleet-apiserver", "kube-ack-apiserver", "kube-idc-apiserver", "net-dnsmasq")
# Checks that ask no peer at all: they may pass against a silent lab.
ASK_NO_PEER = {"topology.cidrs-plan", "routes.via-vbr"}
SLACK = 1.10
SWEEP_MARGIN_S = 3.0


def every_invocation() -> list[Invocation]:
    return [inv for name in sorted(shipped_runbooks()) for inv in invocations(load_runbook(name))]


def timeout_of(inv: Invocation) -> float:
    return inv.timeout or inv.spec.timeout


def load_every_sdk() -> None:
    """Load the SDKs first: loading one is local set-up that a check's budget exempts (drconsole.deadline), so
    the time a check takes against silence is then its wait for the silent peer alone."""
    import importlib

    from drconsole.cloud import SDK_MODULES

    for module in SDK_MODULES.values():
        importlib.import_module(f"{module}.client")
        importlib.import_module(f"{module}.models")


@pytest.fixture(scope="module")
def silent_lab(lab: dict[str, Any], lab_env: LabEnv) -> Iterator[None]:
    load_every_sdk()
    the_lab = Lab(lab_env)
    frozen: list[str] = []
    try:
        the_lab.break_("link")
        for daemon in FROZEN:
            assert lab_env.supervisor.signal(daemon, signal.SIGSTOP), f"{daemon} is not running"
            frozen.append(daemon)
        yield
    finally:
        for daemon in frozen:
            lab_env.supervisor.signal(daemon, signal.SIGCONT)
        the_lab.heal("link")


def test_every_check_returns_within_its_timeout_against_silence(silent_lab: None, lab_profile: Profile) -> None:
    chosen = every_invocation()
    ctx = Context(lab_profile, max_threads=64)

    async def each_alone() -> list[CheckResult]:
        return list(await asyncio.gather(*(run_check(ctx, inv) for inv in chosen)))

    try:
        results = asyncio.run(each_alone())
    finally:
        ctx.close()
    limits = {inv.key: timeout_of(inv) * SLACK for inv in chosen}
    late = {r.key: (r.duration_ms, limits[r.key] * 1000) for r in results if r.duration_ms > limits[r.key] * 1000}
    assert late == {}, f"checks over their timeout + 10 % (ms taken, ms allowed): {late}"
    passed = {r.key for r in results if r.status is Status.PASS and r.check not in ASK_NO_PEER}
    assert passed == set(), f"checks passed although their peer was silent: {passed}"
    timed_out = [r for r in results if r.status is Status.ERROR and "no answer within" in r.summary]
    assert timed_out, "no check hung until its timeout: the silence was not observed"


def test_sweep_of_everything_against_silence_is_bounded(silent_lab: None, lab_profile: Profile) -> None:
    chosen = every_invocation()
    ctx = Context(lab_profile)

    async def whole_sweep() -> list[CheckResult]:
        return [r async for r in sweep(ctx, chosen)]

    started = time.monotonic()
    try:
        results = asyncio.run(whole_sweep())
    finally:
        ctx.close()
    elapsed = time.monotonic() - started
    bound = max(timeout_of(inv) for inv in chosen) + SWEEP_MARGIN_S
    assert len(results) == len(chosen)
    assert elapsed <= bound, f"the sweep took {elapsed:.1f} s against silence; bound {bound:.1f} s"
    assert {r.key for r in results if r.status is Status.PASS and r.check not in ASK_NO_PEER} == set()
