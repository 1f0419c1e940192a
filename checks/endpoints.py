"""The private service endpoints, as a data-center host uses them: resolve the name, connect to the
private address, verify TLS for the name, and read the service's answer to an anonymous request
(a registry's `/v2/` asks for credentials with 401; OSS denies an anonymous bucket listing with 403)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from drconsole.checks import dns as names
from drconsole.context import Context
from drconsole.probes import http
from drconsole.registry import check
from drconsole.results import Evidence, Outcome

TIMEOUT = 2.0
BODY_LIMIT = 2048
SHOWN_HEADERS = ("www-authenticate", "docker-distribution-api-version", "content-type", "x-oss-request-id")


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: Literal["acr", "acr-ee", "oss"]


@check("endpoints.private-https", family="endpoints",
       title="Private endpoint answers over verified TLS from the data center", timeout=7.0)
async def private_https(ctx: Context, params: Params) -> Outcome:
    profile = ctx.profile
    tgt = names.target(profile, params.service)
    missing = names.unresolvable(profile, tgt)
    if missing:
        return missing
    resolvers = [str(r) for r in profile.network.resolvers]
    where = profile.network.vantage_netns
    port = profile.services.oss.port if params.service == "oss" else profile.services.acr.port
    ca_file = str(profile.services.ca_file) if profile.services.ca_file else None
    res = await ctx.blocking(names.lookup, where, tgt.name, resolvers, profile.network.resolver_port)
    dns_evidence = names.evidence_of(res, resolvers, profile.network.resolver_port, where)
    if not res.answered or not res.addresses:
        unresolved = names.problem(res, tgt)
        return Outcome.errored("EP-UNRESOLVED", f"{tgt.name} did not resolve, so its endpoint was not tried",
                               dns_evidence, cause=unresolved[1] if unresolved else None)
    wrong = names.outside(res.addresses, tgt.expected)
    if wrong:
        return Outcome.failed("EP-NOT-PRIVATE", f"{tgt.name} resolves to {', '.join(wrong)}, outside the private "
                              "ranges; not connecting", dns_evidence, fix_step=tgt.fix_step, label=tgt.label,
                              name=tgt.name)
    address = res.addresses[0]
    registry = params.service != "oss"
    path = "/v2/" if registry else "/"
    visit = await ctx.blocking(lambda: http.get(where, address, port, tgt.name, path, tls=True, ca_file=ca_file,
                                                timeout=TIMEOUT, body_limit=BODY_LIMIT))
    answer = {**http.answer(visit, *SHOWN_HEADERS), "body": visit.text[:400] or None}
    evidence = Evidence(source=f"GET https://{tgt.name}{path}", asked=f"at {address}:{port}, SNI {tgt.name}, "
                        f"verified with {ca_file or 'the system CAs'}" + (f", from {where}" if where else ""),
                        answer=answer, ms=visit.timings.get("first_byte"))
    verdict = _registry_verdict(visit) if registry else _oss_verdict(visit)
    where_to = f"{tgt.name} at {address}:{port}"
    if visit.failed_at is not None:
        return Outcome.failed(_failure(visit), f"{where_to}: {visit.failed_at} failed: {visit.error}", dns_evidence,
                              evidence, fix_step=tgt.fix_step, label=tgt.label, error=visit.error,
                              address=f"{address}:{port}")
    if verdict is not None:
        return Outcome.failed("EP-WRONG-SERVICE", f"{where_to} answered {visit.status}: {verdict}", dns_evidence,
                              evidence, fix_step=tgt.fix_step, label=tgt.label)
    t = visit.timings
    healthy = "asks for credentials (401)" if registry else "denies anonymous access (403 AccessDenied)"
    return Outcome.passed(f"{where_to} {healthy}: connect {t['connect']} ms, TLS {t['tls']} ms, first byte "
                          f"{t['first_byte']} ms", dns_evidence, evidence)


def _failure(visit: http.Reply) -> str:
    """The finding for a request that failed at connect, TLS or HTTP."""
    if visit.failed_at == "tls":
        return "EP-TLS-FAILED"
    if visit.failure is not None and visit.failure.kind == "refused":
        return "EP-CONNECT-REFUSED"
    return "EP-UNREACHABLE" if visit.failed_at == "connect" else "EP-NO-ANSWER"


def _registry_verdict(visit: http.Reply) -> str | None:
    """None when the answer is a healthy registry's: 401 with a challenge, or 200 for anonymous access."""
    if visit.status == 401:
        return None if "www-authenticate" in visit.headers else "401 without a WWW-Authenticate challenge"
    if visit.status == 200 and "docker-distribution-api-version" in visit.headers:
        return None
    return "not the registry API's answer to /v2/"


def _oss_verdict(visit: http.Reply) -> str | None:
    """None when the answer is OSS's: 403 with AccessDenied XML for an anonymous request."""
    if visit.status == 403 and "<Code>AccessDenied</Code>" in visit.text:
        return None
    return "not OSS's AccessDenied answer to an anonymous request"
