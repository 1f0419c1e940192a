"""Gateway, the MSE side: the cloud-native gateway the Fleet's MseIngressConfig made, found by what
identifies it rather than by its default name, runs and has an intranet entry the data center can
reach over Express Connect.

Other gateways in the VPC may carry the same default name `mse-ingress`. What identifies ours, in
order: a gateway ID the MseIngressConfig reports in its status (which field carries it is not
documented, so any `gw-…` value at the top of the status counts), `spec.id` (reuse mode), and the
resource tags a gateway made through an MseIngressConfig carries ("Configure an MseIngressConfig":
`ingress.k8s.alibaba/MseIngressConfig` names the config, `ack.aliyun.com` the cluster). The gateway's
status and addresses come from its entry in ListGateway: its SLBs (`Slb[].Type` PRIVATE_NET / PUB_NET,
SDK model; `InternetSlb[]`, Internet-facing) and its entries (`GatewayEntry[].NetType`, whose values are
not documented: `Intranet` / `Internet` are accepted). The summary names the fields it read."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from drconsole.checks import _cloud, _k8s
from drconsole.checks.gateway_k8s import MSE_CONFIGS
from drconsole.context import Context
from drconsole.registry import check
from drconsole.results import Evidence, Outcome

DEFAULT_NAME = "mse-ingress"
CONFIG_TAG = "ingress.k8s.alibaba/MseIngressConfig"
CLUSTER_TAG = "ack.aliyun.com"
GATEWAY_ID = re.compile(r"^gw-[0-9a-z]+$")
GATEWAY_RUNNING = 2
GATEWAY_STATUS = {0: "creating", 1: "create failed", 2: "running", 3: "changing", 4: "scaling in",
                  6: "scaling out", 8: "deleting", 9: "suspended", 10: "restarting", 11: "rebuilding",
                  12: "upgrading", 13: "upgrade failed"}
PRIVATE = {"slb": "PRIVATE_NET", "entry": "Intranet"}
PUBLIC = {"slb": "PUB_NET", "entry": "Internet"}


class GatewayParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mse_ingress_config: str
    vpc_id: str
    fleet_id: str


@dataclass(frozen=True)
class Identity:
    """Which gateway is the MseIngressConfig's, and how we know; `gateway` is None when none or
    several fit (`others` lists what was set aside, with why)."""
    gateway: dict[str, Any] | None
    how: str
    others: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Addresses:
    private: list[str]
    public: list[str]
    seen: list[str]  # which fields said so, e.g. "Slb[].Type=PRIVATE_NET"


def reported_gateway_id(config: dict[str, Any]) -> tuple[str, str] | None:
    """(field, gateway ID) when the MseIngressConfig's status carries a gateway ID; the field that
    would is not documented, so any top-level status value shaped `gw-…` counts."""
    for key, value in sorted((config.get("status") or {}).items()):
        if isinstance(value, str) and GATEWAY_ID.match(value):
            return f"status.{key}", value
    return None


def tags_by_gateway(rows: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """ListTagResources rows -> {gateway ID: {key: value}}."""
    found: dict[str, dict[str, str]] = {}
    for row in rows:
        found.setdefault(str(row.get("ResourceId")), {})[str(row.get("TagKey"))] = str(row.get("TagValue"))
    return found


def identify(candidates: list[dict[str, Any]], tags: dict[str, dict[str, str]], config_name: str,
             fleet_id: str) -> Identity:
    """Among same-named gateways in the VPC, the one whose tags name this MseIngressConfig and the
    Fleet. A gateway whose tags name another config or cluster is never ours; one without those tags
    is ours only when it is the only candidate left."""
    ours, untagged, others = [], [], []
    for gateway in candidates:
        gid = str(gateway.get("GatewayUniqueId"))
        mine = tags.get(gid, {})
        config, cluster = mine.get(CONFIG_TAG), mine.get(CLUSTER_TAG)
        if (config is not None and config != config_name) or (cluster is not None and cluster != fleet_id):
            others.append(f"{gid} (tags {CONFIG_TAG}={config}, {CLUSTER_TAG}={cluster})")
        elif config is None and cluster is None:
            untagged.append(gateway)
        else:
            ours.append(gateway)
    if len(ours) == 1:
        return Identity(ours[0], f"tags {CONFIG_TAG}={config_name}, {CLUSTER_TAG}={fleet_id}", others)
    if len(ours) > 1:
        return Identity(None, "tags", others, [str(g.get("GatewayUniqueId")) for g in ours])
    if len(untagged) == 1:
        return Identity(untagged[0], "name only (it carries no MseIngressConfig tags)", others)
    return Identity(None, "name", others, [str(g.get("GatewayUniqueId")) for g in untagged])


def addresses(gateway: dict[str, Any]) -> Addresses:
    """The gateway's private and public addresses from its SLBs and its entries."""
    private: list[str] = []
    public: list[str] = []
    seen: list[str] = []
    sources = [("Slb[].Type", slb.get("Type"), [slb.get("SlbIp")], PRIVATE["slb"], PUBLIC["slb"])
               for slb in gateway.get("Slb") or []]
    sources += [("InternetSlb[]", PUBLIC["slb"], [slb.get("SlbIp")], PRIVATE["slb"], PUBLIC["slb"])
                for slb in gateway.get("InternetSlb") or []]
    sources += [("GatewayEntry[].NetType", entry.get("NetType"), entry.get("IpList") or [], PRIVATE["entry"],
                 PUBLIC["entry"]) for entry in gateway.get("GatewayEntry") or []]
    for where, kind, ips, private_word, public_word in sources:
        target = private if kind == private_word else public if kind == public_word else None
        if target is None:
            continue
        new = [str(ip) for ip in ips if ip and str(ip) not in target]
        if new:
            target.extend(new)
            seen.append(f"{where}={kind}")
    return Addresses(private, public, sorted(set(seen)))


def judge_gateway(gateway: dict[str, Any], status: Any, how: str, expected: str | None,
                  *evidence: Evidence) -> Outcome:
    """Running, with an intranet address; a public-only gateway fails with the private-SLB remedy."""
    gateway_id, name = gateway.get("GatewayUniqueId"), gateway.get("Name")
    if status != GATEWAY_RUNNING:
        words = GATEWAY_STATUS.get(status, f"status {status}") if isinstance(status, int) else str(status)
        return Outcome.failed("GW-MSE-NOT-RUNNING", f"MSE gateway {gateway_id} is {words}", *evidence,
                              status=status, words=words)
    found = addresses(gateway)
    if not found.private and found.public:
        return Outcome.failed("GW-MSE-PUBLIC-ONLY", f"MSE gateway {gateway_id} has only a public address "
                              f"({', '.join(found.public)}); the data center needs an intranet one", *evidence,
                              public=", ".join(found.public))
    if not found.private:
        return Outcome.failed("GW-MSE-NO-ADDRESS", f"MSE gateway {gateway_id} runs but has no entry address",
                              *evidence)
    said = f"identified by {how}; address from {', '.join(found.seen)}"
    if expected and expected not in found.private:
        return Outcome.warned("GW-MSE-ADDRESS-DIFFERS", f"MSE gateway {gateway_id} answers on "
                              f"{', '.join(found.private)}, the profile says {expected} ({said})", *evidence)
    return Outcome.passed(f"MSE gateway {gateway_id} ({name}) is running at {', '.join(found.private)} ({said})",
                          *evidence)


@check("gateway.mse-gateway", family="gateway", title="The MseIngressConfig's MSE gateway runs with an intranet "
       "address", timeout=_cloud.CLOUD_TIMEOUT)
async def mse_gateway(ctx: Context, params: GatewayParams) -> Outcome:
    # the VPC's gateways are listed while the MseIngressConfig is read: a gateway's entry in the list carries
    # its status, SLBs and entries, so two round trips (three with the tags) judge it
    (config, config_ev), (body, list_ev) = await asyncio.gather(
        _k8s.get(ctx, "fleet", f"{MSE_CONFIGS}/{params.mse_ingress_config}"),
        _cloud.ask(ctx, "mse", "ListGateway",
                   lambda c, m, **page: c.list_gateway(m.ListGatewayRequest(
                       page_size=50, filter_params=m.ListGatewayRequestFilterParams(vpc=params.vpc_id), **page)),
                   asked=f"FilterParams Vpc={params.vpc_id}", pages="Data.Result"))
    if config is None:
        return Outcome.failed("GW-MSE-NO-CONFIG", f"MseIngressConfig {params.mse_ingress_config} does not exist, "
                              "so there is no gateway to look for", config_ev)
    spec = config.get("spec") or {}
    name, reused, reported = spec.get("name") or DEFAULT_NAME, spec.get("id"), reported_gateway_id(config)
    pinned = reported[1] if reported else reused
    config_ev.answer = {"spec.name": name, "spec.id": reused,
                        **({reported[0]: reported[1]} if reported else {})}
    listed = (body.get("Data") or {}).get("Result") or []
    evidence: list[Evidence] = [config_ev, list_ev]
    if pinned:
        identity = Identity(next((g for g in listed if g.get("GatewayUniqueId") == pinned), None),
                            reported[0] if reported else "spec.id")
    else:
        candidates = [g for g in listed if g.get("Name") == name]
        rows: list[dict[str, Any]] = []
        if candidates:
            ids = [str(g.get("GatewayUniqueId")) for g in candidates]
            tagged, tags_ev = await _cloud.ask(
                ctx, "mse", "ListTagResources",
                lambda c, m: c.list_tag_resources(m.ListTagResourcesRequest(
                    region_id=ctx.profile.cloud.region, resource_type="GATEWAY", resource_id=ids)),
                asked=f"ResourceType=GATEWAY ResourceId={','.join(ids)}")
            rows = (tagged.get("TagResources") or {}).get("TagResource") or []
            evidence.append(tags_ev)
        identity = identify(candidates, tags_by_gateway(rows), params.mse_ingress_config, params.fleet_id)
    if identity.ambiguous:
        return Outcome.failed("GW-MSE-AMBIGUOUS", f"{len(identity.ambiguous)} gateways named {name} in "
                              f"{params.vpc_id} could be MseIngressConfig {params.mse_ingress_config}'s: "
                              f"{', '.join(identity.ambiguous)}", *evidence,
                              candidates=", ".join(identity.ambiguous))
    if identity.gateway is None:
        others = f" (not ours: {'; '.join(identity.others)})" if identity.others else ""
        return Outcome.failed("GW-MSE-MISSING", f"MSE has no gateway {pinned or name} in {params.vpc_id} for "
                              f"MseIngressConfig {params.mse_ingress_config}{others}", *evidence)
    expected = str(ctx.profile.gateway.address) if ctx.profile.gateway.address else None
    return judge_gateway(identity.gateway, identity.gateway.get("Status"), identity.how, expected, *evidence)
