"""The CEN step: attach the VBR and the VPC to one CEN, on whichever kind of CEN the account has.

A CEN made today is built on Enterprise Edition transit routers: the VBR and the VPC join through
CreateTransitRouterVbrAttachment / CreateTransitRouterVpcAttachment (the VPC attachment names one
vSwitch in each zone it spans), each Attaching → Attached, and the routes they exchange show in the
transit router's route table. An older CEN has a Basic Edition transit router and takes
AttachCenChildInstance. ListTransitRouters tells the two apart (`Type` Enterprise or Basic).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drconsole.actions.base import Action, ApiCall, Plan, Result, Risk, action
from drconsole.actions.cloud_setup import NoParams, _need
from drconsole.actions.context import ActionContext

TRANSIT_ROUTER, LEGACY = "transit-router", "legacy"
ATTACH_TIMEOUT = 300.0


@dataclass(frozen=True)
class CenKind:
    kind: str  # TRANSIT_ROUTER or LEGACY
    router_id: str | None  # the CEN's transit router in the region, if it has one
    evidence: str


def cen_kind(actx: ActionContext, cen_id: str | None) -> CenKind:
    """Which path the CEN takes in the profile's region, and what said so."""
    if cen_id is None:
        return CenKind(TRANSIT_ROUTER, None, "a new CEN is built on Enterprise Edition transit routers")
    routers = actx.call("cbn", "ListTransitRouters", cen_id=cen_id, region_id=actx.profile.cloud.region,
                        page_size=50).get("TransitRouters") or []
    router = routers[0] if routers else None
    if router is None:
        return CenKind(TRANSIT_ROUTER, None, "ListTransitRouters: no transit router in the region yet")
    kind = LEGACY if router.get("Type") == "Basic" else TRANSIT_ROUTER
    return CenKind(kind, str(router["TransitRouterId"]), f"ListTransitRouters: {router['TransitRouterId']} "
                   f"Type={router.get('Type')}")


def transit_attachments(actx: ActionContext, cen_id: str) -> dict[str, dict[str, Any]]:
    """{VBR or VPC ID: its transit-router attachment} for the CEN."""
    vbrs = actx.call("cbn", "ListTransitRouterVbrAttachments", cen_id=cen_id, max_results=50)
    vpcs = actx.call("cbn", "ListTransitRouterVpcAttachments", cen_id=cen_id, max_results=50)
    found = {str(a["VbrId"]): a for a in vbrs.get("TransitRouterAttachments") or []}
    found.update({str(a["VpcId"]): a for a in vpcs.get("TransitRouterAttachments") or []})
    return found


def legacy_children(actx: ActionContext, cen_id: str) -> dict[str, str]:
    children = (actx.call("cbn", "DescribeCenAttachedChildInstances", cen_id=cen_id, page_size=50)
                .get("ChildInstances") or {}).get("ChildInstance") or []
    return {c["ChildInstanceId"]: c.get("Status", "") for c in children}


def learnt_routes(actx: ActionContext, router_id: str, attachment_id: str) -> list[str]:
    """The prefixes the transit router's route table sends to one attachment (route learning)."""
    tables = actx.call("cbn", "ListTransitRouterRouteTables", transit_router_id=router_id, max_results=20)
    learnt: list[str] = []
    for table in tables.get("TransitRouterRouteTables") or []:
        entries = actx.call("cbn", "ListTransitRouterRouteEntries", max_results=100,
                            transit_router_route_table_id=table["TransitRouterRouteTableId"])
        learnt += [str(e["TransitRouterRouteEntryDestinationCidrBlock"])
                   for e in entries.get("TransitRouterRouteEntries") or []
                   if e.get("TransitRouterRouteEntryNextHopId") == attachment_id
                   and e.get("TransitRouterRouteEntryStatus") == "Active"]
    return learnt


def _cen_of_vbr(actx: ActionContext, vbr: str) -> str | None:
    vbrs = actx.call("vpc", "DescribeVirtualBorderRouters", region_id=actx.profile.cloud.region, page_size=50)
    for v in (vbrs.get("VirtualBorderRouterSet") or {}).get("VirtualBorderRouterType") or []:
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
        kind = cen_kind(actx, cen_id)
        children = {vbr: "VBR", net.vpc_id: "VPC"}
        calls = [] if cen_id else [ApiCall("cbn", "CreateCen", {"Name": f"{actx.profile.name}-cen"})]
        target = cen_id or "(the new CEN)"
        if kind.kind == LEGACY:
            states = legacy_children(actx, str(cen_id))
            calls += [ApiCall("cbn", "AttachCenChildInstance", {
                "CenId": target, "ChildInstanceId": child, "ChildInstanceType": type_,
                "ChildInstanceRegionId": region}) for child, type_ in children.items() if child not in states]
        else:
            states = {k: str(a.get("Status", "")) for k, a in transit_attachments(actx, cen_id).items()} \
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
                states = {k: str(a.get("Status", "")) for k, a in transit_attachments(actx, cen_id).items()}
            return states if all(states.get(c) == "Attached" for c in children) else None

        states = actx.wait(f"{', '.join(children)} Attached to {cen_id}", attached, timeout=ATTACH_TIMEOUT)
        summary = f"CEN {cen_id} ({kind}): " + ", ".join(f"{c} {states[c]}" for c in children)
        data: dict[str, Any] = {"cen_id": cen_id, "cen_kind": kind}
        if kind == TRANSIT_ROUTER and router_id:
            vbr_attachment = transit_attachments(actx, cen_id)[children[0]]["TransitRouterAttachmentId"]
            data["learnt_from_vbr"] = learnt_routes(actx, router_id, vbr_attachment)
            summary += f"; the transit router learnt {len(data['learnt_from_vbr'])} prefix(es) from the VBR"
        return Result(summary, profile_updates={"network.cen_id": cen_id}, data=data)


def zone_mappings(mappings: list[dict[str, str]]) -> list[Any]:
    """ZoneMappings as the SDK's own structures (the request model needs them, not dicts)."""
    from drconsole.cloud import models

    cls = models("cbn").CreateTransitRouterVpcAttachmentRequestZoneMappings
    return [cls(v_switch_id=m["VSwitchId"], zone_id=m["ZoneId"]) for m in mappings]
