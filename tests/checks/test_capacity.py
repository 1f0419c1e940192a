"""Elastic capacity on the built lab: the three checks, the eci.add-zones action against the
`eci-single-zone` fault (real writer, real reader), and the dashboard's headroom verdict following the
lab's load and capacity. The judges themselves: tests/unit/test_capacity_judges.py."""

from __future__ import annotations

import asyncio
import importlib
import time
from typing import Any

import pytest

from drconsole.results import Status
from tests.checks.capacity_support import zone_a_load


def _run(profile: Any, name: str, **params: Any) -> Any:
    from tests.checks.cloudkube_support import run

    return asyncio.run(run(profile, name, **params))


def _params(profile: Any) -> dict[str, dict[str, Any]]:
    return {"capacity.ecs-pools": {"used": True, "cluster_id": profile.clusters.registered.id,
                                   "vpc_id": profile.network.vpc_id},
            "capacity.virtual-node": {"used": True},
            "capacity.eci-zones": {"used": True, "vpc_id": profile.network.vpc_id}}


@pytest.mark.lab
@pytest.mark.kube
def test_built_lab_passes_with_what_the_lab_models(lab: dict[str, Any], lab_profile: Any) -> None:
    assert lab_profile.capacity.ecs_node_pools and lab_profile.capacity.eci
    for sdk in ("alibabacloud_cs20151215.client", "alibabacloud_vpc20160428.client"):
        importlib.import_module(sdk)  # once here, not inside a check's time limit
    results = {name: _run(lab_profile, name, **params) for name, params in _params(lab_profile).items()}
    assert {n: r.status for n, r in results.items()} == dict.fromkeys(results, Status.PASS), \
        {n: r.summary for n, r in results.items()}
    assert "2/2 Ready" in results["capacity.ecs-pools"].summary
    assert "type=virtual-kubelet" in results["capacity.virtual-node"].summary
    assert "cn-hangzhou-h, cn-hangzhou-i" in results["capacity.eci-zones"].summary
    off = _run(lab_profile, "capacity.eci-zones", used=False, vpc_id=lab_profile.network.vpc_id)
    assert (off.status, off.code) == (Status.SKIPPED, "CAPACITY-NOT-USED")


@pytest.mark.lab
@pytest.mark.kube
def test_add_zones_action_spreads_eci_again(lab: dict[str, Any], lab_profile: Any, lab_env: Any) -> None:
    """eci-single-zone leaves one zone. The plan shows the diff; the runner refuses without the
    ConfigMap typed back and applies with it; the step's check (the reader) then passes and the
    journal holds who confirmed. Healing restores the lab's own list."""
    from drconsole.actions.base import ACTIONS
    from drconsole.actions.context import ActionContext
    from drconsole.actions.registry import load_all
    from drconsole.context import Context
    from drconsole.lab.lab import Lab
    from tests.actions.helpers import drconsole, journal_events, run_id_of

    load_all()
    spec = ACTIONS["eci.add-zones"]
    params = _params(lab_profile)["capacity.eci-zones"]
    zone_a = lab_profile.network.vswitch_ids["cn-hangzhou-h"]
    step = ("run", "zone-dr-hybrid", "--profile", lab_profile.name, "--step", "registered.eci-multi-zone", "--yes")
    lab = Lab(lab_env)
    ctx = Context(lab_profile)
    try:
        assert spec.plan(ActionContext(ctx, phase="plan"), spec.params()).already_done
        lab.break_("eci-single-zone")
        assert _run(lab_profile, "capacity.eci-zones", **params).code == "CAPACITY-ECI-ONE-ZONE"
        plan = spec.plan(ActionContext(ctx, phase="plan"), spec.params())
        assert not plan.already_done and plan.target == "kube-system/eci-profile" and plan.data["added"] == [zone_a]
        assert any(zone_a in line and line.startswith("+") for change in plan.changes for line in change.diff), \
            plan.render()

        declined = drconsole(*step)
        assert declined.exit_code != 0
        assert _run(lab_profile, "capacity.eci-zones", **params).code == "CAPACITY-ECI-ONE-ZONE"

        applied = drconsole(*step, "--confirm-target", "kube-system/eci-profile")
        assert applied.exit_code == 0, applied.output
        kinds = [e["kind"] for e in journal_events(lab_profile.name, run_id_of(applied.output))]
        assert "confirmed" in kinds and "succeeded" in kinds, kinds
        assert _run(lab_profile, "capacity.eci-zones", **params).status is Status.PASS
    finally:
        ctx.close()
        lab.heal("eci-single-zone")
    healed = _run(lab_profile, "capacity.eci-zones", **params)
    assert healed.status is Status.PASS and "2 vSwitches" in healed.summary


@pytest.mark.lab
@pytest.mark.kube
def test_headroom_follows_the_labs_load_and_capacity(lab: dict[str, Any], lab_profile: Any, lab_env: Any) -> None:
    """A Pod in the ACK cluster that asks for more than zone B's free room turns the verdict to
    `elastic` (ECI is there); emptying the ECS pool and stopping the virtual node turn it `short`."""
    from drconsole.context import Context
    from drconsole.headroom import measure
    from drconsole.lab.lab import Lab

    def measured() -> Any:
        ctx = Context(lab_profile)
        try:
            return asyncio.run(measure(ctx))
        finally:
            ctx.close()

    def until(verdict: str) -> Any:
        deadline = time.monotonic() + 30
        while (seen := measured()).verdict != verdict:
            assert time.monotonic() < deadline, seen.text()
            time.sleep(0.5)
        return seen

    base = until("enough")
    assert base.nodes_b >= 3 and base.ecs_b == 2 and base.virtual_b
    heavy_cpu = base.free_b.cpu + 1
    lab = Lab(lab_env)
    with zone_a_load(lab_env, heavy_cpu):
        try:
            assert until("elastic").load_a.cpu >= heavy_cpu
            lab.break_("virtual-node-notready")
            lab.break_("ecs-pool-empty")
            short = until("short")
            assert short.ecs_b == 0 and not short.virtual_b
        finally:
            lab.heal("ecs-pool-empty")
            lab.heal("virtual-node-notready")
    until("enough")
