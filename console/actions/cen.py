"""The CEN step: attach the VBR and the VPC to one CEN, on whichever kind of CEN the account has.

A CEN made today is built on Enterprise Edition transit routers: the VBR and the VPC join through
CreateTransitRouterVbrAttachment / CreateTransitRouterVpcAttachment (the VPC attachment names one
vSwitch in each zone it spans), each Attaching → Attached, and the routes they exchange show in the
transit router's route table. An older CEN has a Basic Edition transit router and takes
AttachCenChildInstance. ListTransitRouters tells the two apart (`Type` Enterprise or Basic).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from drconsole.action_events import ActionOutput
from drconsole.actions.base import Action, ApiCall, Plan, Result, Risk, action
from drconsole.actions.cloud_setup import NoParams, _need
from drconsole.actions.context import ActionContext, ActionFailed
from drconsole.cen import (
    LEGACY,
    TRANSIT_ROUTER,
    ServiceRoutes,
    cen_kind,
    route_entries,
    service_routes,
    transit_attachments,
    virtual_border_routers,
)
from drconsole.paging import listing

ATTACH_TIMEOUT = 300.0


def legacy_children(actx: ActionContext, cen_id: str) -> dict[str, str]:
    children = listing(actx.call, "cbn", "DescribeCenAttachedChildInstances", "ChildInstances.ChildInstance",
                       cen_id=cen_id, page_size=50)
    return {c["ChildInstanceId"]: c.get("Status", "") for c in children}


def learnt_routes(actx: ActionContext, router_id: str, attachment_id: str) -> list[str]:
    """The prefixes the transit router's route table sends to one attachment (route learning)."""
    return [str(e["TransitRouterRouteEntryDestinationCidrBlock"]) for e in route_entries(actx.call, router_id)[1]
            if e.get("TransitRouterRouteEntryNextHopId") == attachment_id
            and e.get("TransitRouterRouteEntryStatus") == "Active"]


def _cen_of_vbr(actx: ActionContext, vbr: str) -> str | None:
    for v in virtual_border_routers(actx.call, actx.profile.cloud.region):
        if v.get("VbrId") == vbr:
            cens = (v.get("AssociatedCens") or {}).get("AssociatedCen") or []
            return str(cens[0]["CenId"]) if cens else None
    return None


@action("network.cen-attach", risk=Risk.MUTATING, title="Attach the VBR and the VPC to a CEN (transit router or "
        "legacy)", params=NoParams)
class AttachCen(Action):
    def plan(self, actx: ActionContext, params: NoParams) -> Plan:
        net, region = actx.profile.network, actx.profile.cloud.region
        vbr = _need(net.vbr_id, "VBR (network.vbr_id)", "network.vbr")
        cen_id = net.cen_id or _cen_of_vbr(actx, vbr)
        kind = cen_kind(actx.call, region, cen_id)
        children = {vbr: "VBR", net.vpc_id: "VPC"}
        calls = [] if cen_id else [ApiCall("cbn", "CreateCen", {"Name": f"{actx.profile.name}-cen"})]
        target = cen_id or "(the new CEN)"
        if kind.kind == LEGACY:
            states = legacy_children(actx, str(cen_id))
            calls += [ApiCall("cbn", "AttachCenChildInstance", {
                "CenId": target, "ChildInstanceId": child, "ChildInstanceType": type_,
                "ChildInstanceRegionId": region}) for child, type_ in children.items() if child not in states]
        else:
            states = {k: str(a.get("Status", "")) for k, a in transit_attachments(actx.call, cen_id).items()} \
                if cen_id else {}
            router = kind.router_id or "(the transit router)"
            if kind.router_id is None:
                calls.append(ApiCall("cbn", "CreateTransitRouter", {"CenId": target, "RegionId": region}))
            if vbr not in states:
                calls.append(ApiCall("cbn", "CreateTransitRouterVbrAttachment", {
                    "CenId": target, "RegionId": region, "TransitRouterId": router, "VbrId": vbr,
                    "AutoPublishRouteEnabled": True}))
            if net.vpc_id not in states:
                zones = _need(dict(net.vswitch_ids), "vSwitches (network.vswitch_ids)", "design.zones")
                calls.append(ApiCall("cbn", "CreateTransitRouterVpcAttachment", {
                    "CenId": target, "RegionId": region, "TransitRouterId": router, "VpcId": net.vpc_id,
                    "AutoPublishRouteEnabled": True,
                    "ZoneMappings": [{"VSwitchId": vsw, "ZoneId": zone} for zone, vsw in sorted(zones.items())]}))
        seen = {child: states.get(child, "not attached") for child in children}
        done = not calls and all(s == "Attached" for s in seen.values())
        return self.new_plan(actx, f"CEN {target} ({kind.kind}) with {vbr} and {net.vpc_id} attached", calls=calls,
                             already_done=done,
                             evidence={"cen": cen_id, "kind": kind.kind, "kind_evidence": kind.evidence,
                                       "attachments": seen},
                             profile_updates={"network.cen_id": cen_id} if cen_id else {},
                             data={"cen_id": cen_id, "kind": kind.kind, "router_id": kind.router_id,
                                   "children": list(children)})

    def apply(self, actx: ActionContext, plan: Plan) -> Result:
        cen_id, router_id, kind = plan.data.get("cen_id"), plan.data.get("router_id"), plan.data["kind"]
        attachment_ids: dict[str, str] = {}
        for call in plan.calls:
            p = call.params
            if call.action == "CreateCen":
                cen_id = actx.call("cbn", "CreateCen", name=p["Name"])["CenId"]
            elif call.action == "CreateTransitRouter":
                router_id = actx.call("cbn", "CreateTransitRouter", cen_id=cen_id, region_id=p["RegionId"])[
                    "TransitRouterId"]
            elif call.action == "AttachCenChildInstance":
                actx.call("cbn", "AttachCenChildInstance", cen_id=cen_id, child_instance_id=p["ChildInstanceId"],
                          child_instance_type=p["ChildInstanceType"],
                          child_instance_region_id=p["ChildInstanceRegionId"])
            elif call.action == "CreateTransitRouterVbrAttachment":
                attachment_ids[p["VbrId"]] = actx.call(
                    "cbn", "CreateTransitRouterVbrAttachment", cen_id=cen_id, region_id=p["RegionId"],
                    transit_router_id=router_id, vbr_id=p["VbrId"], auto_publish_route_enabled=True,
                )["TransitRouterAttachmentId"]
            else:
                mappings = zone_mappings(p["ZoneMappings"])
                attachment_ids[p["VpcId"]] = actx.call(
                    "cbn", "CreateTransitRouterVpcAttachment", cen_id=cen_id, region_id=p["RegionId"],
                    transit_router_id=router_id, vpc_id=p["VpcId"], auto_publish_route_enabled=True,
                    zone_mappings=mappings)["TransitRouterAttachmentId"]
        children = plan.data["children"]

        def attached() -> dict[str, str] | None:
            if kind == LEGACY:
                states = legacy_children(actx, cen_id)
            else:
                states = {k: str(a.get("Status", "")) for k, a in transit_attachments(actx.call, cen_id).items()}
            return states if all(states.get(c) == "Attached" for c in children) else None

        states = actx.wait(f"{', '.join(children)} Attached to {cen_id}", attached, timeout=ATTACH_TIMEOUT)
        summary = f"CEN {cen_id} ({kind}): " + ", ".join(f"{c} {states[c]}" for c in children)
        output = ActionOutput(cen_id=cen_id, cen_kind=kind)
        if kind == TRANSIT_ROUTER and router_id:
            vbr_attachment = transit_attachments(actx.call, cen_id)[children[0]]["TransitRouterAttachmentId"]
            output.learnt_from_vbr = learnt_routes(actx, router_id, vbr_attachment)
            summary += f"; the transit router learnt {len(output.learnt_from_vbr)} prefix(es) from the VBR"
        return Result(summary, profile_updates={"network.cen_id": cen_id}, output=output)


def zone_mappings(mappings: list[dict[str, str]]) -> list[Any]:
    """ZoneMappings as the SDK's own structures (the request model needs them, not dicts)."""
    from drconsole.cloud import models

    cls = models("cbn").CreateTransitRouterVpcAttachmentRequestZoneMappings
    return [cls(v_switch_id=m["VSwitchId"], zone_id=m["ZoneId"]) for m in mappings]


@action("network.service-routes", risk=Risk.MUTATING, title="Route the OSS and ACR ranges through the CEN to the "
        "data center", params=NoParams)
class RouteServices(Action):
    """One route per service range: a route service on a legacy CEN (ResolveAndRouteServiceInCen), a static
    route toward the VPC attachment on a transit router (CreateTransitRouterRouteEntry); read back until Active."""

    def plan(self, actx: ActionContext, params: NoParams) -> Plan:
        profile, net = actx.profile, actx.profile.network
        cen_id = _need(net.cen_id, "CEN (network.cen_id)", "network.cen-attach")
        ranges = list(profile.services.oss.vip_ranges) + list(profile.services.acr.vip_ranges)
        _need(ranges, "OSS or ACR VIP ranges (services.*.vip_ranges)", "design.cidrs")
        seen = service_routes(actx.call, profile.cloud.region, cen_id, net.vpc_id, ranges)
        calls = []
        for cidr in seen.missing:
            if seen.statuses[cidr] != "missing":
                continue  # made already, still settling
            if seen.kind == LEGACY:
                calls.append(ApiCall("cbn", "ResolveAndRouteServiceInCen", {
                    "CenId": cen_id, "Host": cidr, "HostRegionId": profile.cloud.region, "HostVpcId": net.vpc_id,
                    "AccessRegionIds": [profile.cloud.region]}))
            else:
                if not (seen.table_id and seen.vpc_attachment):
                    raise ActionFailed(f"the VPC is not attached to the transit router of CEN {cen_id}",
                                       fix="complete step network.cen-attach first")
                calls.append(ApiCall("cbn", "CreateTransitRouterRouteEntry", {
                    "TransitRouterRouteTableId": seen.table_id, "TransitRouterRouteEntryDestinationCidrBlock": cidr,
                    "TransitRouterRouteEntryNextHopType": "Attachment",
                    "TransitRouterRouteEntryNextHopId": seen.vpc_attachment}))
        return self.new_plan(actx, f"route {len(ranges)} service ranges through CEN {cen_id} ({seen.kind})",
                             calls=calls, already_done=not seen.missing,
                             evidence={seen.source: seen.statuses, "kind": seen.kind},
                             data={"cen_id": cen_id, "ranges": [str(r) for r in ranges]})

    def apply(self, actx: ActionContext, plan: Plan) -> Result:
        for call in plan.calls:
            p = call.params
            if call.action == "ResolveAndRouteServiceInCen":
                actx.call("cbn", call.action, cen_id=p["CenId"], host=p["Host"], host_region_id=p["HostRegionId"],
                          host_vpc_id=p["HostVpcId"], access_region_ids=p["AccessRegionIds"])
            else:
                actx.call("cbn", call.action, transit_router_route_table_id=p["TransitRouterRouteTableId"],
                          transit_router_route_entry_destination_cidr_block=p[
                              "TransitRouterRouteEntryDestinationCidrBlock"],
                          transit_router_route_entry_next_hop_type=p["TransitRouterRouteEntryNextHopType"],
                          transit_router_route_entry_next_hop_id=p["TransitRouterRouteEntryNextHopId"])
        profile, ranges = actx.profile, [ipaddress.IPv4Network(r) for r in plan.data["ranges"]]

        def active() -> ServiceRoutes | None:
            seen = service_routes(actx.call, profile.cloud.region, plan.data["cen_id"], profile.network.vpc_id, ranges)
            return None if seen.missing else seen

        seen = actx.wait("every service range Active", active, timeout=ATTACH_TIMEOUT)
        return Result(f"{len(seen.statuses)} service ranges routed through CEN {plan.data['cen_id']} ({seen.kind})",
                      output=ActionOutput(service_routes=dict(seen.statuses)))
