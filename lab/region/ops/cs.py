"""ACK (cs 2015-12-15, ROA, snake_case): clusters, the registered cluster's agent, kubeconfigs, tasks."""

from __future__ import annotations

import json
import time
from typing import Any

import yaml

from drconsole.lab.net.register import registrations
from drconsole.lab.region import agent, ids
from drconsole.lab.region.kube import PlaneUnavailable, plane_kubeconfig, plane_server
from drconsole.lab.region.ops.registry import roa
from drconsole.lab.region.region import TASK_SECONDS, Region, lasts, settled
from drconsole.lab.region.store import State
from drconsole.lab.region.wire import ApiError, Params

KUBE_VERSION = "1.34.2-aliyun.1"
CONTAINER_CIDR = {"ack": "172.20.0.0/16", "idc": "172.22.0.0/16"}
SERVICE_CIDR = "172.21.0.0/20"


def not_found(cluster_id: str) -> ApiError:
    return ApiError(404, "ErrorClusterNotFound", f"cluster {cluster_id} not found")


def new_cluster(state: State, *, name: str, cluster_type: str, zone_id: str, vpc_id: str,
                vswitch_ids: list[str], plane: str, created: float, spec: str = "ack.pro.small") -> dict[str, Any]:
    cluster = {"cluster_id": ids.cluster_id(), "name": name, "cluster_type": cluster_type, "cluster_spec": spec,
               "zone_id": zone_id, "vpc_id": vpc_id, "vswitch_ids": vswitch_ids, "plane": plane,
               "created": created, "security_group_id": ids.resource_id("sg")}
    state.setdefault("clusters", {})[cluster["cluster_id"]] = cluster
    return cluster


def new_task(state: State, cluster_id: str, task_type: str, created: float) -> str:
    task = {"task_id": ids.task_id(), "cluster_id": cluster_id, "task_type": task_type, "created": created}
    state.setdefault("tasks", {})[task["task_id"]] = task
    return str(task["task_id"])


def cluster_state(region: Region, cluster: dict[str, Any]) -> str:
    """Managed clusters run. A registered cluster is `waiting` until its agent first reaches the private
    registration endpoint, `running` while the endpoint hears it, and `disconnected` once it has been
    silent for the grace time (lab/timing.py)."""
    if cluster["cluster_type"] != "ExternalKubernetes":
        return "running"
    heard = registrations(region.env).get(cluster["cluster_id"])
    if heard is None:
        return "waiting"
    silent = time.time() - heard.last_heard
    return "running" if silent <= region.env.timing.agent_disconnect_grace_s else "disconnected"


def find_cluster(region: Region, cluster_id: str) -> dict[str, Any]:
    with region.store.read() as state:
        cluster = state.get("clusters", {}).get(cluster_id)
    if cluster is None:
        raise not_found(cluster_id)
    return dict(cluster)


def cluster_view(region: Region, cluster: dict[str, Any], detail: bool = False) -> dict[str, Any]:
    registered = cluster["cluster_type"] == "ExternalKubernetes"
    try:
        server = plane_server(region.env, cluster["plane"])
    except PlaneUnavailable:
        server = ""
    view: dict[str, Any] = {
        "cluster_id": cluster["cluster_id"], "name": cluster["name"], "cluster_type": cluster["cluster_type"],
        "cluster_spec": "" if registered else cluster["cluster_spec"], "profile": "Default",
        "state": cluster_state(region, cluster), "region_id": region.region_id, "zone_id": cluster["zone_id"],
        "vpc_id": cluster["vpc_id"], "vswitch_ids": list(cluster["vswitch_ids"]),
        "vswitch_id": cluster["vswitch_ids"][0] if cluster["vswitch_ids"] else "",
        "security_group_id": cluster["security_group_id"], "current_version": KUBE_VERSION,
        "init_version": KUBE_VERSION, "created": ids.cs_time(cluster["created"]),
        "updated": ids.cs_time(cluster["created"]), "container_cidr": CONTAINER_CIDR.get(cluster["plane"], ""),
        "service_cidr": SERVICE_CIDR, "network_mode": "vpc", "deletion_protection": False,
        "resource_group_id": "rg-acfmlabdefault", "size": 1,
        "tags": [{"key": "ack.aliyun.com", "value": cluster["cluster_id"]}],
        "master_url": json.dumps({"intranet_api_server_endpoint": server, "api_server_endpoint": ""}),
        "meta_data": json.dumps({"KubernetesVersion": KUBE_VERSION, "Registered": registered}),
    }
    if detail:
        view["parameters"] = {"ClusterType": cluster["cluster_type"]}
    return view


@roa("GET", "/api/v1/clusters", "DescribeClustersV1")
def describe_clusters_v1(region: Region, params: Params) -> dict[str, Any]:
    with region.store.read() as state:
        clusters = [dict(c) for c in state.get("clusters", {}).values()]
    wanted = {"cluster_type": params.text("cluster_type"), "name": params.text("name"),
              "cluster_id": params.text("cluster_id")}
    clusters = [c for c in clusters if all(not v or c.get(k) == v for k, v in wanted.items())]
    page, size = params.number("page_number", 1) or 1, params.number("page_size", 10) or 10
    chosen = clusters[(page - 1) * size: page * size]
    return {"clusters": [cluster_view(region, c) for c in chosen],
            "page_info": {"page_number": page, "page_size": size, "total_count": len(clusters)}}


@roa("GET", "/clusters/{ClusterId}", "DescribeClusterDetail")
def describe_cluster_detail(region: Region, params: Params) -> dict[str, Any]:
    return cluster_view(region, find_cluster(region, params.need("ClusterId")), detail=True)


@roa("POST", "/clusters", "CreateCluster", mutating=True)
def create_cluster(region: Region, params: Params) -> dict[str, Any]:
    cluster_type = params.need("cluster_type")
    if cluster_type != "ExternalKubernetes":
        raise ApiError(400, "ErrorCheckParams", "the lab region creates only registered clusters "
                       "(cluster_type ExternalKubernetes)")
    name, vpc_id = params.need("name"), params.need("vpcid")
    vswitch_ids = params.items("vswitch_ids")
    now = time.time()
    with region.store.write() as state:
        if vpc_id != state["vpc"]["vpc_id"]:
            raise ApiError(400, "ErrorVpcNotFound", f"VPC {vpc_id} not found in {region.region_id}")
        zone = next((v["zone_id"] for v in state["vswitches"].values() if v["vswitch_id"] in vswitch_ids),
                    "")
        cluster = new_cluster(state, name=name, cluster_type=cluster_type, zone_id=zone, vpc_id=vpc_id,
                              vswitch_ids=vswitch_ids, plane="idc", created=now, spec="")
        task = new_task(state, cluster["cluster_id"], "cluster_create", now)
    return {"cluster_id": cluster["cluster_id"], "task_id": task, "request_id": None}


@roa("GET", "/k8s/{ClusterId}/external/agent/deployment", "DescribeExternalAgent")
def describe_external_agent(region: Region, params: Params) -> dict[str, Any]:
    cluster = find_cluster(region, params.need("ClusterId"))
    if cluster["cluster_type"] != "ExternalKubernetes":
        raise ApiError(400, "ErrorClusterType", f"cluster {cluster['cluster_id']} is not a registered cluster")
    mode = params.text("AgentMode") or "admin"
    if mode not in ("admin", "restricted"):
        raise ApiError(400, "InvalidParameter", f"AgentMode {mode!r} is not admin or restricted")
    internal = bool(params.flag("PrivateIpAddress", False))
    return {"config": agent.manifest(cluster["cluster_id"], region.region_id, internal, mode)}


@roa("GET", "/k8s/{ClusterId}/user_config", "DescribeClusterUserKubeconfig")
def describe_cluster_user_kubeconfig(region: Region, params: Params) -> dict[str, Any]:
    cluster = find_cluster(region, params.need("ClusterId"))
    minutes = params.number("TemporaryDurationMinutes")
    if minutes is not None and not 15 <= minutes <= 4320:
        raise ApiError(400, "ErrorParamsInvalid", "TemporaryDurationMinutes must be between 15 and 4320")
    try:
        config = plane_kubeconfig(region.env, cluster["plane"])
    except PlaneUnavailable as exc:
        raise ApiError(503, "ServiceUnavailable", f"the cluster API is not reachable: {exc}") from None
    expires = time.time() + 60 * (minutes or 3 * 365 * 24 * 60)
    return {"config": yaml.safe_dump(config, sort_keys=False), "expiration": ids.iso(expires)}


@roa("GET", "/tasks/{TaskId}", "DescribeTaskInfo")
def describe_task_info(region: Region, params: Params) -> dict[str, Any]:
    task_id = params.need("TaskId")
    with region.store.read() as state:
        task = state.get("tasks", {}).get(task_id)
    if task is None:
        raise ApiError(404, "ErrorTaskNotFound", f"task {task_id} not found")
    done = settled(task["created"], TASK_SECONDS)
    task_state = "success" if done else "running"
    return {
        "task_id": task["task_id"], "cluster_id": task["cluster_id"], "task_type": task["task_type"],
        "state": task_state, "current_stage": "Done" if done else "CreateResources",
        "created": ids.cs_time(task["created"]), "updated": ids.cs_time(time.time() if not done
                                                                           else task["created"] + lasts(TASK_SECONDS)),
        "stages": [{"state": task_state, "message": "create the cluster record",
                    "start_time": ids.cs_time(task["created"]),
                    "end_time": ids.cs_time(task["created"] + lasts(TASK_SECONDS)) if done else ""}],
        "events": [], "task_result": [{"data": task["cluster_id"], "status": task_state}],
        "target": {"id": task["cluster_id"], "type": "cluster"},
    }
