"""The private service endpoints, as a data-center host uses them: resolve the name, connect to the
private address, verify TLS for the name, and read the service's answer to an anonymous request
(a registry's `/v2/` asks for credentials with 401; OSS denies an anonymous bucket listing with 403)."""

from __future__ import annotations

import http.client
import ssl
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from drconsole import vantage
from drconsole.checks import _net
from drconsole.checks import dns as names
from drconsole.context import Context
from drconsole.registry import check
from drconsole.results import Evidence, Outcome

TIMEOUT = 2.0
BODY_LIMIT = 2048


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: Literal["acr", "acr-ee", "oss"]


@dataclass
class Visit:
    """One HTTPS request to a private endpoint, with where each phase ended."""

    address: str
    port: int
    name: str
    path: str
    timings: dict[str, float] = field(default_factory=dict)  # connect, tls, first_byte (ms)
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    failed_at: str | None = None  # connect | tls | http
    error: str | None = None

    def answer(self) -> dict[str, Any]:
        keep = {k: v for k, v in self.headers.items()
                if k in ("www-authenticate", "docker-distribution-api-version", "content-type", "x-oss-request-id")}
        return {"status": self.status, "headers": keep, "body": self.body[:400] or None,
                "timings_ms": self.timings, "failed_at": self.failed_at, "error": self.error}


def https_get(where: str | None, address: str, port: int, name: str, path: str, ca_file: str | None) -> Visit:
    """GET https://name{path} at address:port from `where`, TLS verified for `name` (SNI = name)."""
    visit = Visit(address, port, name, path)
    started = time.monotonic()

    def lap(phase: str) -> None:
        visit.timings[phase] = round((time.monotonic() - started) * 1000, 2)

    try:
        raw = vantage.connect_tcp(where, address, port, TIMEOUT)
    except OSError as exc:
        visit.failed_at, visit.error = "connect", _net.why(exc, TIMEOUT)
        return visit
    lap("connect")
    try:
        context = ssl.create_default_context(cafile=ca_file)  # with a cafile, only that CA is trusted
        tls = context.wrap_socket(raw, server_hostname=name)
    except (OSError, ssl.SSLError) as exc:
        raw.close()
        visit.failed_at, visit.error = "tls", _net.why(exc, TIMEOUT)
        return visit
    lap("tls")
    try:
        conn = http.client.HTTPSConnection(name, port, timeout=TIMEOUT, context=context)
        conn.sock = tls
        conn.request("GET", path, headers={"Host": name, "User-Agent": "drconsole-probe"})
        response = conn.getresponse()
        lap("first_byte")
        visit.status = response.status
        visit.headers = {k.lower(): v for k, v in response.getheaders()}
        visit.body = response.read(BODY_LIMIT).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as exc:
        visit.failed_at, visit.error = "http", _net.why(exc, TIMEOUT)
    finally:
        tls.close()
    return visit



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
    res = await ctx.blocking(names.resolve, where, tgt.name, resolvers, profile.network.resolver_port)
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
    visit = await ctx.blocking(https_get, where, address, port, tgt.name, path, ca_file)
    evidence = Evidence(source=f"GET https://{tgt.name}{path}", asked=f"at {address}:{port}, SNI {tgt.name}, "
                        f"verified with {ca_file or 'the system CAs'}" + (f", from {where}" if where else ""),
                        answer=visit.answer(), ms=visit.timings.get("first_byte"))
    verdict = _registry_verdict(visit) if registry else _oss_verdict(visit)
    where_to = f"{tgt.name} at {address}:{port}"
    if visit.failed_at is not None:
        return Outcome.failed(_failure(visit), f"{where_to}: {visit.failed_at} failed: {visit.error}", dns_evidence,
                              evidence, fix_step=tgt.fix_step, label=tgt.label, error=visit.error,
                              address=f"{visit.address}:{visit.port}")
    if verdict is not None:
        return Outcome.failed("EP-WRONG-SERVICE", f"{where_to} answered {visit.status}: {verdict}", dns_evidence,
                              evidence, fix_step=tgt.fix_step, label=tgt.label)
    t = visit.timings
    healthy = "asks for credentials (401)" if registry else "denies anonymous access (403 AccessDenied)"
    return Outcome.passed(f"{where_to} {healthy}: connect {t['connect']} ms, TLS {t['tls']} ms, first byte "
                          f"{t['first_byte']} ms", dns_evidence, evidence)


def _failure(visit: Visit) -> str:
    """The finding for a visit that failed at connect, TLS or HTTP."""
    if visit.failed_at == "tls":
        return "EP-TLS-FAILED"
    if visit.error and "refused" in visit.error:
        return "EP-CONNECT-REFUSED"
    return "EP-UNREACHABLE" if visit.failed_at == "connect" else "EP-NO-ANSWER"


def _registry_verdict(visit: Visit) -> str | None:
    """None when the answer is a healthy registry's: 401 with a challenge, or 200 for anonymous access."""
    if visit.status == 401:
        return None if "www-authenticate" in visit.headers else "401 without a WWW-Authenticate challenge"
    if visit.status == 200 and "docker-distribution-api-version" in visit.headers:
        return None
    return "not the registry API's answer to /v2/"


def _oss_verdict(visit: Visit) -> str | None:
    """None when the answer is OSS's: 403 with AccessDenied XML for an anonymous request."""
    if visit.status == 403 and "<Code>AccessDenied</Code>" in visit.body:
        return None
    return "not OSS's AccessDenied answer to an anonymous request"
