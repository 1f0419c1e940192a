"""Routes to cloud services (OSS, ACR) for the data center, on both kinds of CEN.

Legacy CEN (Basic Edition transit router): ResolveAndRouteServiceInCen adds one route service per
service address range, DescribeRouteServicesInCen reads them back ("the configurations of Alibaba
Cloud services that are configured in a Basic Edition transit router"). Transit-router CEN: a static
route in the transit router's table toward the VPC attachment (CreateTransitRouterRouteEntry).
Either way, the VBR announces a range to the data center only while such a route is Active and the
VBR shares the CEN with the VPC; `announced` says which, and the region pushes it into the VBR's BIRD.
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any

from drconsole.lab.region import ids
from drconsole.lab.region.ops.registry import rpc
from drconsole.lab.region.ops.transit import ENTERPRISE, attachment_of, attachment_status
from drconsole.lab.region.paging import by_number
from drconsole.lab.region.region import ROUTE_SERVICE_SECONDS, Region, settled
from drconsole.lab.region.store import State
from drconsole.lab.region.wire import ApiError, Params, invalid


def _status(entry: dict[str, Any]) -> str:
    return "Active" if settled(entry["created"], ROUTE_SERVICE_SECONDS) else "Creating"


def _cidr(value: str, name: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        raise invalid(name, value) from None


@rpc("cbn", "ResolveAndRouteServiceInCen", mutating=True)
def resolve_and_route_service_in_cen(region: Region, params: Params) -> dict[str, Any]:
    host = _cidr(params.need("Host"), "Host")
    host_region, host_vpc = params.need("HostRegionId"), params.need("HostVpcId")
    access = params.items("AccessRegionIds")
    if not access:
        raise ApiError(400, "MissingParameter", 'The input parameter "AccessRegionIds" that is mandatory for '
                       "processing this request is not supplied.")
    with region.store.write() as state:
        cen = state.get("cens", {}).get(params.need("CenId"))
        if cen is None:
            raise ApiError(400, "ParameterCenInstanceId", f"The CEN {params.need('CenId')} does not exist.")
        if not cen.get("legacy"):
            raise ApiError(400, "OperationUnsupported.TransitRouterType", "Route services are configured on a "
                           "Basic Edition transit router; this CEN uses Enterprise Edition transit routers.")
        if host_vpc != state["vpc"]["vpc_id"] or host_region != region.region_id:
            raise invalid("HostVpcId", host_vpc)
        services = cen.setdefault("route_services", {})
        if host in services:
            raise ApiError(400, "Forbidden.RouteServiceExists", f"A route service for {host} already exists.")
        services[host] = {"host": host, "host_region": host_region, "host_vpc": host_vpc, "access": access,
                          "description": params.text("Description") or "", "created": time.time()}
    return {}


@rpc("cbn", "DescribeRouteServicesInCen")
def describe_route_services_in_cen(region: Region, params: Params) -> dict[str, Any]:
    host, access_region = params.text("Host"), params.text("AccessRegionId")
    with region.store.read() as state:
        cen = state.get("cens", {}).get(params.need("CenId"))
        if cen is None:
            raise ApiError(400, "ParameterCenInstanceId", f"The CEN {params.need('CenId')} does not exist.")
        services = [dict(s) for s in cen.get("route_services", {}).values()]
        cen_id = cen["cen_id"]
    entries = [{"CenId": cen_id, "Host": s["host"], "HostRegionId": s["host_region"], "HostVpcId": s["host_vpc"],
                "AccessRegionId": access, "Status": _status(s), "Description": s["description"],
                "Cidrs": {"Cidr": [s["host"]]}}
               for s in services for access in s["access"]
               if (not host or s["host"] == host) and (not access_region or access == access_region)]
    chosen, page = by_number(params, entries)
    return {"RouteServiceEntries": {"RouteServiceEntry": chosen}, **page}


@rpc("cbn", "CreateTransitRouterRouteEntry", mutating=True)
def create_transit_router_route_entry(region: Region, params: Params) -> dict[str, Any]:
    table_id = params.need("TransitRouterRouteTableId")
    cidr = _cidr(params.need("TransitRouterRouteEntryDestinationCidrBlock"),
                 "TransitRouterRouteEntryDestinationCidrBlock")
    hop_type = params.need("TransitRouterRouteEntryNextHopType")
    if hop_type not in ("Attachment", "BlackHole"):
        raise invalid("TransitRouterRouteEntryNextHopType", hop_type)
    hop = params.text("TransitRouterRouteEntryNextHopId") or ""
    with region.store.write() as state:
        router = next((r for cen in state.get("cens", {}).values() for r in cen.get("transit_routers", {}).values()
                       if r["route_table_id"] == table_id and r["type"] == ENTERPRISE), None)
        if router is None:
            raise ApiError(400, "InvalidTransitRouterRouteTableId.NotFound",
                           f"The route table {table_id} does not exist.")
        if hop_type == "Attachment" and not any(a["attachment_id"] == hop for cen in state.get("cens", {}).values()
                                                for a in cen.get("attachments", {}).values()):
            raise invalid("TransitRouterRouteEntryNextHopId", hop)
        routes = router.setdefault("static_routes", {})
        if any(r["cidr"] == cidr for r in routes.values()):
            raise ApiError(400, "InvalidOperation.DuplicateCidr", f"A route to {cidr} already exists.")
        entry = {"entry_id": ids.resource_id("rte"), "cidr": cidr, "hop_type": hop_type, "hop": hop,
                 "name": params.text("TransitRouterRouteEntryName") or "", "created": time.time()}
        routes[entry["entry_id"]] = entry
    return {"TransitRouterRouteEntryId": entry["entry_id"]}


def static_entries(state: State, router: dict[str, Any]) -> list[dict[str, Any]]:
    """A transit router's static routes, in ListTransitRouterRouteEntries' shape."""
    attachments = {a["attachment_id"]: a for cen in state.get("cens", {}).values()
                   for a in cen.get("attachments", {}).values()}
    answer = []
    for entry in router.get("static_routes", {}).values():
        target = attachments.get(entry["hop"], {})
        answer.append({
            "TransitRouterRouteEntryDestinationCidrBlock": entry["cidr"], "TransitRouterRouteEntryType": "Static",
            "TransitRouterRouteEntryStatus": _status(entry), "TransitRouterRouteEntryNextHopType": entry["hop_type"],
            "TransitRouterRouteEntryNextHopId": entry["hop"],
            "TransitRouterRouteEntryNextHopResourceId": target.get("resource_id", ""),
            "TransitRouterRouteEntryNextHopResourceType": target.get("kind", ""),
            "TransitRouterRouteEntryId": entry["entry_id"], "TransitRouterRouteEntryName": entry["name"],
            "TransitRouterRouteEntryDescription": "", "OperationalMode": True, "CreateTime": ids.iso(entry["created"])})
    return answer


def announced(state: State) -> list[str]:
    """The service ranges the VBR announces to the data center: those with an Active route service
    (legacy CEN) or an Active static route toward the VPC attachment whose VBR attachment advertises
    routes to the VBR (transit router), on the CEN the VBR shares with the VPC."""
    vpc_id = state["vpc"]["vpc_id"]
    ranges: set[str] = set()
    for cen in state.get("cens", {}).values():
        vbr_legacy = any(c["type"] == "VBR" for c in cen["children"].values())
        if cen.get("legacy") and vbr_legacy and vpc_id in cen["children"]:
            ranges |= {s["host"] for s in cen.get("route_services", {}).values() if _status(s) == "Active"}
        vpc_attached = attachment_of(state, vpc_id)
        if vpc_attached is None or vpc_attached[0]["cen_id"] != cen["cen_id"]:
            continue
        vbrs = [a for a in cen.get("attachments", {}).values() if a["kind"] == "VBR"
                and a["auto_publish"] and attachment_status(a) == "Attached"]
        if not vbrs or attachment_status(vpc_attached[1]) != "Attached":
            continue
        for router in cen.get("transit_routers", {}).values():
            ranges |= {r["cidr"] for r in router.get("static_routes", {}).values()
                       if r["hop"] == vpc_attached[1]["attachment_id"] and _status(r) == "Active"}
    return sorted(ranges)
