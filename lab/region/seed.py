"""The region's resources at the start of a lab: `fresh` (before the procedure) or `built` (after it)."""

from __future__ import annotations

import time

from drconsole.lab.net.bgp import SERVICE_RANGES
from drconsole.lab.region import capacity, ids, netview
from drconsole.lab.region.config import ZONE_A, ZONE_B
from drconsole.lab.region.ops import adcp, cbn, cs, mse, transit, vpc
from drconsole.lab.region.region import Region
from drconsole.lab.region.store import State

VSWITCH_CIDRS = {ZONE_A: "192.168.1.0/24", ZONE_B: "192.168.2.0/24", "fleet": "192.168.10.0/24"}
IDC_ASN = 65001
VBR_VLAN = 2420


def seed(region: Region, start_state: str) -> None:
    """Fill an empty store. Built-state resources were made an hour ago, so they are settled."""
    now = time.time()
    with region.store.write() as state:
        _fresh(region, state, now - 86400)
        if start_state == "built":
            _built(region, state, now - 3600)
        state["start_state"] = start_state


def _fresh(region: Region, state: State, created: float) -> None:
    state["vpc"] = {"vpc_id": ids.resource_id("vpc"), "name": "drlab-vpc", "cidr": netview.vpc_cidr(region.env),
                    "route_table_id": ids.resource_id("vtb"), "vrouter_id": ids.resource_id("vrt"),
                    "created": created}
    state["vswitches"] = {
        key: {"vswitch_id": ids.resource_id("vsw"), "name": f"drlab-{key}", "cidr": cidr,
              "zone_id": ZONE_A if key == "fleet" else key, "created": created}
        for key, cidr in VSWITCH_CIDRS.items()}
    state["physical_connection"] = {"pc_id": ids.resource_id("pc"), "name": "drlab-idc-circuit",
                                    "created": created}
    ack = cs.new_cluster(state, name="drlab-ack", cluster_type="ManagedKubernetes", zone_id=ZONE_A,
                         vpc_id=state["vpc"]["vpc_id"], vswitch_ids=[state["vswitches"][ZONE_A]["vswitch_id"]],
                         plane="ack", created=created)
    state["ack_cluster_id"] = ack["cluster_id"]
    state["gateway_id"] = ids.resource_id("gw")
    mse.new_foreign_gateway(state, state["vswitches"][ZONE_A], ack["cluster_id"], created)
    if region.config.legacy_cen:  # an account whose CEN predates transit routers (Basic Edition)
        cbn.new_cen(state, name="drlab-legacy-cen", protection="REDUCED", created=created,
                    region_id=region.region_id, legacy=True)


def _built(region: Region, state: State, created: float) -> None:
    vpc_id = state["vpc"]["vpc_id"]
    fleet = adcp.new_fleet(state, name="drlab-fleet", vpc_id=vpc_id,
                           vswitches=[state["vswitches"]["fleet"]["vswitch_id"]], profile="Default",
                           created=created)
    fleet.update(argocd=True, argocd_ha=True, gateway=True)
    registered = cs.new_cluster(state, name="drlab-idc", cluster_type="ExternalKubernetes", zone_id=ZONE_B,
                                vpc_id=vpc_id, vswitch_ids=[state["vswitches"][ZONE_B]["vswitch_id"]],
                                plane="idc", created=created, spec="")
    state["registered_cluster_id"] = registered["cluster_id"]
    zone_b, zone_a = state["vswitches"][ZONE_B], state["vswitches"][ZONE_A]
    capacity.new_pool(state, cluster_id=registered["cluster_id"], vswitch=zone_b, created=created)
    capacity.install_virtual_node(state, cluster_id=registered["cluster_id"], vswitches=[zone_b, zone_a],
                                  security_group_id=registered["security_group_id"])
    for cluster_id in (state["ack_cluster_id"], registered["cluster_id"]):
        adcp.attach(state, fleet, cluster_id, created)
    local_ip, peer_ip, mask = netview.peering(region.env)
    vbr = vpc.new_vbr(state, pc_id=state["physical_connection"]["pc_id"], vlan_id=VBR_VLAN, local_ip=local_ip,
                      peer_ip=peer_ip, mask=mask, name="drlab-vbr", created=created)
    group = vpc.new_bgp_group(state, router_id=vbr["vbr_id"], peer_asn=IDC_ASN, local_asn=vpc.VBR_ASN,
                              name="drlab-idc", created=created)
    vpc.new_bgp_peer(state, group=group, peer_ip=peer_ip, enable_bfd=False, created=created)
    if region.config.legacy_cen:
        cen = next(iter(state["cens"].values()))
        cbn.attach_child(state, cen, vbr["vbr_id"], "VBR", region.region_id, created)
        cbn.attach_child(state, cen, vpc_id, "VPC", region.region_id, created)
        cen["route_services"] = {cidr: {"host": cidr, "host_region": region.region_id, "host_vpc": vpc_id,
                                        "access": [region.region_id], "description": "", "created": created}
                                 for cidr in SERVICE_RANGES}
        return
    cen = cbn.new_cen(state, name="drlab-cen", protection="REDUCED", created=created, region_id=region.region_id)
    router = transit.new_transit_router(state, cen, region.region_id, transit.ENTERPRISE, created)
    transit.attach(state, cen, router, "VBR", vbr["vbr_id"], created, auto_publish=True)
    to_vpc = transit.attach(state, cen, router, "VPC", vpc_id, created, auto_publish=True,
                            zone_mappings=[{"VSwitchId": v["vswitch_id"], "ZoneId": v["zone_id"]}
                                           for key, v in state["vswitches"].items() if key != "fleet"])
    routes = [{"entry_id": ids.resource_id("rte"), "cidr": cidr, "hop_type": "Attachment",
               "hop": to_vpc["attachment_id"], "name": "", "created": created} for cidr in SERVICE_RANGES]
    router["static_routes"] = {route["entry_id"]: route for route in routes}


def facts_ids(state: State) -> dict[str, object]:
    """The IDs the lab profile and the other parts need (None for what does not exist yet)."""
    def first(kind: str, key: str) -> str | None:
        """The earliest made of `kind`: the store is kept with sorted keys, so its order is the IDs' order, and
        a later CEN (another create on the same account) may sort before the lab's own."""
        made = sorted(state.get(kind, {}).values(), key=lambda item: (item["created"], str(item[key])))
        return str(made[0][key]) if made else None

    return {
        "vpc_id": state["vpc"]["vpc_id"],
        "vswitches": {key: v["vswitch_id"] for key, v in state["vswitches"].items()},
        "ack_cluster_id": state["ack_cluster_id"],
        "registered_cluster_id": next((cid for cid, c in state.get("clusters", {}).items()
                                       if c["cluster_type"] == "ExternalKubernetes"), None),
        "fleet_id": first("fleets", "cluster_id"),
        "vbr_id": first("vbrs", "vbr_id"),
        "bgp_group_id": first("bgp_groups", "bgp_group_id"),
        "bgp_peer_id": first("bgp_peers", "bgp_peer_id"),
        "cen_id": first("cens", "cen_id"),
        "physical_connection_id": state["physical_connection"]["pc_id"],
        "route_table_id": state["vpc"]["route_table_id"],
        "gateway_id": state["gateway_id"],
        "node_pool_id": first("node_pools", "nodepool_id"),
        "virtual_node": bool(state.get("virtual_node")),
    }
