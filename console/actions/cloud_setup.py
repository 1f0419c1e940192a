"""Setup actions on the cloud APIs: the Fleet, the registered cluster, the VBR and BGP, CEN,
the Fleet associations and GitOps. Each plan reads the live state first and says "already done"
(with the evidence, and the IDs it found for the profile) when there is nothing to do."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from drconsole.action_events import ActionOutput
from drconsole.actions.base import Action, ApiCall, Plan, Result, Risk, action
from drconsole.actions.context import ActionContext, ActionFailed
from drconsole.cen import virtual_border_routers
from drconsole.paging import listing

TERMINAL_FAILURES = {"failed", "fail", "Failed", "delete_failed"}


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _need(value: Any, what: str, step: str) -> Any:
    if not value:
        raise ActionFailed(f"the profile has no {what} yet", fix=f"complete step {step} first (it writes the ID)")
    return value


def _hub(actx: ActionContext, fleet_id: str) -> dict[str, Any] | None:
    from drconsole.cloud import CloudError

    try:
        return actx.call("adcp", "DescribeHubClusterDetails", cluster_id=fleet_id).get("Cluster") or {}
    except CloudError as exc:
        if "NotFound" in exc.code or exc.status == 404:
            return None
        raise


def _fleet_vswitch(actx: ActionContext) -> str:
    clusters, switches = actx.profile.clusters, actx.profile.network.vswitch_ids
    zone = clusters.ack.zone
    chosen = switches.get(zone) if zone else None
    return chosen or _need(next(iter(switches.values()), None), "vSwitch (network.vswitch_ids)", "design.zones")


@action("fleet.create", risk=Risk.MUTATING, title="Create the Fleet instance in the profile's VPC", params=NoParams)
class CreateFleet(Action):
    def plan(self, actx: ActionContext, params: NoParams) -> Plan:
        profile = actx.profile
        vpc = profile.network.vpc_id
        listed = actx.call("adcp", "DescribeHubClusters").get("Clusters") or []
        wanted = profile.clusters.fleet.id
        found = [c for c in listed if (c.get("ClusterInfo") or {}).get("ClusterId") == wanted] if wanted else \
            [c for c in listed if (c.get("Network") or {}).get("VpcId") == vpc
             and (c.get("ClusterInfo") or {}).get("State") not in ("deleting", "deleted", "failed")]
        if found:
            info = found[0]["ClusterInfo"]
            return self.new_plan(actx, f"Fleet {info['ClusterId']} exists in {vpc} ({info.get('State')})",
                                 already_done=info.get("State") == "running",
                                 evidence={"adcp:DescribeHubClusters": {"ClusterId": info["ClusterId"],
                                                                        "State": info.get("State"),
                                                                        "VpcId": found[0].get("Network", {})
                                                                        .get("VpcId")}},
                                 profile_updates={"clusters.fleet.id": info["ClusterId"]},
                                 data={"fleet_id": info["ClusterId"]})
        name = profile.clusters.fleet.name or f"{profile.name}-fleet"
        call = ApiCall("adcp", "CreateHubCluster", {"RegionId": profile.cloud.region, "VpcId": vpc,
                                                     "VSwitches": _json_list([_fleet_vswitch(actx)]),
                                                     "Name": name, "Profile": "Default"})
        return self.new_plan(actx, f"create Fleet {name!r} in {vpc}", calls=[call])

    def apply(self, actx: ActionContext, plan: Plan) -> Result:
        if plan.data.get("fleet_id"):
            fleet_id = plan.data["fleet_id"]
        else:
            p = plan.calls[0].params
            answer = actx.call("adcp", "CreateHubCluster", region_id=p["RegionId"], vpc_id=p["VpcId"],
                               v_switches=p["VSwitches"], name=p["Name"], profile=p["Profile"])
            fleet_id = answer["ClusterId"]
        def running() -> str | None:
            state = ((_hub(actx, fleet_id) or {}).get("ClusterInfo") or {}).get("State")
            if state in TERMINAL_FAILURES:
                raise ActionFailed(f"Fleet {fleet_id} is {state}",
                                   fix="read ClusterInfo.ErrorMessage; delete and retry")
            return state if state == "running" else None

        actx.wait(f"Fleet {fleet_id} ClusterInfo.State running", running, timeout=600)
        return Result(f"Fleet {fleet_id} is running", profile_updates={"clusters.fleet.id": fleet_id},
                      output=ActionOutput(fleet_id=fleet_id))


@action("registered.create", risk=Risk.MUTATING, title="Create the registered cluster (ExternalKubernetes)",
        params=NoParams)
class CreateRegistered(Action):
    def plan(self, actx: ActionContext, params: NoParams) -> Plan:
        profile = actx.profile
        listed = listing(actx.call, "cs", "DescribeClustersV1", "clusters", cluster_type="ExternalKubernetes",
                         page_size=100, region_id=profile.cloud.region)
        registered = profile.clusters.registered
        name = registered.name or f"{profile.name}-idc"
        match = [c for c in listed if c.get("cluster_id") == registered.id] if registered.id else \
            [c for c in listed if c.get("name") == name and c.get("vpc_id") == profile.network.vpc_id]
        if match:
            c = match[0]
            return self.new_plan(actx, f"registered cluster {c['cluster_id']} ({name}) exists ({c.get('state')})",
                                 already_done=True, evidence={"cs:DescribeClustersV1": {
                                     k: c.get(k) for k in ("cluster_id", "name", "cluster_type", "state", "vpc_id")}},
                                 profile_updates={"clusters.registered.id": c["cluster_id"]})
        zone = registered.zone
        vswitch = profile.network.vswitch_ids.get(zone) if zone else None
        _need(vswitch, f"vSwitch for zone {zone} (network.vswitch_ids)", "design.zones")
        call = ApiCall("cs", "CreateCluster", {"name": name, "region_id": profile.cloud.region,
                                               "cluster_type": "ExternalKubernetes", "vpcid": profile.network.vpc_id,
                                               "vswitch_ids": [vswitch]})
        return self.new_plan(actx, f"register the external cluster as {name!r} in zone {zone}", calls=[call])

    def apply(self, actx: ActionContext, plan: Plan) -> Result:
        answer = actx.call("cs", "CreateCluster", **plan.calls[0].params)
        cluster_id, task_id = answer["cluster_id"], answer.get("task_id")

        def done() -> str | None:
            state = actx.call("cs", "DescribeTaskInfo", task_id).get("state")
            if state in TERMINAL_FAILURES:
                raise ActionFailed(f"task {task_id} for {cluster_id} failed", fix="read the task's error in ACK")
            return state if state == "success" else None

        if task_id:
            actx.wait(f"task {task_id} success", done, timeout=600)
        return Result(f"registered cluster {cluster_id} created (waiting for its agent)",
                      profile_updates={"clusters.registered.id": cluster_id},
                      output=ActionOutput(cluster_id=cluster_id))


class VbrParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    vlan_id: int = Field(default=2420, ge=0, le=2999)
    peering_subnet_mask: str = "255.255.255.248"


@action("network.vbr-create", risk=Risk.MUTATING, title="Create the VBR on the physical connection",
        params=VbrParams)
class CreateVbr(Action):
    def plan(self, actx: ActionContext, params: VbrParams) -> Plan:
        net = actx.profile.network
        pc = _need(net.physical_connection_id, "physical connection (network.physical_connection_id)",
                   "network.express-connect")
        listed = virtual_border_routers(actx.call, actx.profile.cloud.region)
        match = [v for v in listed if v.get("VbrId") == net.vbr_id] if net.vbr_id else \
            [v for v in listed if v.get("PhysicalConnectionId") == pc and v.get("Status") not in
             ("terminating", "terminated", "deleting")]
        if match:
            v = match[0]
            return self.new_plan(actx, f"VBR {v['VbrId']} exists on {pc} ({v.get('Status')})", already_done=True,
                                 evidence={"vpc:DescribeVirtualBorderRouters": {
                                     k: v.get(k) for k in ("VbrId", "Status", "VlanId", "LocalGatewayIp",
                                                           "PeerGatewayIp", "PhysicalConnectionId")}},
                                 profile_updates={"network.vbr_id": v["VbrId"]})
        call = ApiCall("vpc", "CreateVirtualBorderRouter", {
            "RegionId": actx.profile.cloud.region, "PhysicalConnectionId": pc, "VlanId": params.vlan_id,
            "LocalGatewayIp": str(net.bgp.vbr_peer_ip), "PeerGatewayIp": str(net.bgp.idc_peer_ip),
            "PeeringSubnetMask": params.peering_subnet_mask, "Name": f"{actx.profile.name}-vbr"})
        return self.new_plan(actx, f"create a VBR on {pc}", calls=[call])

    def apply(self, actx: ActionContext, plan: Plan) -> Result:
        p = plan.calls[0].params
        answer = actx.call("vpc", "CreateVirtualBorderRouter", region_id=p["RegionId"],
                           physical_connection_id=p["PhysicalConnectionId"], vlan_id=p["VlanId"],
                           local_gateway_ip=p["LocalGatewayIp"], peer_gateway_ip=p["PeerGatewayIp"],
                           peering_subnet_mask=p["PeeringSubnetMask"], name=p["Name"])
        return Result(f"VBR {answer['VbrId']} created", profile_updates={"network.vbr_id": answer["VbrId"]})


@action("network.bgp-create", risk=Risk.MUTATING, title="Create the VBR's BGP group and BGP peer", params=NoParams)
class CreateBgp(Action):
    def plan(self, actx: ActionContext, params: NoParams) -> Plan:
        net, region = actx.profile.network, actx.profile.cloud.region
        vbr = _need(net.vbr_id, "VBR (network.vbr_id)", "network.vbr")
        groups = listing(actx.call, "vpc", "DescribeBgpGroups", "BgpGroups.BgpGroup", region_id=region, router_id=vbr,
                         page_size=50)
        group = next((g for g in groups if str(g.get("PeerAsn")) == str(net.bgp.idc_asn)), None)
        peer = None
        if group:
            peers = listing(actx.call, "vpc", "DescribeBgpPeers", "BgpPeers.BgpPeer", region_id=region, router_id=vbr,
                            bgp_group_id=group["BgpGroupId"], page_size=50)
            peer = next((p for p in peers if p.get("PeerIpAddress") == str(net.bgp.idc_peer_ip)), None)
        updates = {}
        evidence: dict[str, Any] = {}
        calls = []
        if group:
            updates["network.bgp_group_id"] = group["BgpGroupId"]
            evidence["vpc:DescribeBgpGroups"] = {k: group.get(k) for k in ("BgpGroupId", "PeerAsn", "LocalAsn")}
        else:
            calls.append(ApiCall("vpc", "CreateBgpGroup", {"RegionId": region, "RouterId": vbr,
                                                           "PeerAsn": net.bgp.idc_asn,
                                                           "Name": f"{actx.profile.name}-idc"}))
        if peer:
            updates["network.bgp_peer_id"] = peer["BgpPeerId"]
            evidence["vpc:DescribeBgpPeers"] = {k: peer.get(k) for k in ("BgpPeerId", "PeerIpAddress", "BgpStatus")}
        else:
            calls.append(ApiCall("vpc", "CreateBgpPeer", {"RegionId": region, "BgpGroupId": "(the group's ID)"
                                                          if not group else group["BgpGroupId"],
                                                          "PeerIpAddress": str(net.bgp.idc_peer_ip)}))
        summary = f"BGP group (PeerAsn {net.bgp.idc_asn}) and peer {net.bgp.idc_peer_ip} on {vbr}"
        return self.new_plan(actx, summary if calls else summary + " exist", calls=calls, already_done=not calls,
                             evidence=evidence, profile_updates=updates,
                             data={"group_id": group["BgpGroupId"] if group else None})

    def apply(self, actx: ActionContext, plan: Plan) -> Result:
        group_id = plan.data.get("group_id")
        peer_id = None
        for call in plan.calls:
            p = call.params
            if call.action == "CreateBgpGroup":
                group_id = actx.call("vpc", "CreateBgpGroup", region_id=p["RegionId"], router_id=p["RouterId"],
                                     peer_asn=p["PeerAsn"], name=p["Name"])["BgpGroupId"]
            else:
                peer_id = actx.call("vpc", "CreateBgpPeer", region_id=p["RegionId"], bgp_group_id=group_id,
                                    peer_ip_address=p["PeerIpAddress"])["BgpPeerId"]
        updates = {"network.bgp_group_id": group_id, **({"network.bgp_peer_id": peer_id} if peer_id else {})}
        return Result(f"BGP group {group_id}" + (f" and peer {peer_id}" if peer_id else "") + " created",
                      profile_updates=updates)


def _managed(actx: ActionContext, fleet_id: str) -> dict[str, str]:
    listed = actx.call("adcp", "DescribeManagedClusters", cluster_id=fleet_id).get("Clusters") or []
    return {(c.get("Cluster") or {}).get("ClusterID", ""): (c.get("Status") or {}).get("State", "") for c in listed}


@action("fleet.attach", risk=Risk.MUTATING, title="Associate both clusters with the Fleet", params=NoParams)
class AttachClusters(Action):
    def plan(self, actx: ActionContext, params: NoParams) -> Plan:
        clusters = actx.profile.clusters
        fleet = _need(clusters.fleet.id, "Fleet ID (clusters.fleet.id)", "fleet.create")
        members = [_need(clusters.ack.id, "ACK cluster ID (clusters.ack.id)", "design.same-vpc"),
                   _need(clusters.registered.id, "registered cluster ID", "registered.create")]
        states = _managed(actx, fleet)
        missing = [c for c in members if states.get(c) not in ("Successed", "Installing")]
        calls = [ApiCall("adcp", "AttachClusterToHub", {"ClusterId": fleet, "ClusterIds": _json_list(missing)})] \
            if missing else []
        done = all(states.get(c) == "Successed" for c in members)
        return self.new_plan(actx, f"associate {', '.join(members)} with Fleet {fleet}", calls=calls,
                             already_done=done, evidence={"adcp:DescribeManagedClusters": states},
                             data={"fleet": fleet, "members": members})

    def apply(self, actx: ActionContext, plan: Plan) -> Result:
        fleet, members = plan.data["fleet"], plan.data["members"]
        for call in plan.calls:
            actx.call("adcp", "AttachClusterToHub", cluster_id=fleet, cluster_ids=call.params["ClusterIds"])

        def joined() -> dict[str, str] | None:
            states = _managed(actx, fleet)
            failed = [c for c in members if states.get(c) == "Failed"]
            if failed:
                raise ActionFailed(f"association failed for {', '.join(failed)}", fix="read Status.Message")
            return states if all(states.get(c) == "Successed" for c in members) else None

        states = actx.wait("both clusters Successed", joined, timeout=600)
        return Result(f"associated: {states}")


def gitops_enabled(cluster: dict[str, Any]) -> bool:
    meta = (cluster.get("ClusterInfo") or {}).get("MetaData") or {}
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except ValueError:
            meta = {}
    return bool(((meta.get("ACKOne") or {}).get("GitOps") or {}).get("Enabled"))


@action("gitops.enable", risk=Risk.MUTATING, title="Enable GitOps (Argo CD) on the Fleet", params=NoParams)
class EnableGitOps(Action):
    def plan(self, actx: ActionContext, params: NoParams) -> Plan:
        fleet = _need(actx.profile.clusters.fleet.id, "Fleet ID (clusters.fleet.id)", "fleet.create")
        cluster = _hub(actx, fleet)
        if cluster is None:
            raise ActionFailed(f"Fleet {fleet} not found", fix="check clusters.fleet.id; run step fleet.create")
        if gitops_enabled(cluster):
            return self.new_plan(actx, f"GitOps is enabled on {fleet}", already_done=True,
                                 evidence={"adcp:DescribeHubClusterDetails": "MetaData.ACKOne.GitOps.Enabled=true"})
        call = ApiCall("adcp", "UpdateHubClusterFeature", {"ClusterId": fleet, "ArgoCDEnabled": True})
        return self.new_plan(actx, f"enable GitOps on Fleet {fleet}", calls=[call], data={"fleet": fleet})

    def apply(self, actx: ActionContext, plan: Plan) -> Result:
        fleet = plan.data["fleet"]
        actx.call("adcp", "UpdateHubClusterFeature", cluster_id=fleet, argo_cdenabled=True)
        actx.wait("GitOps Enabled", lambda: True if gitops_enabled(_hub(actx, fleet) or {}) else None, timeout=300)
        return Result(f"GitOps enabled on {fleet}")


def _json_list(items: list[str]) -> str:
    """A JSON-array string parameter, compact (`["a","b"]`), as the API documents it."""
    return json.dumps(items, separators=(",", ":"))
