"""VPC and Express Connect (vpc 2016-04-28, RPC): VPC, vSwitches, the physical connection, VBR,
BGP group and peer (status from the real BIRD session), and the VPC route table."""

from __future__ import annotations

import time
from typing import Any

from drconsole.lab.region import ids, netview
from drconsole.lab.region.ops.registry import rpc
from drconsole.lab.region.paging import by_number, by_token
from drconsole.lab.region.region import PEER_CREATE_SECONDS, Region, settled
from drconsole.lab.region.store import State
from drconsole.lab.region.wire import ApiError, Params

VBR_ASN = 45104
ROUTE_ENTRIES_PER_PAGE = 10  # DescribeRouteEntryList MaxResult: 1-100, default 10 (its API page)


def _need_region(region: Region, params: Params) -> None:
    if params.need("RegionId") != region.region_id:
        raise ApiError(400, "InvalidRegionId.NotFound", f"The region {params.text('RegionId')} does not exist.")


def new_vbr(state: State, *, pc_id: str, vlan_id: int, local_ip: str, peer_ip: str, mask: str, name: str,
            created: float) -> dict[str, Any]:
    vbr = {"vbr_id": ids.resource_id("vbr"), "pc_id": pc_id, "vlan_id": vlan_id, "local_ip": local_ip,
           "peer_ip": peer_ip, "mask": mask, "name": name, "created": created,
           "route_table_id": ids.resource_id("vtb")}
    state.setdefault("vbrs", {})[vbr["vbr_id"]] = vbr
    return vbr


def new_bgp_group(state: State, *, router_id: str, peer_asn: int, local_asn: int, name: str,
                  created: float) -> dict[str, Any]:
    group = {"bgp_group_id": ids.resource_id("bgpg"), "router_id": router_id, "peer_asn": peer_asn,
             "local_asn": local_asn, "name": name, "created": created}
    state.setdefault("bgp_groups", {})[group["bgp_group_id"]] = group
    return group


def new_bgp_peer(state: State, *, group: dict[str, Any], peer_ip: str, enable_bfd: bool,
                 created: float) -> dict[str, Any]:
    peer = {"bgp_peer_id": ids.resource_id("bgp"), "bgp_group_id": group["bgp_group_id"],
            "router_id": group["router_id"], "peer_ip": peer_ip, "enable_bfd": enable_bfd, "created": created}
    state.setdefault("bgp_peers", {})[peer["bgp_peer_id"]] = peer
    return peer


def cen_of(state: State, child_id: str) -> tuple[str, str] | None:
    """(CEN ID, attachment status) of a VPC or VBR attached to a CEN, as a legacy child instance or
    through a transit-router attachment."""
    from drconsole.lab.region.ops.cbn import child_status
    from drconsole.lab.region.ops.transit import attachment_of, attachment_status

    for cen in state.get("cens", {}).values():
        child = cen["children"].get(child_id)
        if child:
            return cen["cen_id"], child_status(child)
    found = attachment_of(state, child_id)
    return (found[0]["cen_id"], attachment_status(found[1])) if found else None


@rpc("vpc", "DescribeVpcs")
def describe_vpcs(region: Region, params: Params) -> dict[str, Any]:
    _need_region(region, params)
    with region.store.read() as state:
        vpc = dict(state["vpc"])
        vswitches = [v["vswitch_id"] for v in state["vswitches"].values()]
        cen = cen_of(state, vpc["vpc_id"])
    wanted = params.text("VpcId")
    found = [] if wanted and wanted != vpc["vpc_id"] else [{
        "VpcId": vpc["vpc_id"], "VpcName": vpc["name"], "CidrBlock": vpc["cidr"], "Status": "Available",
        "RegionId": region.region_id, "VRouterId": vpc["vrouter_id"], "IsDefault": False,
        "CreationTime": ids.iso(vpc["created"]), "Description": "drconsole lab VPC",
        "CenStatus": "Attached" if cen and cen[1] == "Attached" else "Detached",
        "RouterTableIds": {"RouterTableIds": [vpc["route_table_id"]]},
        "VSwitchIds": {"VSwitchId": vswitches}, "ResourceGroupId": "rg-acfmlabdefault",
    }]
    chosen, page = by_number(params, found)
    return {"Vpcs": {"Vpc": chosen}, **page}


@rpc("vpc", "DescribeVSwitches")
def describe_vswitches(region: Region, params: Params) -> dict[str, Any]:
    with region.store.read() as state:
        vpc = dict(state["vpc"])
        vswitches = [dict(v) for v in state["vswitches"].values()]
    wanted = {"vpc_id": params.text("VpcId"), "zone_id": params.text("ZoneId"),
              "vswitch_id": params.text("VSwitchId")}
    answer = [{
        "VSwitchId": v["vswitch_id"], "VSwitchName": v["name"], "VpcId": vpc["vpc_id"], "ZoneId": v["zone_id"],
        "CidrBlock": v["cidr"], "Status": "Available", "AvailableIpAddressCount": 250, "IsDefault": False,
        "CreationTime": ids.iso(v["created"]), "Description": "", "ShareType": "Sharing",
        "RouteTable": {"RouteTableId": vpc["route_table_id"], "RouteTableType": "System"},
        "ResourceGroupId": "rg-acfmlabdefault",
    } for v in vswitches if all(not want or {**v, "vpc_id": vpc["vpc_id"]}[k] == want
                                 for k, want in wanted.items())]
    chosen, page = by_number(params, answer)
    return {"VSwitches": {"VSwitch": chosen}, **page}


@rpc("vpc", "DescribePhysicalConnections")
def describe_physical_connections(region: Region, params: Params) -> dict[str, Any]:
    _need_region(region, params)
    with region.store.read() as state:
        pc = dict(state["physical_connection"])
    wanted = params.filters().get("PhysicalConnectionId")
    answer = [] if wanted and pc["pc_id"] not in wanted else [{
        "PhysicalConnectionId": pc["pc_id"], "Name": pc["name"], "Status": "Enabled",
        "BusinessStatus": "Normal", "AccessPointId": "ap-cn-hangzhou-xx-A", "LineOperator": "CT",
        "Spec": "1G", "Bandwidth": 1000, "PortType": "1000Base-LX", "CircuitCode": "drlab-circuit-0001",
        "Type": "VPC", "CreationTime": ids.iso(pc["created"]), "EnabledTime": ids.iso(pc["created"]),
        "Description": "drconsole lab Express Connect circuit", "AdLocation": "lab", "PortNumber": "1/1/1",
        "ProductType": "VirtualPhysicalConnection", "ChargeType": "Prepaid",
    }]
    chosen, page = by_number(params, answer)
    return {"PhysicalConnectionSet": {"PhysicalConnectionType": chosen}, **page}


@rpc("vpc", "CreateVirtualBorderRouter", mutating=True)
def create_virtual_border_router(region: Region, params: Params) -> dict[str, Any]:
    _need_region(region, params)
    pc_id = params.need("PhysicalConnectionId")
    vlan_id = params.number("VlanId")
    if vlan_id is None:
        raise ApiError(400, "MissingParameter", "VlanId is mandatory for this action.")
    if not 0 <= vlan_id <= 2999:
        raise ApiError(400, "InvalidVlanId.Malformed", f"VlanId {vlan_id} is not between 0 and 2999.")
    lab_local, lab_peer, lab_mask = netview.peering(region.env)
    with region.store.write() as state:
        if pc_id != state["physical_connection"]["pc_id"]:
            raise ApiError(400, "InvalidPhysicalConnectionId.NotFound", f"{pc_id} does not exist.")
        vbr = new_vbr(state, pc_id=pc_id, vlan_id=vlan_id, local_ip=params.text("LocalGatewayIp") or lab_local,
                      peer_ip=params.text("PeerGatewayIp") or lab_peer,
                      mask=params.text("PeeringSubnetMask") or lab_mask, name=params.text("Name") or "",
                      created=time.time())
    return {"VbrId": vbr["vbr_id"]}


@rpc("vpc", "DescribeVirtualBorderRouters")
def describe_virtual_border_routers(region: Region, params: Params) -> dict[str, Any]:
    _need_region(region, params)
    wanted = params.filters().get("VbrId")
    with region.store.read() as state:
        vbrs = [dict(v) for v in state.get("vbrs", {}).values() if not wanted or v["vbr_id"] in wanted]
        cens = {v["vbr_id"]: cen_of(state, v["vbr_id"]) for v in vbrs}
    answer = []
    for vbr in vbrs:
        cen = cens[vbr["vbr_id"]]
        answer.append({
            "VbrId": vbr["vbr_id"], "Name": vbr["name"], "Status": "active", "VlanId": vbr["vlan_id"],
            "LocalGatewayIp": vbr["local_ip"], "PeerGatewayIp": vbr["peer_ip"],
            "PeeringSubnetMask": vbr["mask"], "PhysicalConnectionId": vbr["pc_id"],
            "PhysicalConnectionStatus": "Enabled", "PhysicalConnectionBusinessStatus": "Normal",
            "RouteTableId": vbr["route_table_id"], "CreationTime": ids.iso(vbr["created"]),
            "ActivationTime": ids.iso(vbr["created"]), "AccessPointId": "ap-cn-hangzhou-xx-A",
            "CircuitCode": "drlab-circuit-0001", "Bandwidth": 1000, "Mtu": 1500,
            "AssociatedCens": {"AssociatedCen": [{"CenId": cen[0], "CenStatus": cen[1]}] if cen else []},
        })
    chosen, page = by_number(params, answer)
    return {"VirtualBorderRouterSet": {"VirtualBorderRouterType": chosen}, **page}


@rpc("vpc", "CreateBgpGroup", mutating=True)
def create_bgp_group(region: Region, params: Params) -> dict[str, Any]:
    _need_region(region, params)
    router_id = params.need("RouterId")
    peer_asn = params.number("PeerAsn")
    if peer_asn is None:
        raise ApiError(400, "MissingParameter", "PeerAsn is mandatory for this action.")
    with region.store.write() as state:
        if router_id not in state.get("vbrs", {}):
            raise ApiError(400, "InvalidRouterId.NotFound", f"The VBR {router_id} does not exist.")
        group = new_bgp_group(state, router_id=router_id, peer_asn=peer_asn,
                              local_asn=params.number("LocalAsn") or VBR_ASN, name=params.text("Name") or "",
                              created=time.time())
    return {"BgpGroupId": group["bgp_group_id"]}


@rpc("vpc", "DescribeBgpGroups")
def describe_bgp_groups(region: Region, params: Params) -> dict[str, Any]:
    _need_region(region, params)
    router_id, group_id = params.text("RouterId"), params.text("BgpGroupId")
    with region.store.read() as state:
        groups = [dict(g) for g in state.get("bgp_groups", {}).values()
                  if (not router_id or g["router_id"] == router_id) and (not group_id or g["bgp_group_id"] == group_id)]
    answer = [{"BgpGroupId": g["bgp_group_id"], "RouterId": g["router_id"], "Name": g["name"],
               "LocalAsn": g["local_asn"], "PeerAsn": g["peer_asn"], "AuthKey": "", "Status": "Available",
               "Hold": 3, "Keepalive": 1, "RouteLimit": 110, "IsFake": False, "IpVersion": "IPV4",
               "RegionId": region.region_id, "Description": ""} for g in groups]
    chosen, page = by_number(params, answer)
    return {"BgpGroups": {"BgpGroup": chosen}, **page}


@rpc("vpc", "CreateBgpPeer", mutating=True)
def create_bgp_peer(region: Region, params: Params) -> dict[str, Any]:
    _need_region(region, params)
    group_id = params.need("BgpGroupId")
    with region.store.write() as state:
        group = state.get("bgp_groups", {}).get(group_id)
        if group is None:
            raise ApiError(400, "InvalidBgpGroupId.NotFound", f"The BGP group {group_id} does not exist.")
        peer = new_bgp_peer(state, group=group, peer_ip=params.text("PeerIpAddress") or "",
                            enable_bfd=bool(params.flag("EnableBfd", False)), created=time.time())
    netview.enable_peer(region.env)
    return {"BgpPeerId": peer["bgp_peer_id"]}


@rpc("vpc", "DescribeBgpPeers")
def describe_bgp_peers(region: Region, params: Params) -> dict[str, Any]:
    _need_region(region, params)
    wanted = {"router_id": params.text("RouterId"), "bgp_group_id": params.text("BgpGroupId"),
              "bgp_peer_id": params.text("BgpPeerId")}
    with region.store.read() as state:
        peers = [dict(p) for p in state.get("bgp_peers", {}).values()
                 if all(not v or p[k] == v for k, v in wanted.items())]
        groups = dict(state.get("bgp_groups", {}))
    live = netview.session(region.env) if peers else None
    answer = []
    for peer in peers:
        group = groups[peer["bgp_group_id"]]
        ready = settled(peer["created"], PEER_CREATE_SECONDS)
        assert live is not None
        answer.append({
            "BgpPeerId": peer["bgp_peer_id"], "BgpGroupId": peer["bgp_group_id"], "RouterId": peer["router_id"],
            "PeerIpAddress": peer["peer_ip"], "LocalAsn": str(group["local_asn"]),
            "PeerAsn": str(group["peer_asn"]), "BgpStatus": live.status if ready else "Idle",
            "Status": "Available" if ready else "Pending", "AdvertisedRouteCount": live.advertised,
            "ReceivedRouteCount": live.received, "Hold": "3", "Keepalive": "1",
            "EnableBfd": peer["enable_bfd"], "IpVersion": "IPV4", "IsFake": False, "RouteLimit": "110",
            "RegionId": region.region_id, "Name": group["name"], "AuthKey": "",
            "Description": live.note, "GmtModified": ids.iso(peer["created"]),
        })
    chosen, page = by_number(params, answer)
    return {"BgpPeers": {"BgpPeer": chosen}, **page}


def _route(cidr: str, kind: str, table: str, next_hops: list[dict[str, Any]]) -> dict[str, Any]:
    return {"DestinationCidrBlock": cidr, "Type": kind, "Status": "Available", "RouteTableId": table,
            "IpVersion": "IPv4", "Origin": "Sys" if kind == "System" else "Learned", "RouteEntryId": "",
            "RouteEntryName": "", "Description": "", "ServiceType": "", "GmtModified": "",
            "NextHops": {"NextHop": next_hops}}


def vbr_learnt(region: Region, state: State, vbr_id: str) -> tuple[list[str], str | None]:
    """The prefixes the VBR learnt from the data center over BGP (its peer Available and the
    session Established; read from BIRD), and the ID of that BGP peer."""
    peer = next((p for p in state.get("bgp_peers", {}).values() if p["router_id"] == vbr_id), None)
    if peer is None or not settled(peer["created"], PEER_CREATE_SECONDS):
        return [], None
    live = netview.session(region.env, with_prefixes=True)
    return (live.prefixes if live.status == "Established" else []), str(peer["bgp_peer_id"])


def attached_vbr(state: State) -> str | None:
    """The VBR attached to the same CEN as the VPC (both Attached)."""
    vpc_cen = cen_of(state, state["vpc"]["vpc_id"])
    if not vpc_cen or vpc_cen[1] != "Attached":
        return None
    return next((v for v in state.get("vbrs", {}) if cen_of(state, v) == (vpc_cen[0], "Attached")), None)


def idc_routes_learnt(region: Region, state: State) -> tuple[list[str], str | None]:
    """The data center's prefixes the VPC learnt through the CEN — exactly what the attached VBR
    learnt over an Established BGP session — and that VBR's ID."""
    vbr_id = attached_vbr(state)
    learnt = vbr_learnt(region, state, vbr_id)[0] if vbr_id else []
    return learnt, (vbr_id if learnt else None)


def _vpc_table(region: Region, state: State, table: str) -> list[dict[str, Any]]:
    """System routes, and the data center's prefixes as `CEN` routes. Through a transit router they
    arrive only while the VPC attachment advertises routes to the VPC, with the documented next hop
    `Attachment` (the VPC's transit-router attachment); a legacy CEN's routes carry no documented
    next hop, so the lab gives them none."""
    from drconsole.lab.region.ops.transit import attachment_of

    learnt, _ = idc_routes_learnt(region, state)
    routes = [_route(v["cidr"], "System", table, []) for v in state["vswitches"].values()]
    routes.append(_route("100.64.0.0/10", "System", table, []))
    through_tr = attachment_of(state, state["vpc"]["vpc_id"])
    if through_tr is None:
        return routes + [_route(cidr, "CEN", table, []) for cidr in learnt]
    attachment = through_tr[1]
    if not attachment["auto_publish"]:
        return routes
    hop = {"NextHopType": "Attachment", "NextHopId": attachment["attachment_id"],
           "NextHopRegionId": region.region_id, "Enabled": 1, "Weight": 0}
    return routes + [_route(cidr, "CEN", table, [hop]) for cidr in learnt]


def _vbr_table(region: Region, state: State, vbr_id: str, table: str) -> list[dict[str, Any]]:
    """The VBR's table: what it learnt over BGP (`BGP` routes) and, while it shares a CEN with the
    VPC, the VPC's vSwitch CIDRs (`CEN` routes). The documented next-hop types are a VPC table's, so
    these routes carry no next hop."""
    learnt, _ = vbr_learnt(region, state, vbr_id)
    routes = [_route(cidr, "BGP", table, []) for cidr in learnt]
    if attached_vbr(state) == vbr_id:
        routes += [_route(v["cidr"], "CEN", table, []) for v in state["vswitches"].values()]
    return routes


@rpc("vpc", "DescribeRouteEntryList")
def describe_route_entry_list(region: Region, params: Params) -> dict[str, Any]:
    _need_region(region, params)
    table = params.need("RouteTableId")
    with region.store.read() as state:
        vbr = next((v for v in state.get("vbrs", {}).values() if v["route_table_id"] == table), None)
        if table == state["vpc"]["route_table_id"]:
            routes = _vpc_table(region, state, table)
        elif vbr is not None:
            routes = _vbr_table(region, state, vbr["vbr_id"], table)
        else:
            raise ApiError(400, "InvalidRouteTableId.NotFound", f"The route table {table} does not exist.")
    kind, cidr = params.text("RouteEntryType"), params.text("DestinationCidrBlock")
    wanted = set(params.items("DestCidrBlockList"))
    routes = [r for r in routes if (not kind or r["Type"] == kind) and (not cidr or r["DestinationCidrBlock"] == cidr)
              and (not wanted or r["DestinationCidrBlock"] in wanted)]
    chosen, token = by_token(params, routes, ROUTE_ENTRIES_PER_PAGE, size_name="MaxResult")
    return {"RouteEntrys": {"RouteEntry": chosen}, "NextToken": token}
