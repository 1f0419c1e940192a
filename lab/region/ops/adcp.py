"""ACK One Fleet (adcp 2022-01-01, RPC): the hub cluster, its members, GitOps and gateway features."""

from __future__ import annotations

import time
from typing import Any

import yaml

from drconsole.lab.region import ids
from drconsole.lab.region.kube import PlaneUnavailable, plane_kubeconfig, plane_server
from drconsole.lab.region.ops.cs import find_cluster, new_task
from drconsole.lab.region.ops.registry import rpc
from drconsole.lab.region.region import ATTACH_SECONDS, FLEET_CREATE_SECONDS, Region, settled
from drconsole.lab.region.store import State
from drconsole.lab.region.wire import ApiError, Params

FLEET_VERSION = "1.34.2-aliyun.1"
DETACH_SECONDS = 100.0  # a real account's figure (docs/cloud-facts.md); scaled by `settled`
FLEET_DETACH_FAULT = "fleet-detach"


def not_found(cluster_id: str) -> ApiError:
    return ApiError(404, "Cluster.NotFound", f"The cluster {cluster_id} is not found.")


def new_fleet(state: State, *, name: str, vpc_id: str, vswitches: list[str], profile: str,
              created: float) -> dict[str, Any]:
    fleet = {"cluster_id": ids.cluster_id(), "name": name, "vpc_id": vpc_id, "vswitches": vswitches,
             "profile": profile, "created": created, "security_group_id": ids.resource_id("sg"),
             "argocd": False, "argocd_ha": False, "gateway": False, "public_access": False,
             "audit_log": False, "members": {}}
    state.setdefault("fleets", {})[fleet["cluster_id"]] = fleet
    return fleet


def attach(state: State, fleet: dict[str, Any], cluster_id: str, when: float) -> None:
    for other in state.get("fleets", {}).values():
        member = other["members"].get(cluster_id)
        if other is not fleet and member and not member.get("detached"):
            raise ApiError(400, "Cluster.AlreadyAttached",
                           f"cluster {cluster_id} already belongs to Fleet {other['cluster_id']}")
    member = fleet["members"].get(cluster_id)
    if member and not member.get("detached"):
        return
    fleet["members"][cluster_id] = {"attached": when, "detached": None, "by_fault": False}


def fleet_state(fleet: dict[str, Any]) -> str:
    return "running" if settled(fleet["created"], FLEET_CREATE_SECONDS) else "initial"


def member_state(member: dict[str, Any], now: float | None = None) -> str | None:
    """Status.State of a managed cluster, or None once it is gone."""
    if member.get("detached"):
        return "Deleting" if not settled(member["detached"], DETACH_SECONDS, now) else None
    return "Successed" if settled(member["attached"], ATTACH_SECONDS, now) else "Installing"


def sync_fleet_detach_fault(region: Region) -> None:
    """The `fleet-detach` fault detaches every registered cluster; healing it attaches them again."""
    broken = FLEET_DETACH_FAULT in region.flags()
    now = time.time()
    with region.store.read() as state:
        needed = any(
            (broken and not m.get("detached") and _registered(state, cid)) or (not broken and m.get("by_fault"))
            for fleet in state.get("fleets", {}).values() for cid, m in fleet["members"].items())
    if not needed:
        return
    with region.store.write() as state:
        for fleet in state.get("fleets", {}).values():
            for cid, member in fleet["members"].items():
                if broken and not member.get("detached") and _registered(state, cid):
                    member.update(detached=now, by_fault=True)
                elif not broken and member.get("by_fault"):
                    member.update(attached=now, detached=None, by_fault=False)


def _registered(state: State, cluster_id: str) -> bool:
    return state.get("clusters", {}).get(cluster_id, {}).get("cluster_type") == "ExternalKubernetes"


def find_fleet(region: Region, cluster_id: str) -> dict[str, Any]:
    with region.store.read() as state:
        fleet = state.get("fleets", {}).get(cluster_id)
    if fleet is None:
        raise not_found(cluster_id)
    return dict(fleet)


def fleet_view(region: Region, fleet: dict[str, Any], detail: bool) -> dict[str, Any]:
    try:
        server = plane_server(region.env, "fleet")
    except PlaneUnavailable:
        server = ""
    state = fleet_state(fleet)
    info: dict[str, Any] = {
        "ClusterId": fleet["cluster_id"], "Name": fleet["name"], "State": state, "Profile": fleet["profile"],
        "RegionId": region.region_id, "ClusterSpec": "ack.pro.small", "Version": FLEET_VERSION,
        "CreationTime": ids.iso(fleet["created"]), "UpdateTime": ids.iso(fleet["created"]),
        "ErrorMessage": "", "ResourceGroupID": "rg-acfmlabdefault", "Tags": [],
    }
    if detail:
        info["MetaData"] = {"ACKOne": {
            "GitOps": {"Enabled": fleet["argocd"], "HAEnabled": fleet["argocd_ha"],
                       "PublicAccessEnabled": fleet["public_access"], "AccessControlList": []},
            "WorkFlow": {"ArgoWorkflow": {"Enabled": False, "PublicAccessEnabled": False, "ServerEnabled": False,
                                          "AccessControlList": []}}}}
    view: dict[str, Any] = {
        "ClusterInfo": info,
        "Endpoints": {"IntranetApiServerEndpoint": server, "PublicApiServerEndpoint": ""},
        "Network": {"VpcId": fleet["vpc_id"], "VSwitches": list(fleet["vswitches"]),
                    "SecurityGroupIDs": [fleet["security_group_id"]], "ClusterDomain": "cluster.local"},
        "ApiServer": {"ApiServerEipId": "", "EnabledPublic": False, "LoadBalancerId": ids.resource_id("lb")},
        "Conditions": [{"Type": "Ready", "Status": "True" if state == "running" else "False",
                        "Reason": "", "Message": ""}],
        "LogConfig": {"EnableLog": fleet["audit_log"], "LogProject": "", "LogStoreTTL": ""},
        "MeshConfig": {"EnableMesh": False, "MeshId": ""},
    }
    if detail:
        view["Network"]["IPStack"] = "ipv4"
    return view


@rpc("adcp", "CreateHubCluster", mutating=True)
def create_hub_cluster(region: Region, params: Params) -> dict[str, Any]:
    params.need("RegionId")
    vpc_id = params.need("VpcId")
    vswitches = params.items("VSwitches")
    if not vswitches:
        raise ApiError(400, "MissingParameter", "VSwitches is mandatory for this action.")
    profile = params.text("Profile") or "Default"
    if profile not in ("Default", "XFlow"):
        raise ApiError(400, "InvalidParameter", f"Profile {profile!r} is not Default or XFlow")
    now = time.time()
    with region.store.write() as state:
        if vpc_id != state["vpc"]["vpc_id"]:
            raise ApiError(400, "InvalidVpcId.NotFound", f"The VPC {vpc_id} does not exist.")
        known = {v["vswitch_id"] for v in state["vswitches"].values()}
        if not set(vswitches) <= known:
            raise ApiError(400, "InvalidVSwitchId.NotFound", f"vSwitch not found: {sorted(set(vswitches) - known)}")
        fleet = new_fleet(state, name=params.text("Name") or "ack-one-fleet", vpc_id=vpc_id,
                          vswitches=vswitches, profile=profile, created=now)
        fleet["audit_log"] = bool(params.flag("AuditLogEnabled", False))
        task = new_task(state, fleet["cluster_id"], "hub_cluster_create", now)
    return {"ClusterId": fleet["cluster_id"], "TaskId": task}


@rpc("adcp", "DescribeHubClusters")
def describe_hub_clusters(region: Region, params: Params) -> dict[str, Any]:
    profile = params.text("Profile")
    with region.store.read() as state:
        fleets = [dict(f) for f in state.get("fleets", {}).values()]
    return {"Clusters": [fleet_view(region, f, detail=False) for f in fleets
                         if not profile or f["profile"] == profile]}


@rpc("adcp", "DescribeHubClusterDetails")
def describe_hub_cluster_details(region: Region, params: Params) -> dict[str, Any]:
    return {"Cluster": fleet_view(region, find_fleet(region, params.need("ClusterId")), detail=True)}


def _member_change(region: Region, params: Params, attaching: bool) -> dict[str, Any]:
    fleet_id = params.need("ClusterId")
    cluster_ids = params.items("ClusterIds")
    if not cluster_ids:
        raise ApiError(400, "MissingParameter", "ClusterIds is mandatory for this action.")
    for cluster_id in cluster_ids:
        find_cluster(region, cluster_id)
    now = time.time()
    with region.store.write() as state:
        fleet = state.get("fleets", {}).get(fleet_id)
        if fleet is None:
            raise not_found(fleet_id)
        if fleet_state(fleet) != "running":
            raise ApiError(400, "Cluster.StateInvalid", f"Fleet {fleet_id} is not running yet.")
        for cluster_id in cluster_ids:
            if attaching:
                attach(state, fleet, cluster_id, now)
            elif cluster_id in fleet["members"] and not fleet["members"][cluster_id].get("detached"):
                fleet["members"][cluster_id].update(detached=now, by_fault=False)
        task = new_task(state, fleet_id, "attach_cluster" if attaching else "detach_cluster", now)
    return {"ClusterId": fleet_id, "ManagedClusterIds": cluster_ids, "TaskId": task}


@rpc("adcp", "AttachClusterToHub", mutating=True)
def attach_cluster_to_hub(region: Region, params: Params) -> dict[str, Any]:
    return _member_change(region, params, attaching=True)


@rpc("adcp", "DetachClusterFromHub", mutating=True)
def detach_cluster_from_hub(region: Region, params: Params) -> dict[str, Any]:
    return _member_change(region, params, attaching=False)


@rpc("adcp", "DescribeManagedClusters")
def describe_managed_clusters(region: Region, params: Params) -> dict[str, Any]:
    from drconsole.lab.region.ops.cs import cluster_view

    fleet = find_fleet(region, params.need("ClusterId"))
    now = time.time()
    answer = []
    for cluster_id, member in fleet["members"].items():
        status = member_state(member, now)
        if status is None:
            continue
        cs = cluster_view(region, find_cluster(region, cluster_id))
        answer.append({
            "Cluster": {"ClusterID": cluster_id, "Name": cs["name"], "ClusterType": cs["cluster_type"],
                        "ClusterSpec": cs["cluster_spec"], "Profile": cs["profile"], "Region": cs["region_id"],
                        "State": cs["state"], "VpcID": cs["vpc_id"], "VSwitchID": cs["vswitch_id"],
                        "CurrentVersion": cs["current_version"], "InitVersion": cs["init_version"],
                        "Created": cs["created"], "Updated": cs["updated"],
                        "ResourceGroupId": cs["resource_group_id"]},
            "Status": {"State": status, "Message": "" if status == "Successed" else "in progress"},
            "MeshStatus": {"InMesh": False},
        })
    return {"Clusters": answer}


FEATURES = {"ArgoCDEnabled": "argocd", "ArgoCDHAEnabled": "argocd_ha", "GatewayEnabled": "gateway",
            "PublicAccessEnabled": "public_access", "AuditLogEnabled": "audit_log"}


@rpc("adcp", "UpdateHubClusterFeature", mutating=True)
def update_hub_cluster_feature(region: Region, params: Params) -> dict[str, Any]:
    fleet_id = params.need("ClusterId")
    changes = {key: params.flag(name) for name, key in FEATURES.items()}
    with region.store.write() as state:
        fleet = state.get("fleets", {}).get(fleet_id)
        if fleet is None:
            raise not_found(fleet_id)
        fleet.update({key: value for key, value in changes.items() if value is not None})
        if params.text("Name"):
            fleet["name"] = params.text("Name")
        if changes["argocd"] is False:
            fleet["argocd_ha"] = False
    return {}


@rpc("adcp", "DescribeHubClusterKubeconfig")
def describe_hub_cluster_kubeconfig(region: Region, params: Params) -> dict[str, Any]:
    find_fleet(region, params.need("ClusterId"))
    try:
        config = plane_kubeconfig(region.env, "fleet")
    except PlaneUnavailable as exc:
        raise ApiError(503, "ServiceUnavailable", f"the Fleet API server is not reachable: {exc}") from None
    return {"Kubeconfig": yaml.safe_dump(config, sort_keys=False)}
