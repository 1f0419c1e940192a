"""Private names: each must resolve, through the resolvers the data center uses and from the data
center's side, to an address inside the ranges where that service lives privately."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from drconsole import sweepreads
from drconsole.context import Context
from drconsole.probes.dns import Resolution, resolve
from drconsole.profile import Profile
from drconsole.registry import check
from drconsole.results import Evidence, Outcome

Service = Literal["acr", "acr-ee", "oss", "gateway"]


def lookup(where: str | None, name: str, resolvers: list[str], port: int) -> Resolution:
    """`resolve` (blocking); within a sweep, checks asking the same resolvers for the same name from the same
    vantage share one lookup (drconsole.sweepreads)."""
    return sweepreads.shared(("dns", where, name, tuple(resolvers), port),
                             lambda: resolve(where, name, resolvers, port))


@dataclass(frozen=True)
class Target:
    """A private name, what it is, where its addresses must lie, and the step that fixes it."""

    service: Service
    label: str
    name: str | None
    expected: list[ipaddress.IPv4Network]
    expected_key: str
    fix_step: str


def target(profile: Profile, service: Service) -> Target:
    acr, oss, gateway = profile.services.acr, profile.services.oss, profile.gateway
    if service == "acr":
        return Target(service, "the ACR VPC endpoint", acr.endpoint, list(acr.vip_ranges),
                      "services.acr.vip_ranges", "network.routes-acr")
    if service == "acr-ee":
        return Target(service, "the ACR Enterprise instance's VPC endpoint", profile.acr_enterprise_host(),
                      list(acr.vip_ranges), "services.acr.vip_ranges", "network.routes-acr")
    if service == "oss":
        return Target(service, "the OSS internal endpoint", oss.endpoint, list(oss.vip_ranges),
                      "services.oss.vip_ranges", "network.routes-oss")
    if gateway.address is not None:
        return Target(service, "the application host", gateway.host,
                      [ipaddress.IPv4Network(f"{gateway.address}/32")], "gateway.address", "gateway.ingress")
    return Target(service, "the application host", gateway.host, list(profile.network.vpc_cidrs),
                  "network.vpc_cidrs", "gateway.ingress")


def outside(addresses: list[str], expected: list[ipaddress.IPv4Network]) -> list[str]:
    return [a for a in addresses if not any(ipaddress.IPv4Address(a) in net for net in expected)]


def evidence_of(res: Resolution, resolvers: list[str], port: int, where: str | None) -> Evidence:
    asked = f"A {res.name} via {', '.join(f'{r}:{port}' for r in resolvers)}"
    asked += f" (from network namespace {where})" if where else ""
    return Evidence(source="dns", asked=asked, ms=res.ms, answer={
        "server": res.server, "rcode": res.rcode, "addresses": res.addresses, "failures": res.failures or None})


def problem(res: Resolution, tgt: Target) -> tuple[str, str] | None:
    """(finding code, summary) when the answer is not a private address of the service; None when it is."""
    if not res.answered:
        refused = bool(res.silent) and all(s.kind == "refused" for s in res.silent)
        return ("DNS-RESOLVER-REFUSED" if refused else "DNS-TIMEOUT",
                f"{res.name} did not resolve: no resolver answered ({'; '.join(res.failures)})")
    if res.rcode == "NXDOMAIN":
        return "DNS-NXDOMAIN", f"{res.name} does not exist for {res.server} (NXDOMAIN)"
    if res.rcode != "NOERROR" or not res.addresses:
        return "DNS-NO-ADDRESS", f"{res.name}: {res.server} answered {res.rcode} with no address"
    wrong = outside(res.addresses, tgt.expected)
    if not wrong:
        return None
    public = [a for a in wrong if ipaddress.IPv4Address(a).is_global]
    ranges = ", ".join(str(n) for n in tgt.expected)
    if public:
        return ("DNS-PUBLIC-ANSWER",
                f"{res.name} resolves to the public address {', '.join(public)}, not a private one ({ranges})")
    return "DNS-OUTSIDE-RANGES", f"{res.name} resolves to {', '.join(wrong)}, outside the expected ranges {ranges}"


def unresolvable(profile: Profile, tgt: Target) -> Outcome | None:
    """Why a private name cannot be looked up from this profile (a `skipped` outcome), or None."""
    if tgt.name is None:
        return Outcome.skipped("DNS-NO-ENTERPRISE-INSTANCE",
                               "no ACR Enterprise instance in the profile (services.acr.enterprise_instance)")
    if not profile.network.resolvers:
        return Outcome.skipped("DNS-NO-RESOLVERS", "the profile lists no data-center resolvers (network.resolvers)")
    return None


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: Service


@check("dns.private-name", family="dns", title="Private name resolves to a private address from the data center",
       timeout=5.0)
async def private_name(ctx: Context, params: Params) -> Outcome:
    profile = ctx.profile
    tgt = target(profile, params.service)
    missing = unresolvable(profile, tgt)
    if missing:
        return missing
    resolvers = [str(r) for r in profile.network.resolvers]
    if not tgt.expected:
        return Outcome.skipped("DNS-NO-RANGES", f"the profile has no private ranges for {tgt.label} "
                               f"({tgt.expected_key})", key=tgt.expected_key)
    where, port = profile.network.vantage_netns, profile.network.resolver_port
    res = await ctx.blocking(lookup, where, tgt.name, resolvers, port)
    evidence = evidence_of(res, resolvers, port, where)
    found = problem(res, tgt)
    if found is not None:
        code, summary = found
        return Outcome.failed(code, summary, evidence, fix_step=tgt.fix_step, name=tgt.name, label=tgt.label,
                              rcode=res.rcode, key=tgt.expected_key)
    return Outcome.passed(f"{tgt.name} resolves to {', '.join(res.addresses)} (private, via {res.server})", evidence)
