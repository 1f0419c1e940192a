"""Every cloud- and cluster-side fault of the lab, through a FULL sweep of the shipped runbook:
break it, assert exactly which check keys turn non-pass (with status and words), heal, assert the
sweep is back to where it started. The other families' checks run in the same sweep."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any

import pytest

from drconsole import engine, sweeps
from drconsole.context import Context
from drconsole.lab.env import LabEnv
from drconsole.lab.lab import Lab
from drconsole.profile import Profile
from drconsole.results import CheckResult, Status
from drconsole.runbooks.loader import load_runbook

pytestmark = [pytest.mark.lab, pytest.mark.kube]

Results = dict[str, CheckResult]
FAIL, ERROR, SKIPPED = Status.FAIL, Status.ERROR, Status.SKIPPED
CLOUD_SOURCE = re.compile(r"^(cs|adcp|vpc|cbn|mse):")
SETTLE_S = 30.0
MIN_SWEEPS = 3
REQUEST_ID = re.compile(r"request ID [0-9A-Fa-f-]{8,}")
DOWN, UNREACHABLE = "KUBE-API-DOWN", "KUBE-API-UNREACHABLE"  # a kube check's own finding / the engine's

# Cloud checks of this family set (every one must turn `error` when the region API misbehaves).
MY_CLOUD_KEYS = {
    "design.same-vpc/topology.same-vpc", "design.zones/topology.zones-api", "design.cidrs/topology.vpc-cidr",
    "fleet.create/fleet.running", "fleet.attach/ack-associated", "fleet.attach/registered-associated",
    "gitops.enable/fleet.gitops-enabled", "registered.agent-connected/registered.running",
    "registered.agent-yaml/registered.agent-internal", "gateway.mse-ingress-config/gateway.mse-gateway",
}

MY_FAMILIES = ("topology", "fleet", "registered", "kube", "gitops", "capacity")
MY_GATEWAY_CHECKS = ("gateway.mse-ingress-config", "gateway.fleet-namespace", "gateway.ingress", "gateway.mse-gateway")

# fault -> {key: (status, finding code)}
EXPECTED: dict[str, dict[str, tuple[Status, str]]] = {
    "agent": {
        "registered.agent-connected/registered.agent-available": (FAIL, "REG-AGENT-MISSING"),
        # the agent's process stops with its Deployment; ACK calls the cluster disconnected after the grace time
        "registered.agent-connected/registered.running": (FAIL, "REG-AGENT-NOT-APPLIED"),
        "registered.agent-yaml/registered.agent-internal": (SKIPPED, "REG-AGENT-ABSENT"),
    },
    "fleet-detach": {
        "fleet.attach/registered-associated": (FAIL, "FLEET-MEMBER-MISSING"),
        "gitops.synced/registered-app": (FAIL, "GITOPS-CLUSTER-UNKNOWN"),
        "gateway.mse-ingress-config/gateway.mse-ingress-config": (FAIL, "GW-CONFIG-FAILED"),
        "gateway.mse-ingress-config/gateway.mse-gateway": (FAIL, "GW-MSE-NOT-RUNNING"),
        # the lab gateway drops the app's route while its MseIngressConfig is Failed
        "gateway.verify/app-served": (FAIL, "GW-NO-ROUTE"),
        # with no route for the host the users' view judges no zone: app-served says why
        "gateway.verify/users-a": (SKIPPED, "GW-USERS-NO-ROUTE"),
        "gateway.verify/users-b": (SKIPPED, "GW-USERS-NO-ROUTE"),
    },
    "kube-idc": {
        "registered.agent-apply/registered-api": (FAIL, DOWN),
        "registered.agent-connected/registered.agent-available": (ERROR, UNREACHABLE),
        "registered.agent-yaml/registered.agent-internal": (ERROR, UNREACHABLE),
        # the agent's process keeps its connection to ACK while the on-premises API server is down
        "design.zones/topology.zones-nodes": (ERROR, UNREACHABLE),
        "gitops.distribute/registered-label": (ERROR, UNREACHABLE),
        "registered.ecs-nodes/capacity.ecs-pools": (ERROR, UNREACHABLE),
        "registered.eci-virtual-nodes/capacity.virtual-node": (ERROR, UNREACHABLE),
        "registered.eci-multi-zone/capacity.eci-zones": (ERROR, UNREACHABLE),
    },
    "ecs-pool-empty": {
        "registered.ecs-nodes/capacity.ecs-pools": (FAIL, "CAPACITY-POOL-EMPTY"),
    },
    "virtual-node-notready": {
        "registered.eci-virtual-nodes/capacity.virtual-node": (FAIL, "CAPACITY-VK-NOT-READY"),
    },
    "eci-single-zone": {
        "registered.eci-multi-zone/capacity.eci-zones": (FAIL, "CAPACITY-ECI-ONE-ZONE"),
    },
    "kube-ack": {
        "design.same-vpc/ack-api": (FAIL, DOWN),
        "design.zones/topology.zones-nodes": (ERROR, UNREACHABLE),
        "gitops.distribute/ack-label": (ERROR, UNREACHABLE),
    },
    "kube-fleet": {
        "fleet.create/fleet-api": (FAIL, DOWN),
        "fleet.create/fleet.api-reachable": (FAIL, "FLEET-API-UNREACHABLE"),
        "gateway.ingress/gateway.ingress": (ERROR, UNREACHABLE),
        "gateway.mse-ingress-config/gateway.mse-gateway": (ERROR, UNREACHABLE),
        "gateway.mse-ingress-config/gateway.mse-ingress-config": (ERROR, UNREACHABLE),
        "gateway.namespace/gateway.fleet-namespace": (ERROR, UNREACHABLE),
        "gitops.synced/ack-app": (ERROR, UNREACHABLE),
        "gitops.synced/registered-app": (ERROR, UNREACHABLE),
        "gateway.verify/users-a": (ERROR, UNREACHABLE),
        "gateway.verify/users-b": (ERROR, UNREACHABLE),
    },
}
REGION_CODES = {
    "region-throttle": "CLOUD-UNAVAILABLE",
    "region-5xx": "CLOUD-UNAVAILABLE",
    "region-slow": "CHECK-TIMEOUT",
    "clock-skew": "CLOUD-CLOCK-SKEW",
}


async def full_sweep(profile: Profile) -> Results:
    ctx = Context(profile)
    try:
        chosen = sweeps.invocations(load_runbook("zone-dr-hybrid"))
        return {r.key: r async for r in engine.sweep(ctx, chosen)}
    finally:
        ctx.close()


def non_pass(results: Results) -> dict[str, Status]:
    return {key: r.status for key, r in results.items() if r.status is not Status.PASS}


async def settle(profile: Profile, done: Callable[[Results], bool]) -> Results:
    """Sweep until `done` holds (the lab's controllers react within seconds): for SETTLE_S, and at least
    MIN_SWEEPS times however long a sweep takes on a loaded machine."""
    deadline = time.monotonic() + SETTLE_S
    results, swept = await full_sweep(profile), 1
    while not done(results) and (swept < MIN_SWEEPS or time.monotonic() < deadline):
        await asyncio.sleep(1.0)
        results, swept = await full_sweep(profile), swept + 1
    return results


def expected_for(fault: str, baseline: Results) -> dict[str, tuple[Status, str]]:
    if fault in REGION_CODES:
        cloud_keys = {key for key, r in baseline.items() if any(CLOUD_SOURCE.match(e.source) for e in r.evidence)}
        assert cloud_keys >= MY_CLOUD_KEYS, MY_CLOUD_KEYS - cloud_keys
        # every cloud check goes through checks/_cloud.ask, so each gives the same finding
        return {key: (ERROR, REGION_CODES[fault]) for key in cloud_keys}
    return EXPECTED[fault]


def mine(results: Results) -> list[CheckResult]:
    return [r for r in results.values() if r.family in MY_FAMILIES or r.check in MY_GATEWAY_CHECKS]


@pytest.fixture
async def baseline(lab: dict[str, Any], lab_profile: Profile) -> Results:
    # The process's first sweep loads the SDKs; on a loaded machine the lab itself may answer late once.
    results = await settle(lab_profile, lambda r: all(c.status is Status.PASS for c in mine(r)))
    ours = mine(results)
    assert ours and all(r.status is Status.PASS for r in ours), [(r.key, r.summary) for r in ours
                                                                if r.status is not Status.PASS]
    return results


@pytest.mark.parametrize("fault", [*EXPECTED, *REGION_CODES])
async def test_fault_turns_exactly_its_checks(fault: str, baseline: Results, lab_profile: Profile,
                                              lab_env: LabEnv) -> None:
    before = non_pass(baseline)
    wanted = expected_for(fault, baseline)
    assert not set(wanted) & set(before), "a check expected to turn was not passing before the fault"
    lab = Lab(lab_env)
    lab.break_(fault)
    try:
        # until the fault has settled: a finding on its way (an association still Deleting) is not the last word
        broken = await settle(lab_profile, lambda r: {k: (r[k].status, r[k].code) for k in non_pass(r)
                                                      if k not in before} == wanted)
        turned = {k: s for k, s in non_pass(broken).items() if k not in before}
        assert turned == {k: s for k, (s, _) in wanted.items()}
        for key, (_, code) in wanted.items():
            assert broken[key].code == code, (key, broken[key].code, broken[key].summary)
            assert broken[key].fix_step, key
            said = f"{broken[key].summary} | {broken[key].cause}"
            if fault == "region-5xx":  # the cloud's own error, not a timeout, whatever the machine's speed
                assert "ServiceUnavailable" in said and REQUEST_ID.search(said), (key, said)
                assert "timed out" not in said and "no answer within" not in said, (key, said)
    finally:
        lab.heal(fault)
    # back to where it started: nothing fails that did not before (a check the loaded machine made late in
    # the baseline may pass now), and every check the fault turned passes again
    healed = await settle(lab_profile, lambda r: set(non_pass(r)) <= set(before))
    assert set(non_pass(healed)) <= set(before), non_pass(healed)
