"""What the account's CEN is and what it routes, read through any `call(product, action, **fields)`
that returns the response body (an action's guarded call, or a check's).

Two kinds of CEN: one built on an Enterprise Edition transit router (attachments, route tables with
static and propagated routes), and a legacy one with a Basic Edition transit router (child instances,
route services). ListTransitRouters `Type` tells them apart; a CEN with no transit router in the
region yet takes the transit-router path, as every new CEN does.
"""

from __future__ import annotations

import contextvars
import ipaddress
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from drconsole.paging import listing

A = TypeVar("A")
B = TypeVar("B")
Call = Callable[..., dict[str, Any]]
TRANSIT_ROUTER, LEGACY = "transit-router", "legacy"
ACTIVE = "Active"


@dataclass(frozen=True)
class CenKind:
    kind: str  # TRANSIT_ROUTER or LEGACY
    router_id: str | None  # the CEN's transit router in the region, if it has one
    evidence: str


def virtual_border_routers(call: Call, region: str) -> list[dict[str, Any]]:
    """Every VBR of the account in the region (DescribeVirtualBorderRouters, every page)."""
    return listing(call, "vpc", "DescribeVirtualBorderRouters", "VirtualBorderRouterSet.VirtualBorderRouterType",
                   region_id=region, page_size=50)


def cen_kind(call: Call, region: str, cen_id: str | None) -> CenKind:
    """Which path the CEN takes in the region, and what said so."""
    if cen_id is None:
        return CenKind(TRANSIT_ROUTER, None, "a new CEN is built on Enterprise Edition transit routers")
    routers = listing(call, "cbn", "ListTransitRouters", "TransitRouters", cen_id=cen_id, region_id=region,
                      page_size=50)
    if not routers:
        return CenKind(TRANSIT_ROUTER, None, "ListTransitRouters: no transit router in the region yet")
    router = routers[0]
    kind = LEGACY if router.get("Type") == "Basic" else TRANSIT_ROUTER
    return CenKind(kind, str(router["TransitRouterId"]),
                   f"ListTransitRouters: {router['TransitRouterId']} Type={router.get('Type')}")


def together(first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    """Two independent reads at once: `second` in a thread of its own with the caller's context variables (its
    deadline budget, its sweep's shared reads), `first` in the caller's thread."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="drconsole-cen") as pool:
        later = pool.submit(contextvars.copy_context().run, second)
        return first(), later.result()


def transit_attachments(call: Call, cen_id: str) -> dict[str, dict[str, Any]]:
    """{VBR or VPC ID: its transit-router attachment} for the CEN."""
    vbrs, vpcs = together(
        lambda: listing(call, "cbn", "ListTransitRouterVbrAttachments", "TransitRouterAttachments", cen_id=cen_id,
                        max_results=50),
        lambda: listing(call, "cbn", "ListTransitRouterVpcAttachments", "TransitRouterAttachments", cen_id=cen_id,
                        max_results=50))
    found = {str(a["VbrId"]): a for a in vbrs}
    found.update({str(a["VpcId"]): a for a in vpcs})
    return found


def route_entries(call: Call, router_id: str) -> tuple[str | None, list[dict[str, Any]]]:
    """(route table ID, its entries) of the transit router's system route table."""
    listed = listing(call, "cbn", "ListTransitRouterRouteTables", "TransitRouterRouteTables",
                     transit_router_id=router_id, max_results=20)
    table = next((t for t in listed if t.get("TransitRouterRouteTableType") == "System"), listed[0] if listed else None)
    if table is None:
        return None, []
    table_id = str(table["TransitRouterRouteTableId"])
    # every status: unasked, the API lists Active routes only, and a route still Creating would look missing
    entries = listing(call, "cbn", "ListTransitRouterRouteEntries", "TransitRouterRouteEntries",
                      transit_router_route_table_id=table_id, transit_router_route_entry_status="All", max_results=100)
    return table_id, entries


@dataclass
class ServiceRoutes:
    """How far the CEN routes each cloud-service range toward the VPC (for the data center)."""

    kind: str
    statuses: dict[str, str] = field(default_factory=dict)  # range -> Active / Creating / missing
    table_id: str | None = None  # transit router: where the static routes go
    vpc_attachment: str | None = None  # transit router: their next hop
    source: str = ""

    @property
    def missing(self) -> list[str]:
        return [cidr for cidr, status in self.statuses.items() if status != ACTIVE]


def service_routes(call: Call, region: str, cen_id: str, vpc_id: str,
                   ranges: Iterable[ipaddress.IPv4Network]) -> ServiceRoutes:
    """Legacy CEN: DescribeRouteServicesInCen (one route service per range, accessed from the region).
    Transit router: static routes in its table toward the VPC attachment (ListTransitRouterRouteEntries)."""
    wanted = [str(r) for r in ranges]
    kind = cen_kind(call, region, cen_id)
    if kind.kind == LEGACY:
        services = listing(call, "cbn", "DescribeRouteServicesInCen", "RouteServiceEntries.RouteServiceEntry",
                           cen_id=cen_id, access_region_id=region, page_size=50)
        found = {str(e.get("Host")): str(e.get("Status")) for e in services if e.get("HostVpcId") == vpc_id}
        return ServiceRoutes(LEGACY, {c: found.get(c, "missing") for c in wanted},
                             source="cbn:DescribeRouteServicesInCen")
    router_id = kind.router_id
    attachments, (table_id, entries) = together(
        lambda: transit_attachments(call, cen_id),
        lambda: route_entries(call, router_id) if router_id else (None, []))
    attachment = attachments.get(vpc_id)
    hop = str(attachment["TransitRouterAttachmentId"]) if attachment else None
    found = {str(e["TransitRouterRouteEntryDestinationCidrBlock"]): str(e.get("TransitRouterRouteEntryStatus"))
             for e in entries if e.get("TransitRouterRouteEntryType") == "Static"
             and e.get("TransitRouterRouteEntryNextHopId") == hop}
    return ServiceRoutes(TRANSIT_ROUTER, {c: found.get(c, "missing") for c in wanted}, table_id, hop,
                         "cbn:ListTransitRouterRouteEntries")
