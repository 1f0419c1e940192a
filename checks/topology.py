"""Topology: the Fleet and both clusters share one VPC, the two clusters sit in different zones
(by the API and by their nodes' zone labels), and the address plan has no overlaps."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from drconsole.checks import _cloud, _k8s
from drconsole.checks._nodes import NODES, ZONE_LABEL
from drconsole.context import ClusterRole, Context
from drconsole.paging import entries_at
from drconsole.registry import NoParams, check
from drconsole.results import Evidence, Outcome

CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
Networks = list[ipaddress.IPv4Network]


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SameVpcParams(Params):
    vpc_id: str
    fleet_id: str
    ack_cluster_id: str
    registered_cluster_id: str


class ZonesParams(Params):
    vpc_id: str
    ack_cluster_id: str
    registered_cluster_id: str


class CidrPlanParams(Params):
    idc_cidrs: Networks
    vpc_cidrs: Networks


class VpcCidrParams(Params):
    vpc_id: str
    idc_cidrs: Networks
    vpc_cidrs: Networks


async def fleet_details(ctx: Context, fleet_id: str) -> tuple[dict[str, Any], Evidence]:
    body, evidence = await _cloud.ask(
        ctx, "adcp", "DescribeHubClusterDetails",
        lambda c, m: c.describe_hub_cluster_details(m.DescribeHubClusterDetailsRequest(cluster_id=fleet_id)),
        asked=f"ClusterId={fleet_id}")
    return body.get("Cluster") or {}, evidence


async def cluster_detail(ctx: Context, cluster_id: str) -> tuple[dict[str, Any], Evidence]:
    return await _cloud.ask(ctx, "cs", "DescribeClusterDetail", lambda c, m: c.describe_cluster_detail(cluster_id),
                            asked=f"ClusterId={cluster_id}")


@check("topology.same-vpc", family="topology", title="The Fleet and both clusters are in the profile's VPC",
       timeout=_cloud.CLOUD_TIMEOUT)
async def same_vpc(ctx: Context, params: SameVpcParams) -> Outcome:
    (fleet, fleet_ev), (ack, ack_ev), (reg, reg_ev) = await asyncio.gather(
        fleet_details(ctx, params.fleet_id), cluster_detail(ctx, params.ack_cluster_id),
        cluster_detail(ctx, params.registered_cluster_id))
    found = {f"the Fleet {params.fleet_id}": (fleet.get("Network") or {}).get("VpcId"),
             f"the ACK cluster {params.ack_cluster_id}": ack.get("vpc_id"),
             f"the registered cluster {params.registered_cluster_id}": reg.get("vpc_id")}
    elsewhere = [f"{who} is in {vpc or 'no VPC'}" for who, vpc in found.items() if vpc != params.vpc_id]
    if elsewhere:
        return Outcome.failed("TOPO-VPC-SPLIT", f"not all in {params.vpc_id}: " + "; ".join(elsewhere), fleet_ev,
                              ack_ev, reg_ev, elsewhere="; ".join(elsewhere), vpc=params.vpc_id)
    return Outcome.passed(f"the Fleet and both clusters are in {params.vpc_id}", fleet_ev, ack_ev, reg_ev)


VSWITCHES = "VSwitches.VSwitch"  # where DescribeVSwitches lists them


async def vswitch_zones(ctx: Context, vpc_id: str) -> tuple[dict[str, str], Evidence]:
    """vSwitch ID -> zone for every vSwitch of the VPC (DescribeVSwitches, every page), and the evidence."""
    body, evidence = await _cloud.ask(ctx, "vpc", "DescribeVSwitches",
                                      lambda c, m, **page: c.describe_vswitches(m.DescribeVSwitchesRequest(
                                          region_id=ctx.profile.cloud.region, vpc_id=vpc_id, page_size=50, **page)),
                                      asked=f"VpcId={vpc_id}", pages=VSWITCHES)
    return zones_of(entries_at(body, VSWITCHES)), evidence


def zones_of(vswitches: list[Mapping[str, Any]]) -> dict[str, str]:
    """vSwitch ID -> zone, from DescribeVSwitches' entries."""
    return {str(v.get("VSwitchId")): str(v.get("ZoneId")) for v in vswitches}


@check("topology.zones-api", family="topology", title="The two clusters are in different zones (API)",
       timeout=_cloud.CLOUD_TIMEOUT)
async def zones_api(ctx: Context, params: ZonesParams) -> Outcome:
    (ack, ack_ev), (reg, reg_ev), (zone_of, vsw_ev) = await asyncio.gather(
        cluster_detail(ctx, params.ack_cluster_id), cluster_detail(ctx, params.registered_cluster_id),
        vswitch_zones(ctx, params.vpc_id))
    ack_zones, reg_zones = _zones(ack, zone_of), _zones(reg, zone_of)
    evidence = (ack_ev, reg_ev, vsw_ev)
    if not ack_zones or not reg_zones:
        who = "the ACK cluster" if not ack_zones else "the registered cluster"
        return Outcome.failed("TOPO-ZONE-UNKNOWN", f"{who} has no zone in the API (no zone_id and no known "
                              "vSwitch)", *evidence, who=who, vpc=params.vpc_id)
    shared = sorted(ack_zones & reg_zones)
    if shared:
        return Outcome.failed("TOPO-SAME-ZONE", f"both clusters are in {', '.join(shared)}", *evidence,
                              cause=f"the ACK cluster ({', '.join(sorted(ack_zones))}) and the registered cluster "
                                    f"({', '.join(sorted(reg_zones))}) share {', '.join(shared)}: one zone outage "
                                    "takes both copies of the application")
    return Outcome.passed(f"ACK cluster in {', '.join(sorted(ack_zones))}, registered cluster in "
                          f"{', '.join(sorted(reg_zones))}", *evidence)


def _zones(cluster: dict[str, Any], zone_of: dict[str, Any]) -> set[str]:
    zones = {zone_of.get(v) for v in cluster.get("vswitch_ids") or []} | {cluster.get("zone_id")}
    return {str(z) for z in zones if z}


async def node_zones(ctx: Context, role: ClusterRole) -> tuple[dict[str, str | None], Evidence]:
    nodes, evidence = await _k8s.get_list(ctx, role, NODES)
    zones = {n["metadata"]["name"]: (n["metadata"].get("labels") or {}).get(ZONE_LABEL) for n in nodes}
    evidence.answer = {"nodes": zones}
    return zones, evidence


@check("topology.zones-nodes", family="topology",
       title="The two clusters' nodes are labelled with different zones", timeout=5.0)
async def zones_nodes(ctx: Context, params: NoParams) -> Outcome:
    (ack, ack_ev), (reg, reg_ev) = await asyncio.gather(node_zones(ctx, "ack"), node_zones(ctx, "registered"))
    ack_zones, reg_zones = {z for z in ack.values() if z}, {z for z in reg.values() if z}
    for role, nodes, zones in (("ack", ack, ack_zones), ("registered", reg, reg_zones)):
        if not nodes:
            return Outcome.failed("TOPO-NO-NODES", f"{_k8s.noun(role)} has no nodes", ack_ev, reg_ev,
                                  who=_k8s.noun(role))
        if not zones:
            return Outcome.warned("TOPO-NODES-UNLABELLED", f"{_k8s.noun(role)}'s nodes carry no {ZONE_LABEL} label",
                                  ack_ev, reg_ev, who=_k8s.noun(role))
    shared = sorted(ack_zones & reg_zones)
    if shared:
        return Outcome.failed("TOPO-NODES-SAME-ZONE", f"nodes of both clusters are in {', '.join(shared)}", ack_ev,
                              reg_ev, cause=f"the ACK cluster's nodes ({', '.join(sorted(ack_zones))}) and the "
                                            f"registered cluster's nodes ({', '.join(sorted(reg_zones))}) share "
                                            f"{', '.join(shared)}")
    expected = {"ack": ctx.profile.clusters.ack.zone, "registered": ctx.profile.clusters.registered.zone}
    off = [f"{_k8s.noun(role)} is labelled {', '.join(sorted(zones))}, the profile says {expected[role]}"
           for role, zones in (("ack", ack_zones), ("registered", reg_zones))
           if expected[role] and expected[role] not in zones]
    if off:
        return Outcome.warned("TOPO-NODES-OFF-PROFILE", "node zones differ from the profile: " + "; ".join(off),
                              ack_ev, reg_ev, cause="; ".join(off))
    return Outcome.passed(f"ACK nodes in {', '.join(sorted(ack_zones))}, registered-cluster nodes in "
                          f"{', '.join(sorted(reg_zones))}", ack_ev, reg_ev)


def overlaps(idc: Networks, vpc: Networks) -> list[str]:
    """Every collision of the address plan, in words."""
    problems = [f"IDC {i} overlaps VPC {v}" for i in idc for v in vpc if i.overlaps(v)]
    problems += [f"{kind} {n} overlaps {CGNAT} (reserved by Alibaba Cloud)"
                 for kind, nets in (("IDC", idc), ("VPC", vpc)) for n in nets if n.overlaps(CGNAT)]
    return problems


@check("topology.cidrs-plan", family="topology", title="IDC and VPC CIDRs do not overlap (profile)",
       timeout=1.0)
async def cidrs_plan(ctx: Context, params: CidrPlanParams) -> Outcome:
    evidence = Evidence(source="profile", asked="network.idc_cidrs, network.vpc_cidrs",
                        answer={"idc_cidrs": [str(n) for n in params.idc_cidrs],
                                "vpc_cidrs": [str(n) for n in params.vpc_cidrs]})
    if not params.idc_cidrs or not params.vpc_cidrs:
        return Outcome.failed("TOPO-CIDRS-MISSING", "the profile lists no IDC or no VPC CIDR", evidence)
    problems = overlaps(params.idc_cidrs, params.vpc_cidrs)
    if problems:
        return Outcome.failed("TOPO-CIDRS-OVERLAP", "; ".join(problems), evidence)
    return Outcome.passed(f"{len(params.idc_cidrs)} IDC and {len(params.vpc_cidrs)} VPC CIDRs are disjoint and "
                          f"outside {CGNAT}", evidence)


@check("topology.vpc-cidr", family="topology", title="The VPC's CIDR from the API is planned and clear of the IDC",
       timeout=_cloud.CLOUD_TIMEOUT)
async def vpc_cidr(ctx: Context, params: VpcCidrParams) -> Outcome:
    body, evidence = await _cloud.ask(
        ctx, "vpc", "DescribeVpcs",
        lambda c, m: c.describe_vpcs(m.DescribeVpcsRequest(region_id=ctx.profile.cloud.region, vpc_id=params.vpc_id)),
        asked=f"VpcId={params.vpc_id}")
    vpcs = [v for v in (body.get("Vpcs") or {}).get("Vpc") or [] if v.get("VpcId") == params.vpc_id]
    if not vpcs:
        return Outcome.failed("TOPO-VPC-MISSING", f"VPC {params.vpc_id} does not exist in "
                              f"{ctx.profile.cloud.region}", evidence)
    blocks = [vpcs[0].get("CidrBlock"), *((vpcs[0].get("SecondaryCidrBlocks") or {}).get("SecondaryCidrBlock") or [])]
    actual = [ipaddress.IPv4Network(b) for b in blocks if b]
    problems = overlaps(params.idc_cidrs, actual)
    if problems:
        return Outcome.failed("TOPO-VPC-OVERLAP", "; ".join(problems), evidence)
    unplanned = [str(n) for n in actual if not any(n.subnet_of(p) for p in params.vpc_cidrs)]
    if unplanned:
        return Outcome.warned("TOPO-VPC-UNPLANNED", f"the VPC has {', '.join(unplanned)}, which the profile's "
                              "vpc_cidrs do not cover", evidence)
    return Outcome.passed(f"VPC {params.vpc_id} uses {', '.join(map(str, actual))}: planned and clear of the IDC",
                          evidence)
