"""Private routes: the data center's kernel must send the VPC and the cloud services' VIP ranges
over Express Connect (next hop = the VBR), and the VPC's route table must send the data
center's CIDRs to the VBR."""

from __future__ import annotations

import ipaddress
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from drconsole import vantage
from drconsole.checks import _cloud
from drconsole.context import Context
from drconsole.probes import routes
from drconsole.profile import Profile
from drconsole.registry import check
from drconsole.results import Evidence, Outcome

RangeFamily = Literal["vpc", "acr", "oss"]
LABELS: dict[str, str] = {"vpc": "VPC CIDR", "acr": "ACR VIP range", "oss": "OSS VIP range"}
# The service ranges reach the data center only once the CEN routes them (then the IDC router must accept them).
FIX_STEPS: dict[str, str] = {"vpc": "network.bgp-idc", "acr": "network.service-routes", "oss": "network.service-routes"}
PROFILE_KEYS: dict[str, str] = {"vpc": "network.vpc_cidrs", "acr": "services.acr.vip_ranges",
                                "oss": "services.oss.vip_ranges"}


class KernelParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ranges: RangeFamily


class TableParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    route_table_id: str
    vbr_id: str


def ranges_of(profile: Profile, family: RangeFamily) -> list[ipaddress.IPv4Network]:
    if family == "vpc":
        return list(profile.network.vpc_cidrs)
    return list(profile.services.acr.vip_ranges if family == "acr" else profile.services.oss.vip_ranges)


@check("routes.via-vbr", family="routes", title="Private ranges leave the data center via the VBR", timeout=5.0)
async def via_vbr(ctx: Context, params: KernelParams) -> Outcome:
    profile = ctx.profile
    label = LABELS[params.ranges]
    where = profile.network.vantage_netns
    if where is None and profile.lab is not None and profile.lab.mode == "loopback":
        return Outcome.skipped("ROUTE-LOOPBACK-LAB", "the lab runs in loopback mode: its BGP routes live only "
                               "inside BIRD, so there is no kernel route decision to look at")
    ranges = ranges_of(profile, params.ranges)
    if not ranges:
        return Outcome.skipped("ROUTE-NO-RANGES", f"the profile lists no {label}s ({PROFILE_KEYS[params.ranges]})",
                               key=PROFILE_KEYS[params.ranges])
    vbr = str(profile.network.bgp.vbr_peer_ip)
    source = f"kernel route decision{f' in network namespace {where}' if where else ''}"

    decisions = await ctx.blocking(routes.decisions, where, ranges)
    evidence = [Evidence(source=source, asked=f"ip route get {route.destination}  ({network})", ms=route.ms,
                         answer={"gateway": route.gateway, "dev": route.interface, "prefsrc": route.source,
                                 "matched": route.matched, "error": route.error})
                for network, route in decisions]
    return judge_decisions(decisions, vbr, params.ranges, evidence)


def judge_decisions(decisions: list[tuple[ipaddress.IPv4Network, vantage.Route]], vbr: str, family: RangeFamily,
                    evidence: list[Evidence]) -> Outcome:
    """Every range's next hop must be the VBR."""
    label = LABELS[family]
    wrong = [(network, route) for network, route in decisions if route.gateway != vbr]
    if not wrong:
        names = ", ".join(str(n) for n, _ in decisions)
        return Outcome.passed(f"every {label} ({names}) leaves via the VBR {vbr}", *evidence)
    problems = [_wrong_way(network, route, vbr) for network, route in wrong]
    more = f" (and {len(problems) - 1} more of {len(decisions)})" if len(problems) > 1 else ""
    return Outcome.failed("ROUTE-NOT-VIA-VBR", problems[0] + more, *evidence, fix_step=FIX_STEPS[family],
                          problems="; ".join(problems), label=label, vbr=vbr, step=FIX_STEPS[family])


def _wrong_way(network: ipaddress.IPv4Network, route: vantage.Route, vbr: str) -> str:
    if not route.reachable:
        return f"no route to {network} ({route.error})"
    if route.matched == "default":
        return f"route to {network} leaves via the default gateway {route.gateway}, not the VBR {vbr}"
    via = f"via {route.gateway}" if route.gateway else f"directly on {route.interface}"
    return f"route to {network} leaves {via} (route {route.matched or '?'}), not via the VBR {vbr}"


@check("routes.vpc-table", family="routes", title="VPC route table sends the data center's CIDRs to the VBR",
       timeout=_cloud.CLOUD_TIMEOUT)
async def vpc_table(ctx: Context, params: TableParams) -> Outcome:
    idc = list(ctx.profile.network.idc_cidrs)
    if not idc:
        return Outcome.skipped("ROUTE-NO-IDC-CIDRS", "the profile lists no IDC CIDRs (network.idc_cidrs)")
    body, evidence = await _cloud.ask(
        ctx, "vpc", "DescribeRouteEntryList",
        lambda c, m, **page: c.describe_route_entry_list(m.DescribeRouteEntryListRequest(
            region_id=ctx.profile.cloud.region, route_table_id=params.route_table_id, max_result=100, **page)),
        asked=f"RouteTableId={params.route_table_id}", pages="RouteEntrys.RouteEntry")
    entries = (body.get("RouteEntrys") or {}).get("RouteEntry") or []
    table = [{"DestinationCidrBlock": e.get("DestinationCidrBlock"), "Type": e.get("Type"), "Status": e.get("Status"),
              "NextHops": [{"NextHopType": h.get("NextHopType"), "NextHopId": h.get("NextHopId")}
                           for h in (e.get("NextHops") or {}).get("NextHop") or []]} for e in entries]
    evidence.answer = table
    return judge_vpc_table(table, idc, params, evidence)


def judge_vpc_table(table: list[dict[str, Any]], idc: list[ipaddress.IPv4Network], params: TableParams,
                    evidence: Evidence) -> Outcome:
    """Every IDC CIDR must have an available route that came through the CEN (a documented shape)."""
    missing, seen = [], set()
    for cidr in idc:
        covering = [row for row in table if _covers(row["DestinationCidrBlock"], cidr)]
        shapes = {shape for row in covering if (shape := _through_cen(row))}
        seen |= shapes
        if not shapes:
            hops = "; ".join(f"{r['DestinationCidrBlock']} -> {_hops(r)}" for r in covering)
            missing.append(f"{cidr}" + (f" (only {hops})" if hops else ""))
    if missing:
        return Outcome.failed("ROUTE-VPC-TABLE-MISSING", f"the VPC route table {params.route_table_id} has no "
                              f"route to {', '.join(missing)} via the VBR {params.vbr_id}", evidence)
    return Outcome.passed(f"the VPC route table sends {', '.join(str(c) for c in idc)} through the CEN toward the "
                          f"VBR {params.vbr_id} ({'; '.join(sorted(seen))})", evidence)


def _covers(destination: str | None, cidr: ipaddress.IPv4Network) -> bool:
    try:
        return bool(destination) and cidr.subnet_of(ipaddress.IPv4Network(destination))
    except (ValueError, TypeError):
        return False


def _through_cen(row: dict[str, object]) -> str | None:
    """How an available route came through the CEN, in the shapes DescribeRouteEntryList documents: a next
    hop of type `Attachment` (a transit router), or a `CEN` route (a legacy CEN's next hop is not documented)."""
    hops = row["NextHops"] if isinstance(row["NextHops"], list) else []
    if row["Status"] != "Available":
        return None
    attachment = next((h for h in hops if h["NextHopType"] == "Attachment"), None)
    if attachment is not None:
        return f"next hop: transit-router attachment {attachment['NextHopId']}"
    return "a CEN route (legacy CEN)" if row["Type"] == "CEN" else None


def _hops(row: dict[str, object]) -> str:
    hops = row["NextHops"]
    return ", ".join(f"{h['NextHopType']} {h['NextHopId']}" for h in hops) if isinstance(hops, list) and hops \
        else f"{row['Type']} (local)"
