"""Elastic capacity: the pure judges without a lab; then the three checks on the built lab, the
eci.add-zones action against the `eci-single-zone` fault (real writer, real reader), and the
dashboard's headroom verdict following the lab's load and capacity."""

from __future__ import annotations

import asyncio
import importlib
import time
from typing import Any

import pytest

from drconsole.checks._nodes import NodeView, parse_node, pod_requests, quantity
from drconsole.checks.capacity import (
    POOLS_STEP,
    VIRTUAL_STEP,
    ZONES_STEP,
    EciConfig,
    Pool,
    eci_config,
    judge_pools,
    judge_probe,
    judge_virtual,
    judge_zones,
    missing_zones,
    probe_pod,
)
from drconsole.headroom import Resources, judge
from drconsole.results import Evidence, Outcome, Status
from tests.checks.capacity_support import zone_a_load

SEEN = Evidence(source="test", asked="", answer={})
ZONE_OF = {"vsw-a1": "cn-hangzhou-h", "vsw-a2": "cn-hangzhou-h", "vsw-b1": "cn-hangzhou-i"}


def node(name: str, *, ready: str = "True", labels: dict[str, str] | None = None,
         taints: list[dict[str, str]] | None = None, cpu: str = "4", memory: str = "16Gi") -> NodeView:
    return parse_node({"metadata": {"name": name, "labels": labels or {}}, "spec": {"taints": taints or []},
                       "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "R"}],
                                  "allocatable": {"cpu": cpu, "memory": memory}}})


def pool(pool_id: str = "np1", total: int = 2, vswitches: tuple[str, ...] = ("vsw-b1",)) -> Pool:
    return Pool.parse({"nodepool_info": {"nodepool_id": pool_id, "name": f"pool-{pool_id}"},
                       "status": {"state": "active", "total_nodes": total},
                       "scaling_group": {"vswitch_ids": list(vswitches)}})


ECS = {"alibabacloud.com/nodepool-id": "np1", "topology.kubernetes.io/zone": "cn-hangzhou-i"}
VK_LABELS = {"type": "virtual-kubelet", "topology.kubernetes.io/zone": "cn-hangzhou-i"}
VK_TAINT = {"key": "virtual-kubelet.io/provider", "value": "alibabacloud", "effect": "NoSchedule"}


# ---------------------------------------------------------------- pure parts
def test_quantities_follow_kubernetes_suffixes() -> None:
    assert quantity("500m") == 0.5
    assert quantity("16Gi") == 16 * 2**30
    assert quantity("1M") == 10**6
    assert quantity(None) == 0
    with pytest.raises(ValueError):
        quantity("lots")


def test_pod_requests_take_the_larger_of_init_and_app_containers() -> None:
    pod = {"spec": {"containers": [{"resources": {"requests": {"cpu": "250m", "memory": "1Gi"}}},
                                   {"resources": {"requests": {"cpu": "250m"}}}],
                    "initContainers": [{"resources": {"requests": {"cpu": "2", "memory": "512Mi"}}}]}}
    assert pod_requests(pod) == (2.0, 2**30)


def test_virtual_node_is_recognised_by_either_documented_variant() -> None:
    assert node("vk", labels=VK_LABELS).virtual and "type=virtual-kubelet" in str(node("vk", labels=VK_LABELS).virtual)
    assert "k8s.aliyun.com/vnode" in str(node("vn", labels={"k8s.aliyun.com/vnode": "true"}).virtual)
    assert node("tainted", taints=[VK_TAINT]).virtual
    assert node("ecs", labels=ECS).virtual is None


def test_pools_pass_only_with_ready_nodes_in_every_pool() -> None:
    nodes = [node("cn-hangzhou.192.168.2.101", labels=ECS), node("cn-hangzhou.192.168.2.102", labels=ECS)]
    passed = judge_pools([pool()], nodes, ZONE_OF, SEEN)
    assert passed.status is Status.PASS and "cn-hangzhou-i" in passed.summary and "vsw-b1" in passed.summary
    for outcome in (judge_pools([], nodes, ZONE_OF, SEEN), judge_pools([pool(total=0)], [], ZONE_OF, SEEN),
                    judge_pools([pool()], [nodes[0], node("x", labels=ECS, ready="Unknown")], ZONE_OF, SEEN)):
        assert outcome.status is Status.FAIL and outcome.fix_step == POOLS_STEP


def test_virtual_node_judge_names_what_is_missing() -> None:
    ready = node("virtual-kubelet-cn-hangzhou-i", labels=VK_LABELS, taints=[VK_TAINT])
    assert judge_virtual(["Deployment kube-system/ack-virtual-node-controller"], [ready], SEEN) == ready
    for signs, nodes, words in (([], [], "not installed"), (["ConfigMap kube-system/eci-profile"], [], "no virtual"),
                                (["x"], [node("v", labels=VK_LABELS, ready="Unknown")], "no virtual node is Ready")):
        outcome = judge_virtual(signs, nodes, SEEN)
        assert isinstance(outcome, Outcome) and outcome.status is Status.FAIL and words in outcome.summary
        assert outcome.fix_step == VIRTUAL_STEP
    assert judge_probe(ready, 201, {}, SEEN).status is Status.PASS
    assert judge_probe(ready, 400, {"message": "denied"}, SEEN).cause == "denied"


def test_probe_pod_tolerates_the_nodes_taints_and_is_bound_to_it() -> None:
    pod = probe_pod(node("vk", taints=[VK_TAINT]), "cn-shanghai")
    assert pod["spec"]["nodeName"] == "vk"
    assert pod["spec"]["tolerations"] == [{**VK_TAINT, "operator": "Equal"}]
    assert "registry-vpc.cn-shanghai.aliyuncs.com/" in pod["spec"]["containers"][0]["image"]


def test_eci_config_prefers_the_profile_then_the_older_environment_variable() -> None:
    profile = {"data": {"vSwitchIds": "vsw-b1, vsw-a1", "vpcId": "vpc-1"}}
    env = {"spec": {"template": {"spec": {"containers": [{"env": [{"name": "ECI_VSWITCH", "value": "vsw-b1"}]}]}}}}
    assert eci_config(profile, env) == EciConfig(("vsw-b1", "vsw-a1"), "vpc-1",
                                                 "ConfigMap kube-system/eci-profile data.vSwitchIds")
    from_env = eci_config(None, env)
    assert from_env is not None and from_env.vswitch_ids == ("vsw-b1",) and "ECI_VSWITCH" in from_env.source
    assert eci_config(None, None) is None


@pytest.mark.parametrize(("ids", "vpc", "fails"), [
    (("vsw-b1", "vsw-a1"), "vpc-1", None),
    (("vsw-b1",), "vpc-1", "cover 1 zone(s)"),
    (("vsw-b1", "vsw-a1", "vsw-other"), "vpc-1", "not a vSwitch of vpc-1"),
    (("vsw-b1", "vsw-a1"), "vpc-2", "names VPC vpc-2"),
    (("vsw-b1", "vsw-a1", *(f"vsw-x{i}" for i in range(9))), "vpc-1", "at most 10"),
])
def test_zones_judge(ids: tuple[str, ...], vpc: str, fails: str | None) -> None:
    zone_of = {**ZONE_OF, **{f"vsw-x{i}": "cn-hangzhou-h" for i in range(9)}}
    outcome = judge_zones(EciConfig(ids, vpc, "test"), "vpc-1", zone_of, SEEN)
    if fails is None:
        assert outcome.status is Status.PASS and "cn-hangzhou-h, cn-hangzhou-i" in outcome.summary
    else:
        assert outcome.status is Status.FAIL and fails in outcome.summary and outcome.fix_step == ZONES_STEP
    assert judge_zones(None, "vpc-1", ZONE_OF, SEEN).fix_step == VIRTUAL_STEP


def test_missing_zones_lists_the_vpcs_other_vswitches() -> None:
    assert missing_zones(EciConfig(("vsw-b1",), None, "t"), ZONE_OF) == {"cn-hangzhou-h": ["vsw-a1", "vsw-a2"]}


def test_added_vswitches_prefer_the_profiles_own_then_the_most_free_addresses() -> None:
    from drconsole.actions.capacity import chosen_additions

    spare = {"cn-hangzhou-h": ["vsw-a1", "vsw-a2"], "cn-hangzhou-j": ["vsw-j1"]}
    assert chosen_additions(("vsw-b1",), spare, {"cn-hangzhou-h": "vsw-a1"}, {"vsw-a2": 250}) == ["vsw-a1", "vsw-j1"]
    assert chosen_additions(("vsw-b1",), spare, {}, {"vsw-a1": 10, "vsw-a2": 250}) == ["vsw-a2", "vsw-j1"]
    full = tuple(f"vsw-{i}" for i in range(9))
    assert chosen_additions(full, spare, {}, {}) == ["vsw-a2"]  # room for one more: 10 at most


def test_headroom_verdicts() -> None:
    def app(cpu: str, memory: str, node_name: str = "", namespace: str = "demo") -> dict[str, Any]:
        return {"metadata": {"namespace": namespace}, "status": {"phase": "Running"},
                "spec": {"nodeName": node_name, "containers": [{"resources": {"requests": {"cpu": cpu,
                                                                                          "memory": memory}}}]}}

    nodes = [node("idc-1"), node("ecs-1", labels=ECS), node("gone", ready="False")]
    vk = node("vk", labels=VK_LABELS, cpu="1M", memory="4Pi")
    enough = judge([app("3", "8Gi"), app("50", "1Ti", namespace="kube-system")], nodes, [app("2", "4Gi", "idc-1")])
    assert enough.verdict == "enough" and enough.free_b == Resources(6.0, 28 * 2**30) and enough.ecs_b == 1
    assert judge([app("7", "8Gi")], nodes, [app("2", "4Gi", "idc-1")]).verdict == "short"
    relying = judge([app("9", "8Gi")], [*nodes, vk], [])
    assert relying.verdict == "elastic" and relying.virtual_b == ("vk",) and "short by 1.0 CPU" in relying.text()


# ---------------------------------------------------------------- on the built lab
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
    assert off.status is Status.SKIPPED


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
        assert _run(lab_profile, "capacity.eci-zones", **params).status is Status.FAIL
        plan = spec.plan(ActionContext(ctx, phase="plan"), spec.params())
        assert not plan.already_done and plan.target == "kube-system/eci-profile" and plan.data["added"] == [zone_a]
        assert any(zone_a in line and line.startswith("+") for change in plan.changes for line in change.diff), \
            plan.render()

        declined = drconsole(*step)
        assert declined.exit_code != 0
        assert _run(lab_profile, "capacity.eci-zones", **params).status is Status.FAIL

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
