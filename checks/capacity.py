"""Elastic capacity of the registered cluster (step 2's optional parts): ECS node pools whose nodes
are Ready on the on-premises side, the ack-virtual-node component with a Ready virtual node that
accepts a pod, and ECI vSwitches spread over at least two zones of the VPC.

Each check reads, then hands what it saw to a pure judge (`judge_*`), which the unit tests drive
without a lab. Sources for every name and field: docs/cloud-facts.md, "Elastic capacity"."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from drconsole.checks import _cloud, _k8s
from drconsole.checks._nodes import NODES, NodeView, parse_nodes
from drconsole.checks.topology import vswitch_zones
from drconsole.context import Context
from drconsole.registry import check
from drconsole.results import Evidence, Outcome

NAMESPACE = "kube-system"
VK_CONTROLLER = "ack-virtual-node-controller"
VK_CONTROLLER_PATH = f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/{VK_CONTROLLER}"
ECI_PROFILE = "eci-profile"
ECI_PROFILE_PATH = f"/api/v1/namespaces/{NAMESPACE}/configmaps/{ECI_PROFILE}"
ECI_VSWITCH_ENV = "ECI_VSWITCH"  # where ack-virtual-node before v2.0.0.90 keeps the vSwitches
ECI_MAX_VSWITCHES = 10
PROBE_NAMESPACE = "default"
VIRTUAL_STEP = "registered.eci-virtual-nodes"


class UsedParams(BaseModel):
    """`used` comes from the profile's `capacity` section: false (or unset) means the operator does not
    use this kind of elastic capacity, and the check stands aside."""

    model_config = ConfigDict(extra="forbid")
    used: bool


class PoolParams(UsedParams):
    cluster_id: str
    vpc_id: str


class VpcParams(UsedParams):
    vpc_id: str


def not_used(what: str, key: str) -> Outcome:
    return Outcome.skipped("CAPACITY-NOT-USED", f"the profile says {what} is not used (capacity.{key} = false)",
                           key=f"capacity.{key}")


# ---------------------------------------------------------------- ECS node pools
@dataclass(frozen=True)
class Pool:
    """One node pool as DescribeClusterNodePools reports it."""

    pool_id: str
    name: str
    state: str
    total_nodes: int
    vswitch_ids: tuple[str, ...]

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Pool:
        info, status = raw.get("nodepool_info") or {}, raw.get("status") or {}
        group = raw.get("scaling_group") or {}
        return cls(pool_id=str(info.get("nodepool_id", "?")), name=str(info.get("name") or info.get("nodepool_id")),
                   state=str(status.get("state") or "?"), total_nodes=int(status.get("total_nodes") or 0),
                   vswitch_ids=tuple(str(v) for v in group.get("vswitch_ids") or []))


def judge_pools(pools: list[Pool], nodes: list[NodeView], zone_of: Mapping[str, str],
                *evidence: Evidence) -> Outcome:
    """Pass when every node pool has nodes in the cluster and all of them are Ready."""
    if not pools:
        return Outcome.failed("CAPACITY-NO-POOL", "the registered cluster has no ECS node pool", *evidence)
    described, empty, problems = [], [], []
    for pool in pools:
        members = [n for n in nodes if n.pool == pool.pool_id]
        zones = sorted({zone_of.get(v, "?") for v in pool.vswitch_ids} | {n.zone for n in members if n.zone})
        described.append(f"{pool.name}: {sum(n.is_ready for n in members)}/{len(members)} Ready, vSwitches "
                         f"{', '.join(pool.vswitch_ids) or 'none'} in {', '.join(zones) or 'no zone'}")
        if not members:
            empty.append(f"node pool {pool.name} has no node in the cluster (the API counts "
                         f"{pool.total_nodes}, state {pool.state})")
        problems += [f"node {n.name} of {pool.name} is not Ready ({n.ready}{': ' + n.reason if n.reason else ''})"
                     for n in members if not n.is_ready]
    if empty or problems:
        code = "CAPACITY-POOL-EMPTY" if empty else "CAPACITY-NODE-NOT-READY"
        return Outcome.failed(code, "; ".join(empty + problems), *evidence, pools="; ".join(described))
    return Outcome.passed("ECS node pools ready: " + "; ".join(described), *evidence)


@check("capacity.ecs-pools", family="capacity", title="ECS node pools have Ready nodes in the registered cluster",
       timeout=_cloud.CLOUD_TIMEOUT)
async def ecs_pools(ctx: Context, params: PoolParams) -> Outcome:
    if not params.used:
        return not_used("ECS node pools", "ecs_node_pools")
    (pools, pools_ev), (zone_of, vsw_ev), (nodes, nodes_ev) = await asyncio.gather(
        _cloud.ask(ctx, "cs", "DescribeClusterNodePools",
                   lambda c, m: c.describe_cluster_node_pools(params.cluster_id, m.DescribeClusterNodePoolsRequest()),
                   asked=f"ClusterId={params.cluster_id}"),
        vswitch_zones(ctx, params.vpc_id), _k8s.get_list(ctx, "registered", NODES))
    viewed = parse_nodes(nodes)
    nodes_ev.answer = {n.name: {"Ready": n.ready, "pool": n.pool, "zone": n.zone} for n in viewed}
    return judge_pools([Pool.parse(p) for p in pools.get("nodepools") or []], viewed, zone_of,
                       pools_ev, vsw_ev, nodes_ev)


# ---------------------------------------------------------------- the virtual node
def probe_pod(node: NodeView, region: str) -> dict[str, Any]:
    """A pod bound to `node` that tolerates its taints, for a server-side dry run (never stored, so its
    image, the one ECI's own samples use, is never pulled)."""
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "drconsole-eci-probe", "namespace": PROBE_NAMESPACE},
            "spec": {"nodeName": node.name, "restartPolicy": "Never",
                     "tolerations": [{"key": k, "operator": "Equal", "value": v, "effect": e}
                                     for k, v, e in node.taints],
                     "containers": [{"name": "probe",
                                     "image": f"registry-vpc.{region}.aliyuncs.com/eci_open/nginx:1.14.2"}]}}


def installed_by(controller: Mapping[str, Any] | None, profile: Mapping[str, Any] | None) -> list[str]:
    """The documented signs of an installed ack-virtual-node, as seen."""
    seen = []
    if controller is not None:
        seen.append(f"Deployment {NAMESPACE}/{VK_CONTROLLER}")
    if profile is not None:
        seen.append(f"ConfigMap {NAMESPACE}/{ECI_PROFILE}")
    return seen


def judge_virtual(signs: list[str], nodes: list[NodeView], *evidence: Evidence) -> Outcome | NodeView:
    """A failing outcome, or the Ready virtual node to try a pod on."""
    virtual = [n for n in nodes if n.virtual]
    if not signs and not virtual:
        return Outcome.failed("CAPACITY-VK-NOT-INSTALLED", "the virtual-node component is not installed in the "
                              "registered cluster", *evidence)
    if not virtual:
        return Outcome.failed("CAPACITY-VK-NO-NODE", "ack-virtual-node is installed but no virtual node has "
                              "registered", *evidence, signs=", ".join(signs))
    ready = [n for n in virtual if n.is_ready]
    if not ready:
        states = "; ".join(f"{n.name} Ready={n.ready}{' (' + n.reason + ')' if n.reason else ''}" for n in virtual)
        return Outcome.failed("CAPACITY-VK-NOT-READY", f"no virtual node is Ready: {states}", *evidence)
    return ready[0]


def judge_probe(node: NodeView, status: int, body: Any, *evidence: Evidence) -> Outcome:
    if 200 <= status < 300:
        return Outcome.passed(f"virtual node {node.name} is Ready ({node.virtual}) and accepts a test pod "
                              "(server-side dry run)", *evidence)
    message = body.get("message") if isinstance(body, dict) else body
    return Outcome.failed("CAPACITY-VK-POD-REFUSED", f"the API server refused a test pod on virtual node "
                          f"{node.name} (HTTP {status})", *evidence, cause=str(message))


@check("capacity.virtual-node", family="capacity",
       title="The virtual-node component is installed and its virtual node Ready", timeout=6.0)
async def virtual_node(ctx: Context, params: UsedParams) -> Outcome:
    if not params.used:
        return not_used("ECI", "eci")
    (controller, ctl_ev), (profile, prof_ev), (nodes, nodes_ev) = await asyncio.gather(
        _k8s.get(ctx, "registered", VK_CONTROLLER_PATH), _k8s.get(ctx, "registered", ECI_PROFILE_PATH),
        _k8s.get_list(ctx, "registered", NODES))
    viewed = parse_nodes(nodes)
    nodes_ev.answer = {n.name: {"Ready": n.ready, "virtual": n.virtual, "zone": n.zone} for n in viewed}
    found = judge_virtual(installed_by(controller, profile), viewed, ctl_ev, prof_ev, nodes_ev)
    if isinstance(found, Outcome):
        return found
    path = f"/api/v1/namespaces/{PROBE_NAMESPACE}/pods?dryRun=All"
    pod = probe_pod(found, ctx.profile.cloud.region)
    reply = await ctx.blocking(_k8s.request, ctx, "registered", path, "POST", pod)
    probe_ev = Evidence(source=f"kube:{ctx.kube_context('registered')}", asked=f"POST {path} (nodeName {found.name})",
                        answer={"status": reply.status}, ms=reply.ms)
    return judge_probe(found, reply.status, reply.body, ctl_ev, prof_ev, nodes_ev, probe_ev)


# ---------------------------------------------------------------- ECI across zones
@dataclass(frozen=True)
class EciConfig:
    """The vSwitches (and VPC) ECI pods of the cluster are created in, and where that was read."""

    vswitch_ids: tuple[str, ...]
    vpc_id: str | None
    source: str


def split_ids(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def eci_config(profile: Mapping[str, Any] | None, controller: Mapping[str, Any] | None) -> EciConfig | None:
    """The eci-profile's data.vSwitchIds (current ack-virtual-node), else the controller's ECI_VSWITCH
    environment variable (before v2.0.0.90); None when neither exists."""
    if profile is not None:
        data = profile.get("data") or {}
        return EciConfig(split_ids(str(data.get("vSwitchIds") or "")), data.get("vpcId") or None,
                         f"ConfigMap {NAMESPACE}/{ECI_PROFILE} data.vSwitchIds")
    if controller is not None:
        for container in (((controller.get("spec") or {}).get("template") or {}).get("spec") or {}).get(
                "containers") or []:
            env = {e.get("name"): e.get("value") for e in container.get("env") or []}
            if env.get(ECI_VSWITCH_ENV):
                return EciConfig(split_ids(str(env[ECI_VSWITCH_ENV])), env.get("ECI_VPC") or None,
                                 f"Deployment {NAMESPACE}/{VK_CONTROLLER} env {ECI_VSWITCH_ENV}")
    return None


def missing_zones(config: EciConfig, zone_of: Mapping[str, str]) -> dict[str, list[str]]:
    """Zone -> the VPC's vSwitches there, for every zone the ECI configuration does not use yet."""
    used = {zone_of.get(v) for v in config.vswitch_ids}
    spare: dict[str, list[str]] = {}
    for vswitch, zone in sorted(zone_of.items()):
        if zone not in used:
            spare.setdefault(zone, []).append(vswitch)
    return spare


def judge_zones(config: EciConfig | None, vpc_id: str, zone_of: Mapping[str, str], *evidence: Evidence) -> Outcome:
    """At least two zones, every vSwitch in the profile's VPC, at most the documented maximum."""
    if config is None:
        return Outcome.failed("CAPACITY-ECI-NO-CONFIG", "no ECI configuration in the registered cluster", *evidence)
    problems = []
    if config.vpc_id and config.vpc_id != vpc_id:
        problems.append(f"the configuration names VPC {config.vpc_id}, the profile's VPC is {vpc_id}")
    outside = [v for v in config.vswitch_ids if v not in zone_of]
    if outside:
        problems.append(f"{', '.join(outside)} {'is' if len(outside) == 1 else 'are'} not a vSwitch of {vpc_id}")
    if len(config.vswitch_ids) > ECI_MAX_VSWITCHES:
        problems.append(f"{len(config.vswitch_ids)} vSwitches; ECI accepts at most {ECI_MAX_VSWITCHES}")
    invalid = bool(problems)
    zones = sorted({zone_of[v] for v in config.vswitch_ids if v in zone_of})
    spare = missing_zones(config, zone_of)
    if len(zones) < 2:
        offer = "; ".join(f"{zone}: {', '.join(ids)}" for zone, ids in spare.items()) or "none in the VPC"
        problems.append(f"ECI vSwitches cover {len(zones)} zone(s) ({', '.join(zones) or 'none'}); burst capacity "
                        f"fails with that zone (vSwitches in other zones: {offer})")
    if problems:
        code = "CAPACITY-ECI-VSWITCH-INVALID" if invalid else "CAPACITY-ECI-ONE-ZONE"
        return Outcome.failed(code, "; ".join(problems), *evidence, source=config.source, vpc=vpc_id,
                              most=ECI_MAX_VSWITCHES)
    return Outcome.passed(f"ECI can create pods in {len(zones)} zones ({', '.join(zones)}) through "
                          f"{len(config.vswitch_ids)} vSwitches of {vpc_id} ({config.source})", *evidence)


@check("capacity.eci-zones", family="capacity", title="ECI vSwitches span at least two zones of the VPC",
       timeout=_cloud.CLOUD_TIMEOUT)
async def eci_zones(ctx: Context, params: VpcParams) -> Outcome:
    if not params.used:
        return not_used("ECI", "eci")
    (profile, prof_ev), (controller, ctl_ev), (zone_of, vsw_ev) = await asyncio.gather(
        _k8s.get(ctx, "registered", ECI_PROFILE_PATH), _k8s.get(ctx, "registered", VK_CONTROLLER_PATH),
        vswitch_zones(ctx, params.vpc_id))
    return judge_zones(eci_config(profile, controller), params.vpc_id, zone_of, prof_ev, ctl_ev, vsw_ev)
