"""Cloud Enterprise Network (cbn 2017-09-12, RPC): the CEN, its VPC and VBR attachments and the
routes they exchange (the data center's only while the real BGP session is Established)."""

from __future__ import annotations

import time
from typing import Any

from drconsole.lab.region import ids
from drconsole.lab.region.ops.registry import rpc
from drconsole.lab.region.paging import by_number
from drconsole.lab.region.region import CEN_ATTACH_SECONDS, Region, settled
from drconsole.lab.region.store import State
from drconsole.lab.region.wire import ApiError, Params

CHILD_TYPES = ("VPC", "VBR", "CCN")


def new_cen(state: State, *, name: str, protection: str, created: float, region_id: str,
            legacy: bool = False) -> dict[str, Any]:
    """A CEN; CreateCen makes one on Enterprise Edition transit routers (created on first use), while a
    legacy CEN comes with a Basic Edition transit router and attaches through AttachCenChildInstance."""
    from drconsole.lab.region.ops.transit import BASIC, new_transit_router

    cen = {"cen_id": ids.resource_id("cen"), "name": name, "protection": protection, "created": created,
           "children": {}, "legacy": legacy, "transit_routers": {}, "attachments": {}}
    state.setdefault("cens", {})[cen["cen_id"]] = cen
    if legacy:
        new_transit_router(state, cen, region_id, BASIC, created)
    return cen


def attach_child(state: State, cen: dict[str, Any], child_id: str, child_type: str, child_region: str,
                 when: float) -> None:
    known = {"VPC": {state["vpc"]["vpc_id"]}, "VBR": set(state.get("vbrs", {})), "CCN": set()}[child_type]
    if child_id not in known:
        raise ApiError(400, "InvalidChildInstanceId.NotFound", f"The {child_type} {child_id} does not exist.")
    if not cen.get("legacy"):
        raise ApiError(400, "OperationUnsupported.TransitRouterType", f"The CEN {cen['cen_id']} uses Enterprise "
                       "Edition transit routers: attach network instances through transit-router attachments.")
    for other in state.get("cens", {}).values():
        attached = child_id in other["children"] or any(a["resource_id"] == child_id
                                                         for a in other.get("attachments", {}).values())
        if attached and other is not cen:
            raise ApiError(400, "Forbidden.InstanceAlreadyAttached",
                           f"{child_id} is already attached to {other['cen_id']}.")
    cen["children"].setdefault(child_id, {"type": child_type, "region": child_region, "attached": when})


def child_status(child: dict[str, Any]) -> str:
    return "Attached" if settled(child["attached"], CEN_ATTACH_SECONDS) else "Attaching"


def _find(state: State, cen_id: str) -> dict[str, Any]:
    cen = state.get("cens", {}).get(cen_id)
    if cen is None:
        raise ApiError(400, "ParameterCenInstanceId", f"The CEN {cen_id} does not exist.")
    return dict(cen)


@rpc("cbn", "CreateCen", mutating=True)
def create_cen(region: Region, params: Params) -> dict[str, Any]:
    with region.store.write() as state:
        cen = new_cen(state, name=params.text("Name") or "", protection=params.text("ProtectionLevel") or "REDUCED",
                      created=time.time(), region_id=region.region_id)
    return {"CenId": cen["cen_id"]}


@rpc("cbn", "DescribeCens")
def describe_cens(region: Region, params: Params) -> dict[str, Any]:
    wanted = params.filters().get("CenId")
    with region.store.read() as state:
        cens = [dict(c) for c in state.get("cens", {}).values() if not wanted or c["cen_id"] in wanted]
    answer = [{"CenId": c["cen_id"], "Name": c["name"], "Status": "Active", "ProtectionLevel": c["protection"],
               "Ipv6Level": "DISABLED", "CreationTime": ids.iso(c["created"]), "Description": "",
               "ResourceGroupId": "rg-acfmlabdefault",
               "CenBandwidthPackageIds": {"CenBandwidthPackageId": []}, "Tags": {"Tag": []}} for c in cens]
    chosen, page = by_number(params, answer)
    return {"Cens": {"Cen": chosen}, **page}


@rpc("cbn", "AttachCenChildInstance", mutating=True)
def attach_cen_child_instance(region: Region, params: Params) -> dict[str, Any]:
    cen_id, child_id = params.need("CenId"), params.need("ChildInstanceId")
    child_type, child_region = params.need("ChildInstanceType"), params.need("ChildInstanceRegionId")
    if child_type not in CHILD_TYPES:
        raise ApiError(400, "InvalidParameter", f"ChildInstanceType {child_type!r} is not one of {CHILD_TYPES}")
    if child_region != region.region_id:
        raise ApiError(400, "InvalidChildInstanceRegionId", f"The lab has only the region {region.region_id}.")
    with region.store.write() as state:
        cen = state.get("cens", {}).get(cen_id)
        if cen is None:
            raise ApiError(400, "ParameterCenInstanceId", f"The CEN {cen_id} does not exist.")
        attach_child(state, cen, child_id, child_type, child_region, time.time())
    return {}


@rpc("cbn", "DescribeCenAttachedChildInstances")
def describe_cen_attached_child_instances(region: Region, params: Params) -> dict[str, Any]:
    child_type, child_region = params.text("ChildInstanceType"), params.text("ChildInstanceRegionId")
    with region.store.read() as state:
        cen = _find(state, params.need("CenId"))
    answer = [{"CenId": cen["cen_id"], "ChildInstanceId": child_id, "ChildInstanceType": child["type"],
               "ChildInstanceRegionId": child["region"], "ChildInstanceOwnerId": 1234567890123456,
               "Status": child_status(child), "ChildInstanceAttachTime": ids.iso(child["attached"]),
               "ManagedService": ""}
              for child_id, child in cen["children"].items()
              if (not child_type or child["type"] == child_type)
              and (not child_region or child["region"] == child_region)]
    chosen, page = by_number(params, answer)
    return {"ChildInstances": {"ChildInstance": chosen}, **page}


def _entry(cidr: str, kind: str, table: str, next_type: str, next_id: str, region_id: str) -> dict[str, Any]:
    return {"DestinationCidrBlock": cidr, "Type": kind, "Status": "Active", "PublishStatus": "Published",
            "RouteTableId": table, "NextHopType": next_type, "NextHopInstanceId": next_id,
            "NextHopRegionId": region_id, "OperationalMode": False, "AsPaths": {"AsPath": []},
            "Communities": {"Community": []}, "Conflicts": {"Conflict": []}}


@rpc("cbn", "DescribeCenChildInstanceRouteEntries")
def describe_cen_child_instance_route_entries(region: Region, params: Params) -> dict[str, Any]:
    from drconsole.lab.region.ops.vpc import attached_vbr, idc_routes_learnt, vbr_learnt

    child_id = params.need("ChildInstanceId")
    params.need("ChildInstanceRegionId")
    child_type = params.need("ChildInstanceType")
    with region.store.read() as state:
        cen = _find(state, params.need("CenId"))
        child = cen["children"].get(child_id)
        if child is None or child["type"] != child_type:
            raise ApiError(400, "InvalidChildInstanceId.NotFound", f"{child_id} is not attached to {cen['cen_id']}.")
        learnt, vbr_id = idc_routes_learnt(region, state) if child_type == "VPC" else ([], None)
        from_bgp = vbr_learnt(region, state, child_id)[0] if child_type == "VBR" else []
        shares_cen = attached_vbr(state) == child_id
        vpc = dict(state["vpc"])
        vbr = dict(state.get("vbrs", {}).get(child_id) or {})
        vswitches = [v["cidr"] for v in state["vswitches"].values()]
    rid = region.region_id
    if child_type == "VPC":
        table = vpc["route_table_id"]
        entries = [_entry(c, "System", table, "local", "", rid) for c in vswitches]
        entries += [_entry(c, "CEN", table, "VBR", vbr_id or "", rid) for c in learnt]
    else:
        table = vbr.get("route_table_id", "")
        entries = [_entry(c, "BGP", table, "VBR", child_id, rid) for c in from_bgp]
        if shares_cen:
            entries += [_entry(c, "CEN", table, "VPC", vpc["vpc_id"], rid) for c in vswitches]
    status = params.text("Status")
    entries = [e for e in entries if not status or e["Status"] == status]
    chosen, page = by_number(params, entries)
    return {"CenRouteEntries": {"CenRouteEntry": chosen}, **page}
