"""CEN transit routers (cbn 2017-09-12, RPC). A CEN made by CreateCen is built on Enterprise Edition
transit routers: the VBR and the VPC join through transit-router attachments (Attaching → Attached)
and the routes they exchange show in the transit router's route table. An older CEN (seeded with
`legacy=True`) has a Basic Edition transit router and takes AttachCenChildInstance instead."""

from __future__ import annotations

import time
from typing import Any

from drconsole.lab.region import ids
from drconsole.lab.region.ops.registry import rpc
from drconsole.lab.region.paging import by_number, by_token
from drconsole.lab.region.region import TR_ATTACH_SECONDS, Region, settled
from drconsole.lab.region.store import State
from drconsole.lab.region.wire import ApiError, Params, invalid

ENTERPRISE, BASIC = "Enterprise", "Basic"
# ListTransitRouter{Vbr,Vpc}Attachments, RouteTables, RouteEntries: MaxResults 1-100, default 20 (their API pages)
DEFAULT_MAX_RESULTS = 20
MIN_ZONES = 2  # "How transit routers work": in a region with several TR zones, vSwitches in two zones


def new_transit_router(state: State, cen: dict[str, Any], region_id: str, edition: str, created: float,
                       name: str = "") -> dict[str, Any]:
    router = {"tr_id": ids.resource_id("tr"), "region": region_id, "type": edition, "name": name,
              "created": created, "route_table_id": ids.resource_id("vtb")}
    cen.setdefault("transit_routers", {})[router["tr_id"]] = router
    return router


def router_in(cen: dict[str, Any], region_id: str) -> dict[str, Any] | None:
    return next((r for r in cen.get("transit_routers", {}).values() if r["region"] == region_id), None)


def attach(state: State, cen: dict[str, Any], router: dict[str, Any], kind: str, resource_id: str, when: float, *,
           auto_publish: bool, zone_mappings: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """A transit-router attachment of a VBR or a VPC (the resource may belong to one CEN only)."""
    if router["type"] != ENTERPRISE:
        raise ApiError(400, "OperationUnsupported.TransitRouterType",
                       f"The transit router {router['tr_id']} is a {router['type']} Edition transit router.")
    for other in state.get("cens", {}).values():
        if resource_id in other["children"] or any(a["resource_id"] == resource_id
                                                   for a in other.get("attachments", {}).values()):
            raise ApiError(400, "Forbidden.InstanceAlreadyAttached",
                           f"{resource_id} is already attached to {other['cen_id']}.")
    attachment = {"attachment_id": ids.resource_id("tr-attach"), "tr_id": router["tr_id"], "kind": kind,
                  "resource_id": resource_id, "region": router["region"], "created": when,
                  "auto_publish": auto_publish, "zone_mappings": zone_mappings or []}
    cen.setdefault("attachments", {})[attachment["attachment_id"]] = attachment
    return attachment


def attachment_status(attachment: dict[str, Any]) -> str:
    return "Attached" if settled(attachment["created"], TR_ATTACH_SECONDS) else "Attaching"


def attachment_of(state: State, resource_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(CEN, attachment) of a VPC or VBR attached through a transit router."""
    for cen in state.get("cens", {}).values():
        for attachment in cen.get("attachments", {}).values():
            if attachment["resource_id"] == resource_id:
                return cen, attachment
    return None


def _cen(state: State, params: Params) -> dict[str, Any]:
    cen_id = params.need("CenId")
    cen = state.get("cens", {}).get(cen_id)
    if cen is None:
        raise ApiError(400, "ParameterCenInstanceId", f"The CEN {cen_id} does not exist.")
    return dict(cen)


def _router(region: Region, state: State, cen: dict[str, Any], params: Params) -> dict[str, Any]:
    """The transit router named, or the CEN's one in the region; created when there is none (the
    attachment APIs create an Enterprise Edition transit router when the region has none)."""
    wanted = params.text("TransitRouterId")
    if wanted:
        router = cen.get("transit_routers", {}).get(wanted)
        if router is None:
            raise ApiError(400, "IllegalParam.TransitRouterId", f"The transit router {wanted} does not exist.")
        return dict(router)
    region_id = params.text("RegionId") or region.region_id
    return router_in(cen, region_id) or new_transit_router(state, cen, region_id, ENTERPRISE, time.time())


def _region(region: Region, params: Params) -> None:
    region_id = params.need("RegionId")
    if region_id != region.region_id:
        raise ApiError(400, "IllegalParam.RegionId", f"The lab has only the region {region.region_id}.")


@rpc("cbn", "CreateTransitRouter", mutating=True)
def create_transit_router(region: Region, params: Params) -> dict[str, Any]:
    _region(region, params)
    with region.store.write() as state:
        cen = state.get("cens", {}).get(params.need("CenId"))
        if cen is None:
            raise ApiError(400, "ParameterCenInstanceId", f"The CEN {params.need('CenId')} does not exist.")
        if router_in(cen, region.region_id):
            raise ApiError(400, "QuotaExceeded.TransitRouter", "The CEN already has a transit router in the region.")
        router = new_transit_router(state, cen, region.region_id, ENTERPRISE, time.time(),
                                    params.text("TransitRouterName") or "")
    return {"TransitRouterId": router["tr_id"]}


@rpc("cbn", "ListTransitRouters")
def list_transit_routers(region: Region, params: Params) -> dict[str, Any]:
    cen_id, region_id, wanted = params.text("CenId"), params.text("RegionId"), params.text("TransitRouterId")
    with region.store.read() as state:
        routers = [(cen["cen_id"], dict(r)) for cen in state.get("cens", {}).values()
                   for r in cen.get("transit_routers", {}).values()
                   if (not cen_id or cen["cen_id"] == cen_id) and (not region_id or r["region"] == region_id)
                   and (not wanted or r["tr_id"] == wanted)]
    answer = [{"CenId": cen, "TransitRouterId": r["tr_id"], "TransitRouterName": r["name"], "RegionId": r["region"],
               "Type": r["type"], "Status": "Active", "CreationTime": ids.iso(r["created"]),
               "TransitRouterDescription": "", "SupportMulticast": False, "AliUid": 1234567890123456,
               "Tags": [], "TransitRouterCidrList": []} for cen, r in routers]
    chosen, page = by_number(params, answer)
    return {"TransitRouters": chosen, **page}


@rpc("cbn", "CreateTransitRouterVbrAttachment", mutating=True)
def create_transit_router_vbr_attachment(region: Region, params: Params) -> dict[str, Any]:
    vbr_id = params.need("VbrId")
    with region.store.write() as state:
        if vbr_id not in state.get("vbrs", {}):
            raise ApiError(400, "IllegalParam.VbrId", f"The VBR {vbr_id} does not exist.")
        cen = state["cens"][_cen(state, params)["cen_id"]]
        router = _router(region, state, cen, params)
        attachment = attach(state, cen, router, "VBR", vbr_id, time.time(),
                            auto_publish=bool(params.flag("AutoPublishRouteEnabled", False)))
    return {"TransitRouterAttachmentId": attachment["attachment_id"]}


@rpc("cbn", "CreateTransitRouterVpcAttachment", mutating=True)
def create_transit_router_vpc_attachment(region: Region, params: Params) -> dict[str, Any]:
    vpc_id = params.need("VpcId")
    mappings = params.objects("ZoneMappings")
    if not mappings:
        raise ApiError(400, "MissingParameter", 'The input parameter "ZoneMappings" that is mandatory for '
                       "processing this request is not supplied.")
    with region.store.write() as state:
        if vpc_id != state["vpc"]["vpc_id"]:
            raise ApiError(400, "IllegalParam.VpcId", f"The VPC {vpc_id} does not exist.")
        zones = {v["vswitch_id"]: v["zone_id"] for v in state["vswitches"].values()}
        for mapping in mappings:
            if zones.get(mapping.get("VSwitchId", "")) != mapping.get("ZoneId"):
                raise invalid("ZoneMappings", mapping)
        if len({m["ZoneId"] for m in mappings}) < MIN_ZONES:  # a multi-zone region such as cn-hangzhou
            raise invalid("ZoneMappings", f"vSwitches in {MIN_ZONES} different zones are required")
        cen = state["cens"][_cen(state, params)["cen_id"]]
        router = _router(region, state, cen, params)
        attachment = attach(state, cen, router, "VPC", vpc_id, time.time(),
                            auto_publish=bool(params.flag("AutoPublishRouteEnabled", False)),
                            zone_mappings=[{"VSwitchId": m["VSwitchId"], "ZoneId": m["ZoneId"]} for m in mappings])
    return {"TransitRouterAttachmentId": attachment["attachment_id"]}


def _attachments(region: Region, params: Params, kind: str) -> list[tuple[str, dict[str, Any]]]:
    cen_id, tr_id = params.text("CenId"), params.text("TransitRouterId")
    wanted = params.text("TransitRouterAttachmentId")
    with region.store.read() as state:
        return [(cen["cen_id"], dict(a)) for cen in state.get("cens", {}).values()
                for a in cen.get("attachments", {}).values()
                if a["kind"] == kind and (not cen_id or cen["cen_id"] == cen_id)
                and (not tr_id or a["tr_id"] == tr_id) and (not wanted or a["attachment_id"] == wanted)]


def _attachment_fields(cen_id: str, a: dict[str, Any]) -> dict[str, Any]:
    return {"CenId": cen_id, "TransitRouterId": a["tr_id"], "TransitRouterAttachmentId": a["attachment_id"],
            "TransitRouterAttachmentName": "", "TransitRouterAttachmentDescription": "",
            "Status": attachment_status(a), "CreationTime": ids.iso(a["created"]),
            "AutoPublishRouteEnabled": a["auto_publish"], "ResourceType": a["kind"], "Tags": []}


@rpc("cbn", "ListTransitRouterVbrAttachments")
def list_transit_router_vbr_attachments(region: Region, params: Params) -> dict[str, Any]:
    answer = [{**_attachment_fields(cen, a), "VbrId": a["resource_id"], "VbrRegionId": a["region"],
               "VbrOwnerId": 1234567890123456} for cen, a in _attachments(region, params, "VBR")]
    return _token_page(params, "TransitRouterAttachments", answer)


@rpc("cbn", "ListTransitRouterVpcAttachments")
def list_transit_router_vpc_attachments(region: Region, params: Params) -> dict[str, Any]:
    vpc_id = params.text("VpcId")
    answer = [{**_attachment_fields(cen, a), "VpcId": a["resource_id"], "VpcRegionId": a["region"],
               "VpcOwnerId": 1234567890123456, "ChargeType": "POSTPAY",
               "ZoneMappings": [{**m, "NetworkInterfaceId": ""} for m in a["zone_mappings"]]}
              for cen, a in _attachments(region, params, "VPC") if not vpc_id or a["resource_id"] == vpc_id]
    return _token_page(params, "TransitRouterAttachments", answer)


def _token_page(params: Params, key: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A transit-router list's answer: one page of MaxResults rows (default 20), the total and the next token."""
    chosen, token = by_token(params, rows, DEFAULT_MAX_RESULTS)
    return {key: chosen, "TotalCount": len(rows), "NextToken": token,
            "MaxResults": params.number("MaxResults", DEFAULT_MAX_RESULTS)}


def _router_by_table(state: State, table_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    for cen in state.get("cens", {}).values():
        for router in cen.get("transit_routers", {}).values():
            if router["route_table_id"] == table_id:
                return cen, router
    return None


@rpc("cbn", "ListTransitRouterRouteTables")
def list_transit_router_route_tables(region: Region, params: Params) -> dict[str, Any]:
    tr_id = params.text("TransitRouterId")
    with region.store.read() as state:
        routers = [dict(r) for cen in state.get("cens", {}).values()
                   for r in cen.get("transit_routers", {}).values()
                   if r["type"] == ENTERPRISE and (not tr_id or r["tr_id"] == tr_id)]
    answer = [{"TransitRouterRouteTableId": r["route_table_id"], "TransitRouterRouteTableType": "System",
               "TransitRouterRouteTableStatus": "Active", "TransitRouterRouteTableName": "",
               "TransitRouterRouteTableDescription": "", "TransitRouterId": r["tr_id"], "RegionId": r["region"],
               "CreateTime": ids.iso(r["created"]), "Tags": []} for r in routers]
    return _token_page(params, "TransitRouterRouteTables", answer)


def _route(cidr: str, attachment: dict[str, Any]) -> dict[str, Any]:
    return {"TransitRouterRouteEntryDestinationCidrBlock": cidr, "TransitRouterRouteEntryType": "Propagated",
            "TransitRouterRouteEntryStatus": "Active", "TransitRouterRouteEntryNextHopType": "Attachment",
            "TransitRouterRouteEntryNextHopId": attachment["attachment_id"],
            "TransitRouterRouteEntryNextHopResourceId": attachment["resource_id"],
            "TransitRouterRouteEntryNextHopResourceType": attachment["kind"],
            "TransitRouterRouteEntryOriginResourceId": attachment["resource_id"],
            "TransitRouterRouteEntryOriginResourceType": attachment["kind"],
            "TransitRouterRouteEntryId": "", "TransitRouterRouteEntryName": "",
            "TransitRouterRouteEntryDescription": "", "OperationalMode": False,
            "CreateTime": ids.iso(attachment["created"])}


@rpc("cbn", "ListTransitRouterRouteEntries")
def list_transit_router_route_entries(region: Region, params: Params) -> dict[str, Any]:
    """Propagated routes: the data center's prefixes the VBR learnt over BGP (toward the VBR
    attachment) and the vSwitch CIDRs (toward the VPC attachment), each once its attachment is Attached."""
    from drconsole.lab.region.ops.cloud_services import static_entries
    from drconsole.lab.region.ops.vpc import vbr_learnt

    table_id = params.need("TransitRouterRouteTableId")
    with region.store.read() as state:
        found = _router_by_table(state, table_id)
        if found is None:
            raise ApiError(400, "InvalidTransitRouterRouteTableId.NotFound",
                           f"The route table {table_id} does not exist.")
        cen, router = found
        attachments = [dict(a) for a in cen.get("attachments", {}).values()
                       if a["tr_id"] == router["tr_id"] and attachment_status(a) == "Attached"]
        entries = []
        for attachment in attachments:
            if attachment["kind"] == "VBR":
                entries += [_route(c, attachment) for c in vbr_learnt(region, state, attachment["resource_id"])[0]]
            else:
                entries += [_route(v["cidr"], attachment) for v in state["vswitches"].values()]
        entries += static_entries(state, router)
    cidr = params.text("TransitRouterRouteEntryDestinationCidrBlock")
    status = params.text("TransitRouterRouteEntryStatus") or "Active"  # only Active routes unless asked (All)
    entries = [e for e in entries if (not cidr or e["TransitRouterRouteEntryDestinationCidrBlock"] == cidr)
               and status in ("All", e["TransitRouterRouteEntryStatus"])]
    return _token_page(params, "TransitRouterRouteEntries", entries)
