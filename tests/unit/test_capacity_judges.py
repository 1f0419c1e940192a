"""Elastic capacity without a lab: Kubernetes quantities and Nodes, the capacity judges (every way a node
pool, the virtual node and the ECI vSwitches can fall short turns into its code), the vSwitches
eci.add-zones picks, and the dashboard's headroom verdicts."""

from __future__ import annotations

from typing import Any

import pytest

from drconsole.checks._nodes import NodeView, parse_node, pod_requests, quantity
from drconsole.checks.capacity import (
    VIRTUAL_STEP,
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
from drconsole.headroom import Cadence, Resources, judge
from drconsole.results import Evidence, Outcome, Status

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
    for outcome, code in ((judge_pools([], nodes, ZONE_OF, SEEN), "CAPACITY-NO-POOL"),
                          (judge_pools([pool(total=0)], [], ZONE_OF, SEEN), "CAPACITY-POOL-EMPTY"),
                          (judge_pools([pool()], [nodes[0], node("x", labels=ECS, ready="Unknown")], ZONE_OF, SEEN),
                           "CAPACITY-NODE-NOT-READY")):
        assert (outcome.status, outcome.code, outcome.fix_step) == (Status.FAIL, code, "registered.ecs-nodes")


def test_virtual_node_judge_names_what_is_missing() -> None:
    ready = node("virtual-kubelet-cn-hangzhou-i", labels=VK_LABELS, taints=[VK_TAINT])
    assert judge_virtual(["Deployment kube-system/ack-virtual-node-controller"], [ready], SEEN) == ready
    for signs, nodes, code in (([], [], "CAPACITY-VK-NOT-INSTALLED"),
                               (["ConfigMap kube-system/eci-profile"], [], "CAPACITY-VK-NO-NODE"),
                               (["x"], [node("v", labels=VK_LABELS, ready="Unknown")], "CAPACITY-VK-NOT-READY")):
        outcome = judge_virtual(signs, nodes, SEEN)
        assert isinstance(outcome, Outcome) and outcome.status is Status.FAIL and outcome.code == code
        assert outcome.fix_step == VIRTUAL_STEP
    assert judge_probe(ready, 201, {}, SEEN).status is Status.PASS
    refused = judge_probe(ready, 400, {"message": "denied"}, SEEN)
    assert (refused.code, refused.cause) == ("CAPACITY-VK-POD-REFUSED", "denied")  # the API server's own message


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


@pytest.mark.parametrize(("ids", "vpc", "code"), [
    (("vsw-b1", "vsw-a1"), "vpc-1", None),
    (("vsw-b1",), "vpc-1", "CAPACITY-ECI-ONE-ZONE"),
    (("vsw-b1", "vsw-a1", "vsw-other"), "vpc-1", "CAPACITY-ECI-VSWITCH-INVALID"),  # not a vSwitch of the VPC
    (("vsw-b1", "vsw-a1"), "vpc-2", "CAPACITY-ECI-VSWITCH-INVALID"),  # another VPC
    (("vsw-b1", "vsw-a1", *(f"vsw-x{i}" for i in range(9))), "vpc-1", "CAPACITY-ECI-VSWITCH-INVALID"),  # 11 > 10
    (("vsw-other",), "vpc-1", "CAPACITY-ECI-VSWITCH-INVALID"),  # no zone at all, and outside the VPC
])
def test_zones_judge(ids: tuple[str, ...], vpc: str, code: str | None) -> None:
    zone_of = {**ZONE_OF, **{f"vsw-x{i}": "cn-hangzhou-h" for i in range(9)}}
    outcome = judge_zones(EciConfig(ids, vpc, "test"), "vpc-1", zone_of, SEEN)
    assert outcome.code == code and outcome.status is (Status.PASS if code is None else Status.FAIL)
    if code:
        assert outcome.fix_step == "registered.eci-multi-zone"
    missing = judge_zones(None, "vpc-1", ZONE_OF, SEEN)
    assert (missing.code, missing.fix_step) == ("CAPACITY-ECI-NO-CONFIG", VIRTUAL_STEP)


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


def test_the_headroom_is_measured_at_once_then_at_most_every_period_unless_asked() -> None:
    cadence = Cadence(period_s=30.0)
    assert cadence.due(100.0, asked=False)  # the first sweep
    assert not cadence.due(110.0, asked=False)  # auto-refresh within the period: the last figure stands
    assert cadence.due(115.0, asked=True)  # a sweep the operator asked for measures again
    assert not cadence.due(144.0, asked=False)  # the period counts from that measurement
    assert cadence.due(145.0, asked=False)
