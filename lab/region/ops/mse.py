"""MSE cloud-native gateways (mse 2019-05-31, RPC): one per MseIngressConfig on the Fleet, its
status following the object's phase and its entry address the lab gateway's."""

from __future__ import annotations

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
    address = netview.gateway_address(region.env)
    answer = []
    for config in configs:
        spec, meta = config.get("spec") or {}, config["metadata"]
        status = PHASE_STATUS.get(((config.get("status") or {}).get("status")
                                   or (config.get("status") or {}).get("phase") or "Pending"), 0)
        vswitches = ((spec.get("common") or {}).get("network") or {}).get("vSwitches") or [fleet_vsw]
        instance = (spec.get("common") or {}).get("instance") or {}
        created = meta.get("creationTimestamp", "")
        answer.append({
            "GatewayUniqueId": known[meta["name"]], "Name": spec.get("name") or "mse-ingress", "Status": status,
            "StatusDesc": STATUS_DESC[status], "Spec": "MSE_GTW_2_4_200_c"
            if instance.get("spec", "4c8g") == "2c4g" else "MSE_GTW_4_8_200_c",
            "Replica": int(instance.get("replicas", 3)), "VpcId": vpc_id, "Vswitch": vswitches[0],
            "Vswitch2": vswitches[1] if len(vswitches) > 1 else "", "Region": region.region_id,
            "GatewayType": "Ingress", "GatewayVersion": "2.0.6", "MseTag": "ingress.k8s.alibaba/MseIngressConfig",
            "GmtCreate": created, "GmtModified": created, "ChargeType": "POSTPAY",
            "GatewayEntry": [{"EntryDomain": "", "IpList": [address] if address and status == 2 else [],
                              "NetType": "Intranet", "HttpPorts": [80], "HttpsPorts": [443],
                              "Status": "Ready" if status == 2 else "NotReady"}],
        })
    return answer


@rpc("mse", "ListGateway")
def list_gateway(region: Region, params: Params) -> dict[str, Any]:
    wanted = params.obj("FilterParams")
    found = [g for g in gateways(region)
             if (not wanted.get("GatewayUniqueId") or g["GatewayUniqueId"] == wanted["GatewayUniqueId"])
             and (not wanted.get("Name") or g["Name"] == wanted["Name"])
             and (not wanted.get("Vpc") or g["VpcId"] == wanted["Vpc"])]
    page, size = params.number("PageNumber", 1) or 1, params.number("PageSize", 10) or 10
    # ListGateway's model has no primary-vSwitch field (only Vswitch2); GetGateway's has both.
    listed = [{k: v for k, v in g.items() if k != "Vswitch"} for g in found[(page - 1) * size: page * size]]
    return {"Success": True, "Code": 200, "HttpStatusCode": 200, "Message": "",
            "Data": {"TotalSize": len(found), "PageNumber": page, "PageSize": size, "Result": listed}}


@rpc("mse", "GetGateway")
def get_gateway(region: Region, params: Params) -> dict[str, Any]:
    gateway_id = params.need("GatewayUniqueId")
    found = next((g for g in gateways(region) if g["GatewayUniqueId"] == gateway_id), None)
    if found is None:
        raise ApiError(404, "NotFound.GatewayNotFound", f"The gateway {gateway_id} does not exist.")
    data = {k: found[k] for k in ("GatewayUniqueId", "Name", "Status", "StatusDesc", "Spec", "Replica", "Region",
                                  "Vswitch", "Vswitch2", "MseTag", "GmtCreate", "GmtModified", "ChargeType")}
    data.update(Vpc=found["VpcId"], Id=int(time.time()) % 100000, TotalReplica=found["Replica"])
    return {"Success": True, "Code": 200, "HttpStatusCode": 200, "Message": "", "Data": data}
