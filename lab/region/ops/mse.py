"""MSE cloud-native gateways (mse 2019-05-31, RPC): one per MseIngressConfig on the Fleet, its
status following the object's phase, its SLBs and entries following the object's SLB settings (the
private one at the lab gateway's address), and its resource tags naming the MseIngressConfig and
the Fleet. The VPC also holds another team's gateway with the same default name `mse-ingress`."""

from __future__ import annotations

import ipaddress
import time
from typing import Any

from drconsole.lab.region import ids, netview
from drconsole.lab.region.kube import PlaneUnavailable
from drconsole.lab.region.ops.registry import rpc
from drconsole.lab.region.region import Region
from drconsole.lab.region.wire import ApiError, Params

MSE_INGRESS_CONFIGS = "/apis/mse.alibabacloud.com/v1alpha1/mseingressconfigs"
# MseIngressConfig status phase -> gateway Status code (0 creating, 1 create failed, 2 running).
PHASE_STATUS = {"Pending": 0, "Running": 2, "Listening": 2, "Failed": 1}
STATUS_DESC = {0: "creating", 1: "create failed", 2: "running"}
DEFAULT_NAME = "mse-ingress"
# Resource tags a gateway made through an MseIngressConfig carries ("Configure an MseIngressConfig").
CLUSTER_TAG = "ack.aliyun.com"
CONFIG_TAG = "ingress.k8s.alibaba/MseIngressConfig"
DEFAULT_SLB_SPEC = "slb.s2.small"
# The Internet-facing SLB's address: a documentation range (RFC 5737) that nothing in the lab answers on.
PUBLIC_SLB_NET = ipaddress.ip_network("198.51.100.0/24")
FOREIGN_HOST = 250  # the other gateway's private address: this host in the ACK zone's vSwitch


def new_foreign_gateway(state: dict[str, Any], vswitch: dict[str, Any], cluster_id: str, created: float) -> None:
    """Another team's gateway in the same VPC: the ACK cluster's own MSE Ingress, default name and all."""
    state["foreign_gateways"] = [{
        "GatewayUniqueId": ids.resource_id("gw"), "Name": DEFAULT_NAME, "Vswitch": vswitch["vswitch_id"],
        "private_ip": str(ipaddress.ip_network(vswitch["cidr"])[FOREIGN_HOST]), "created": created,
        "tags": {CLUSTER_TAG: cluster_id, CONFIG_TAG: DEFAULT_NAME}}]


def _slbs(gateway_id: str, network: dict[str, Any], private_ip: str, ordinal: int) -> list[dict[str, Any]]:
    """An Internet-facing SLB (publicSLBSpec, default slb.s2.small) and, only when privateSLBSpec is
    set, an internal one at `private_ip`."""
    base = gateway_id.removeprefix("gw-")[:12]
    slbs = [{"SlbId": f"lb-{base}p", "SlbIp": str(PUBLIC_SLB_NET[100 + ordinal]), "SlbPort": "80",
             "SlbSpec": network.get("publicSLBSpec") or DEFAULT_SLB_SPEC, "Type": "PUB_NET"}]
    if network.get("privateSLBSpec") and private_ip:
        slbs.append({"SlbId": f"lb-{base}i", "SlbIp": private_ip, "SlbPort": "80",
                     "SlbSpec": network["privateSLBSpec"], "Type": "PRIVATE_NET"})
    return slbs


def _entries(slbs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"EntryDomain": "", "IpList": [slb["SlbIp"]], "NetType": "Internet" if slb["Type"] == "PUB_NET"
             else "Intranet", "HttpPorts": [80], "HttpsPorts": [443], "Status": "Ready"} for slb in slbs]


def _ingress_configs(region: Region) -> list[dict[str, Any]]:
    with region.store.read() as state:
        if not state.get("fleets"):
            return []
    try:
        listing = region.plane("fleet").get(MSE_INGRESS_CONFIGS)
    except PlaneUnavailable:
        region.forget_plane("fleet")
        return []
    return list((listing or {}).get("items") or [])


def gateways(region: Region) -> list[dict[str, Any]]:
    """One gateway per MseIngressConfig; the first keeps the lab's reserved gateway ID."""
    configs = _ingress_configs(region)
    names = [c["metadata"]["name"] for c in configs]
    with region.store.read() as state:
        known = dict(state.get("gateways", {}))
    if any(name not in known for name in names):
        with region.store.write() as state:
            table = state.setdefault("gateways", {})
            for name in names:
                if name not in table:
                    reserved = state.get("gateway_id")
                    table[name] = reserved if reserved not in table.values() else ids.resource_id("gw")
            known = dict(table)
    with region.store.read() as state:
        vpc_id = state["vpc"]["vpc_id"]
        fleet_vsw = state["vswitches"]["fleet"]["vswitch_id"]
        fleet_id = next(iter(state.get("fleets") or {}), "")
        foreign = list(state.get("foreign_gateways") or [])
    address = netview.gateway_address(region.env)
    common = {"VpcId": vpc_id, "Region": region.region_id, "GatewayType": "Ingress", "GatewayVersion": "2.0.6",
              "ChargeType": "POSTPAY"}
    answer = [_foreign(f, common) for f in foreign]
    for ordinal, config in enumerate(configs, start=len(answer)):
        spec, meta = config.get("spec") or {}, config["metadata"]
        status = PHASE_STATUS.get(((config.get("status") or {}).get("status")
                                   or (config.get("status") or {}).get("phase") or "Pending"), 0)
        network = (spec.get("common") or {}).get("network") or {}
        vswitches = network.get("vSwitches") or [fleet_vsw]
        instance = (spec.get("common") or {}).get("instance") or {}
        created = meta.get("creationTimestamp", "")
        gateway_id = known[meta["name"]]
        slbs = _slbs(gateway_id, network, address, ordinal) if status == 2 else []
        answer.append({
            **common, "GatewayUniqueId": gateway_id, "Name": spec.get("name") or DEFAULT_NAME, "Status": status,
            "StatusDesc": STATUS_DESC[status], "Spec": "MSE_GTW_2_4_200_c"
            if instance.get("spec", "4c8g") == "2c4g" else "MSE_GTW_4_8_200_c",
            "Replica": int(instance.get("replicas", 3)), "Vswitch": vswitches[0],
            "Vswitch2": vswitches[1] if len(vswitches) > 1 else "",
            "GmtCreate": created, "GmtModified": created, "Slb": slbs, "GatewayEntry": _entries(slbs),
            "tags": {CLUSTER_TAG: fleet_id, CONFIG_TAG: meta["name"]},
        })
    return answer


def _foreign(found: dict[str, Any], common: dict[str, Any]) -> dict[str, Any]:
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(found["created"]))
    slbs = _slbs(found["GatewayUniqueId"], {"privateSLBSpec": DEFAULT_SLB_SPEC}, found["private_ip"], 0)
    return {**common, "GatewayUniqueId": found["GatewayUniqueId"], "Name": found["Name"], "Status": 2,
            "StatusDesc": STATUS_DESC[2], "Spec": "MSE_GTW_2_4_200_c", "Replica": 2, "Vswitch": found["Vswitch"],
            "Vswitch2": "", "GmtCreate": created, "GmtModified": created, "Slb": slbs, "GatewayEntry": _entries(slbs),
            "tags": found["tags"]}


@rpc("mse", "ListGateway")
def list_gateway(region: Region, params: Params) -> dict[str, Any]:
    wanted = params.obj("FilterParams")
    found = [g for g in gateways(region)
             if (not wanted.get("GatewayUniqueId") or g["GatewayUniqueId"] == wanted["GatewayUniqueId"])
             and (not wanted.get("Name") or g["Name"] == wanted["Name"])
             and (not wanted.get("Vpc") or g["VpcId"] == wanted["Vpc"])]
    page, size = params.number("PageNumber", 1) or 1, params.number("PageSize", 10) or 10
    # ListGateway's model has no primary-vSwitch field (only Vswitch2); GetGateway's has both. Tags are
    # read through ListTagResources.
    listed = [{k: v for k, v in g.items() if k not in ("Vswitch", "tags")}
              for g in found[(page - 1) * size: page * size]]
    return {"Success": True, "Code": 200, "HttpStatusCode": 200, "Message": "",
            "Data": {"TotalSize": len(found), "PageNumber": page, "PageSize": size, "Result": listed}}


@rpc("mse", "GetGateway")
def get_gateway(region: Region, params: Params) -> dict[str, Any]:
    gateway_id = params.need("GatewayUniqueId")
    found = next((g for g in gateways(region) if g["GatewayUniqueId"] == gateway_id), None)
    if found is None:
        raise ApiError(404, "NotFound.GatewayNotFound", f"The gateway {gateway_id} does not exist.")
    data: dict[str, Any] = {k: found[k] for k in ("GatewayUniqueId", "Name", "Status", "StatusDesc", "Spec", "Replica",
                                                  "Region", "Vswitch", "Vswitch2", "GmtCreate", "GmtModified",
                                                  "ChargeType")}
    data.update(Vpc=found["VpcId"], Id=int(time.time()) % 100000, TotalReplica=found["Replica"])
    return {"Success": True, "Code": 200, "HttpStatusCode": 200, "Message": "", "Data": data}


@rpc("mse", "ListTagResources")
def list_tag_resources(region: Region, params: Params) -> dict[str, Any]:
    """The gateways' resource tags (ResourceType GATEWAY), as (resource, key, value) rows."""
    params.need("RegionId")
    kind = params.need("ResourceType")
    wanted_ids = set(params.items("ResourceId"))
    wanted_tags = params.objects("Tag")
    rows = [{"ResourceId": g["GatewayUniqueId"], "ResourceType": kind, "TagKey": key, "TagValue": value}
            for g in (gateways(region) if kind == "GATEWAY" else [])
            if not wanted_ids or g["GatewayUniqueId"] in wanted_ids
            for key, value in g["tags"].items()
            if not wanted_tags or any(t.get("Key") == key and t.get("Value", value) == value for t in wanted_tags)]
    return {"Success": True, "NextToken": "", "TagResources": {"TagResource": rows}}
