"""Helpers for the region tests: the facts sheet's enum sets and a fidelity check that the SDK's
own response model keeps every field the emulator sent."""

from __future__ import annotations

from typing import Any

CLUSTER_STATES = {"initial", "failed", "running", "updating", "upgrading", "removing", "draining", "scaling",
                  "inactive", "unavailable", "deleting", "deleted", "delete_failed", "waiting", "disconnected"}
FLEET_STATES = {"initial", "failed", "running", "inactive", "deleting", "delete_failed", "deleted"}
MEMBER_STATES = {"Installing", "Successed", "Failed", "Deleting", "Deleted"}
TASK_STATES = {"running", "fail", "success"}
BGP_STATUSES = {"Idle", "Connect", "Active", "Established", "Down"}
BGP_PEER_STATUSES = {"Pending", "Available", "Modifying", "Deleting", "Deleted"}
VBR_STATUSES = {"unconfirmed", "active", "terminating", "terminated", "recovering", "deleting"}
PC_STATUSES = {"Initial", "Approved", "Allocating", "Allocated", "Confirmed", "Enabled", "Rejected", "Canceled",
               "Allocation Failed", "Terminated"}
CEN_CHILD_STATUSES = {"Attaching", "Attached", "Detaching"}
GATEWAY_STATUSES = {0, 1, 2, 3, 4, 6, 8, 9, 10, 11, 12, 13}


class RawBodies:
    """Records the raw JSON bodies a real SDK client received (its own `call_api`, wrapped)."""

    def __init__(self, client: Any) -> None:
        self.bodies: list[Any] = []
        original = client.call_api

        def call_api(params: Any, request: Any, runtime: Any) -> Any:
            answer = original(params, request, runtime)
            self.bodies.append(answer.get("body"))
            return answer

        client.call_api = call_api

    @property
    def last(self) -> Any:
        return self.bodies[-1]


def unread_fields(raw: Any, parsed: Any, path: str = "") -> list[str]:
    """Paths of fields in `raw` that the parsed model (its `to_map()`) dropped: names the SDK does not know."""
    lost: list[str] = []
    if isinstance(raw, dict):
        if not isinstance(parsed, dict):
            return [path or "<root>"]
        for key, value in raw.items():
            if key not in parsed:
                lost.append(f"{path}.{key}" if path else key)
            else:
                lost += unread_fields(value, parsed[key], f"{path}.{key}" if path else key)
    elif isinstance(raw, list) and isinstance(parsed, list):
        for index, (item, kept) in enumerate(zip(raw, parsed, strict=False)):
            lost += unread_fields(item, kept, f"{path}[{index}]")
    return lost


def assert_faithful(raw: Any, body: Any) -> None:
    lost = unread_fields(raw, body.to_map())
    assert not lost, f"the SDK model does not read these fields the region sent: {lost}"


def attach_through_transit_router(client: Any, cen_id: str, region: str, vbr_id: str, vpc_id: str,
                                  zones: dict[str, str]) -> tuple[str, str]:
    """The transit-router path: CreateTransitRouterVbrAttachment and CreateTransitRouterVpcAttachment
    (one vSwitch per zone, {vswitch_id: zone_id}), both advertising routes. Returns the attachment IDs."""
    from alibabacloud_cbn20170912 import models as cbn

    vbr_attachment = client.create_transit_router_vbr_attachment(cbn.CreateTransitRouterVbrAttachmentRequest(
        cen_id=cen_id, region_id=region, vbr_id=vbr_id, auto_publish_route_enabled=True)).body
    router = client.list_transit_routers(cbn.ListTransitRoutersRequest(cen_id=cen_id, region_id=region)).body
    (tr,) = router.transit_routers
    vpc_attachment = client.create_transit_router_vpc_attachment(cbn.CreateTransitRouterVpcAttachmentRequest(
        cen_id=cen_id, region_id=region, transit_router_id=tr.transit_router_id, vpc_id=vpc_id,
        auto_publish_route_enabled=True, zone_mappings=[
            cbn.CreateTransitRouterVpcAttachmentRequestZoneMappings(v_switch_id=vsw, zone_id=zone)
            for vsw, zone in zones.items()])).body
    return vbr_attachment.transit_router_attachment_id, vpc_attachment.transit_router_attachment_id


def transit_statuses(client: Any, cen_id: str) -> dict[str, str]:
    """{VBR or VPC ID: attachment Status} of a CEN's transit-router attachments."""
    from alibabacloud_cbn20170912 import models as cbn

    vbrs = client.list_transit_router_vbr_attachments(cbn.ListTransitRouterVbrAttachmentsRequest(cen_id=cen_id))
    vpcs = client.list_transit_router_vpc_attachments(cbn.ListTransitRouterVpcAttachmentsRequest(cen_id=cen_id))
    return {**{a.vbr_id: a.status for a in vbrs.body.transit_router_attachments},
            **{a.vpc_id: a.status for a in vpcs.body.transit_router_attachments}}
