"""The registered cluster's elastic capacity, as the cloud and its components put it on the external
(`idc`) plane: the ECS instances of a node pool join as Nodes with the labels ACK and the kubelet
give them, and ack-virtual-node brings its controller, the `eci-profile` ConfigMap and a virtual
node (label `type=virtual-kubelet`, taint `virtual-kubelet.io/provider=alibabacloud:NoSchedule`).
Sources: docs/cloud-facts.md, "Elastic capacity". The faults change what the cloud would change."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

from drconsole.lab.region.kube import Obj, Plane
from drconsole.lab.region.store import State

NAMESPACE = "kube-system"
INSTANCE_TYPE = "ecs.g7.xlarge"  # 4 vCPU, 16 GiB
INSTANCE_CAPACITY = {"cpu": "4", "memory": "16Gi", "pods": "110"}
INSTANCE_ALLOCATABLE = {"cpu": "3900m", "memory": "14Gi", "pods": "110"}  # what the kubelet keeps back: UNCONFIRMED
POOL_SIZE = 2
FIRST_HOST = 101
KUBELET_VERSION = "v1.34.2-aliyun.1"
VK_CONTROLLER = "ack-virtual-node-controller"
VK_VERSION = "v2.13.0"
ECI_PROFILE = "eci-profile"
VIRTUAL_TAINT = {"key": "virtual-kubelet.io/provider", "value": "alibabacloud", "effect": "NoSchedule"}
# What the node lifecycle controller adds to a node whose kubelet stopped reporting (upstream Kubernetes).
UNREACHABLE_TAINTS = [{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"},
                      {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]
NODES = "/api/v1/nodes"
PROFILE_PATH = f"/api/v1/namespaces/{NAMESPACE}/configmaps/{ECI_PROFILE}"
CONTROLLER_PATH = f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/{VK_CONTROLLER}"


def pool_id() -> str:
    """Node pool IDs: `np` + 32 hex digits."""
    return "np" + secrets.token_hex(16)


def new_pool(state: State, *, cluster_id: str, vswitch: dict[str, Any], created: float) -> dict[str, Any]:
    """A node pool of POOL_SIZE ECS instances on `vswitch` (its addresses from the vSwitch's block)."""
    prefix = vswitch["cidr"].rsplit(".", 1)[0]
    pool = {"nodepool_id": pool_id(), "name": "drlab-ecs", "cluster_id": cluster_id,
            "vswitch_ids": [vswitch["vswitch_id"]], "zone_id": vswitch["zone_id"], "instance_type": INSTANCE_TYPE,
            "hosts": [f"{prefix}.{FIRST_HOST + i}" for i in range(POOL_SIZE)], "created": created,
            "scaling_group_id": "asg-" + secrets.token_hex(10)}
    state.setdefault("node_pools", {})[pool["nodepool_id"]] = pool
    return pool


def install_virtual_node(state: State, *, cluster_id: str, vswitches: list[dict[str, Any]],
                         security_group_id: str) -> dict[str, Any]:
    """ack-virtual-node installed for the cluster, ECI configured with `vswitches` (the first one's
    zone is where its virtual node is labelled)."""
    addon = {"cluster_id": cluster_id, "vswitch_ids": [v["vswitch_id"] for v in vswitches],
             "zone_id": vswitches[0]["zone_id"], "security_group_id": security_group_id}
    state["virtual_node"] = addon
    return addon


# ---------------------------------------------------------------- the objects on the external plane
def node_name(region: str, ip: str) -> str:
    """ACK's default node name: `<region>.<private IP>`."""
    return f"{region}.{ip}"


def ecs_nodes(pool: dict[str, Any], region: str) -> Iterator[tuple[Obj, Obj]]:
    """(Node, its status) for every instance of the pool."""
    for ip in pool["hosts"]:
        name = node_name(region, ip)
        labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                  "topology.kubernetes.io/region": region, "topology.kubernetes.io/zone": pool["zone_id"],
                  "node.kubernetes.io/instance-type": pool["instance_type"],
                  "alibabacloud.com/nodepool-id": pool["nodepool_id"]}
        node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}}
        yield node, _status(name, True, "KubeletReady", "kubelet is posting ready status", ip,
                            INSTANCE_CAPACITY, INSTANCE_ALLOCATABLE)


def virtual_node(addon: dict[str, Any], region: str, ready: bool) -> tuple[Obj, Obj]:
    """The virtual node ack-virtual-node registers for its zone; not Ready once its kubelet is silent."""
    zone = addon["zone_id"]
    name = f"virtual-kubelet-{zone}"
    labels = {"type": "virtual-kubelet", "kubernetes.io/role": "agent", "kubernetes.io/hostname": name,
              "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
              "topology.kubernetes.io/region": region, "topology.kubernetes.io/zone": zone}
    taints = [VIRTUAL_TAINT] + ([] if ready else UNREACHABLE_TAINTS)
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels},
            "spec": {"taints": taints}}
    capacity = {"cpu": "1M", "memory": "4Pi", "pods": "20k"}  # virtual-kubelet advertises a huge node: UNCONFIRMED
    status = (_status(name, True, "KubeletReady", "kubelet is posting ready status", "", capacity, capacity) if ready
              else _status(name, None, "NodeStatusUnknown", "Kubelet stopped posting node status.", "", capacity,
                           capacity))
    return node, status


def _status(name: str, ready: bool | None, reason: str, message: str, ip: str, capacity: dict[str, str],
            allocatable: dict[str, str]) -> Obj:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    flag = {True: "True", False: "False", None: "Unknown"}[ready]
    addresses = [{"type": "InternalIP", "address": ip}] if ip else []
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}, "status": {
        "conditions": [{"type": "Ready", "status": flag, "reason": reason, "message": message,
                        "lastHeartbeatTime": now, "lastTransitionTime": now}],
        "addresses": [*addresses, {"type": "Hostname", "address": name}],
        "capacity": capacity, "allocatable": allocatable,
        "nodeInfo": {"kubeletVersion": KUBELET_VERSION, "kubeProxyVersion": "", "operatingSystem": "linux",
                     "architecture": "amd64", "containerRuntimeVersion": "containerd://1.6.36",
                     "osImage": "Alibaba Cloud Linux 3", "kernelVersion": "", "machineID": "", "systemUUID": "",
                     "bootID": ""}}}


def eci_profile(addon: dict[str, Any], vpc_id: str, vswitch_ids: list[str]) -> Obj:
    """The cluster-level ECI configuration (data keys as the documented sample shows them)."""
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": ECI_PROFILE, "namespace": NAMESPACE},
            "data": {"enableClusterIp": "true", "enableHybridMode": "false", "enablePrivateZone": "false",
                     "resourceGroupId": "", "securityGroupId": addon["security_group_id"], "selectors": "",
                     "vSwitchIds": ",".join(vswitch_ids), "vpcId": vpc_id}}


def controller(addon: dict[str, Any], region: str) -> Obj:
    labels = {"app": VK_CONTROLLER}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": VK_CONTROLLER, "namespace": NAMESPACE, "labels": labels},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [{
                         "name": "virtual-kubelet",
                         "image": f"registry-vpc.{region}.aliyuncs.com/acs/virtual-nodes-eci:{VK_VERSION}",
                         "env": [{"name": "ECI_REGION", "value": region},
                                 {"name": "ALIYUN_CLUSTERID", "value": addon["cluster_id"]}]}]}}}}


# ---------------------------------------------------------------- putting it there
def put_node(plane: Plane, node: Obj, status: Obj) -> None:
    path = f"{NODES}/{node['metadata']['name']}"
    plane.apply(path, node)
    plane.apply(f"{path}/status", status)


def sync(plane: Plane, state: State, region: str, broken: set[str]) -> None:
    """Make the external plane show the elastic capacity `state` holds, with the faults in `broken`."""
    for pool in state.get("node_pools", {}).values():
        for node, status in ecs_nodes(pool, region):
            if "ecs-pool-empty" in broken:
                plane.delete(f"{NODES}/{node['metadata']['name']}")
            else:
                put_node(plane, node, status)
    addon = state.get("virtual_node")
    if addon:
        plane.apply(CONTROLLER_PATH, controller(addon, region))
        chosen = addon["vswitch_ids"][:1] if "eci-single-zone" in broken else addon["vswitch_ids"]
        plane.apply(PROFILE_PATH, eci_profile(addon, state["vpc"]["vpc_id"], chosen))
        put_node(plane, *virtual_node(addon, region, ready="virtual-node-notready" not in broken))


def pool_view(pool: dict[str, Any], region: str, emptied: bool, created: str) -> dict[str, Any]:
    """A node pool as DescribeClusterNodePools answers (snake_case, the SDK model's fields)."""
    size = 0 if emptied else len(pool["hosts"])
    return {
        "nodepool_info": {"nodepool_id": pool["nodepool_id"], "name": pool["name"], "type": "ess",
                          "is_default": False, "region_id": region, "resource_group_id": "rg-acfmlabdefault",
                          "created": created, "updated": created},
        "status": {"state": "active", "total_nodes": size, "healthy_nodes": size, "serving_nodes": size,
                   "initial_nodes": 0, "failed_nodes": 0, "offline_nodes": 0, "removing_nodes": 0},
        "scaling_group": {"vswitch_ids": list(pool["vswitch_ids"]), "instance_types": [pool["instance_type"]],
                          "desired_size": size, "instance_charge_type": "PostPaid",
                          "scaling_group_id": pool["scaling_group_id"], "system_disk_category": "cloud_essd",
                          "system_disk_size": 120},
        "kubernetes_config": {"labels": [], "taints": [], "runtime": "containerd", "runtime_version": "1.6.36",
                              "cpu_policy": "none", "cms_enabled": False},
        "auto_scaling": {"enable": False, "max_instances": 0, "min_instances": 0, "type": "cpu"},
        "management": {"enable": False},
    }
