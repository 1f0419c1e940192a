"""The gateway as clients meet it, from the data center: does it serve the application host, and
from which zone; and can each zone's copy of the application be reached on its own.

Which zone served is read from the answer: the gateway's `X-Served-Zone` header, else the app's
`X-Zone` header, else a `zone` field in a JSON body (the demo app reports its zone ID)."""

from __future__ import annotations

import http.client
import json
import ssl
import time
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from drconsole import vantage
from drconsole.checks import _net
from drconsole.context import Context
from drconsole.profile import Profile
from drconsole.registry import check
from drconsole.results import Evidence, Outcome

TIMEOUT = 3.0  # above the gateway's own upstream timeout (2 s in the lab), so a failover can finish
ZONE_CLUSTER = {"a": "ack", "b": "registered"}


@dataclass
class Reply:
    url: str
    status: int | None = None
    zone: str | None = None
    upstream: str | None = None
    ms: float = 0.0
    error: str | None = None
    failed_at: str | None = None  # connect | tls | http
    headers: dict[str, str] = field(default_factory=dict)

    def answer(self) -> dict[str, object]:
        return {"status": self.status, "zone": self.zone, "upstream": self.upstream, "error": self.error,
                "failed_at": self.failed_at}


def get(where: str | None, address: str, port: int, host: str, ca_file: str | None = None,
        tls: bool = False) -> Reply:
    """GET / with Host (and SNI, verified, when `tls`) `host` at address:port, from `where`."""
    reply = Reply(f"{'https' if tls else 'http'}://{host}/ at {address}:{port}")
    started = time.monotonic()
    try:
        sock = vantage.connect_tcp(where, address, port, TIMEOUT)
    except OSError as exc:
        reply.failed_at, reply.error = "connect", _net.why(exc, TIMEOUT)
        return reply
    try:
        conn: http.client.HTTPConnection
        if tls:
            context = ssl.create_default_context(cafile=ca_file)
            try:
                sock = context.wrap_socket(sock, server_hostname=host)
            except (OSError, ssl.SSLError) as exc:
                reply.failed_at, reply.error = "tls", _net.why(exc, TIMEOUT)
                return reply
            conn = http.client.HTTPSConnection(host, port, timeout=TIMEOUT, context=context)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
        conn.sock = sock
        conn.request("GET", "/", headers={"Host": host, "User-Agent": "drconsole-probe"})
        response = conn.getresponse()
        body = response.read(4096)
        reply.status = response.status
        reply.headers = {k.lower(): v for k, v in response.getheaders()}
        reply.zone = reply.headers.get("x-served-zone") or reply.headers.get("x-zone") or _zone_in(body)
        reply.upstream = reply.headers.get("x-upstream")
    except (OSError, http.client.HTTPException) as exc:
        reply.failed_at, reply.error = "http", _net.why(exc, TIMEOUT)
    finally:
        sock.close()
        reply.ms = round((time.monotonic() - started) * 1000, 1)
    return reply


def _zone_in(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    zone = data.get("zone") if isinstance(data, dict) else None
    return str(zone) if zone else None



def zone_id(profile: Profile, zone: str) -> str | None:
    """The cloud zone ID of zone key "a" (the ACK cluster's) or "b" (the registered cluster's)."""
    return getattr(profile.clusters, ZONE_CLUSTER[zone]).zone


def _named(profile: Profile, zone: str) -> str:
    zid = zone_id(profile, zone)
    return f"zone {zone} ({zid})" if zid else f"zone {zone}"


def _key_of(profile: Profile, reported: str | None) -> str | None:
    return next((z for z in ZONE_CLUSTER if reported and zone_id(profile, z) == reported), None)


class AppParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tls: bool = True  # also ask over HTTPS (SNI = the host, verified with services.ca_file)


class ZoneParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zone: Literal["a", "b"]


@check("gateway.app-served", family="gateway", title="Gateway serves the application host, and from which zone",
       timeout=9.0)
async def app_served(ctx: Context, params: AppParams) -> Outcome:
    profile = ctx.profile
    gw = profile.gateway
    if gw.address is None:
        return Outcome.skipped("GW-NO-ADDRESS", "the profile has no gateway address (gateway.address)")
    where = profile.network.vantage_netns
    ca_file = str(profile.services.ca_file) if profile.services.ca_file else None
    replies = [await ctx.blocking(get, where, str(gw.address), gw.http_port, gw.host)]
    if params.tls and replies[0].failed_at != "connect":
        replies.append(await ctx.blocking(get, where, str(gw.address), gw.https_port, gw.host, ca_file, True))
    evidence = [Evidence(source=f"GET {r.url}", asked=f"Host {gw.host}" + (f", from {where}" if where else ""),
                         answer=r.answer(), ms=r.ms) for r in replies]
    bad = next((r for r in replies if r.status is None or not 200 <= r.status < 300), None)
    if bad is not None:
        what = f"{bad.failed_at} failed: {bad.error}" if bad.status is None else f"answered {bad.status}"
        return Outcome.failed(_gateway_finding(bad), f"the gateway does not serve {gw.host}: {bad.url} {what}",
                              *evidence, host=gw.host, error=bad.error, answer=bad.status or bad.error)
    served = [_key_of(profile, r.zone) for r in replies]
    zones = ", ".join(sorted({_named(profile, z) if z else f"unknown zone ({r.zone})" for z, r in
                              zip(served, replies, strict=True)}))
    if gw.mode == "active-active":
        return Outcome.passed(f"{gw.host} is served (from {zones}; active-active)", *evidence)
    primary = next(z for z, cluster in ZONE_CLUSTER.items() if cluster == gw.primary)
    if all(z == primary for z in served):
        return Outcome.passed(f"{gw.host} is served from the primary {_named(profile, primary)}", *evidence)
    return Outcome.warned("GW-FAILED-OVER", f"{gw.host} is served from {zones}, not the primary "
                          f"{_named(profile, primary)}", *evidence)


def _gateway_finding(reply: Reply) -> str:
    if reply.failed_at == "connect":
        return "GW-UNREACHABLE"
    if reply.failed_at == "tls":
        return "GW-TLS-FAILED"
    if reply.status == 404:
        return "GW-NO-ROUTE"
    return "GW-NO-BACKEND" if reply.status in (502, 503, 504) else "GW-BAD-ANSWER"


@check("gateway.zone-reachable", family="gateway", title="The application answers in this zone", timeout=5.0)
async def zone_reachable(ctx: Context, params: ZoneParams) -> Outcome:
    profile = ctx.profile
    zone = params.zone
    backend = profile.gateway.zone_backends.get(zone)
    if backend is None:
        return Outcome.skipped("GW-ZONE-NO-BACKEND", f"the profile has no address for zone {zone}'s copy of the "
                               f"app (gateway.zone_backends.{zone})", zone=zone)
    address, _, port = backend.rpartition(":")
    where = profile.network.vantage_netns
    host = profile.gateway.host
    reply = await ctx.blocking(get, where, address, int(port), host)
    evidence = Evidence(source=f"GET {reply.url}", asked=f"Host {host}" + (f", from {where}" if where else ""),
                        answer=reply.answer(), ms=reply.ms)
    name = _named(profile, zone)
    if reply.status is None or not 200 <= reply.status < 300:
        what = f"{reply.failed_at} failed: {reply.error}" if reply.status is None else f"answered {reply.status}"
        return Outcome.failed(_zone_finding(reply), f"{name} does not answer: {backend} {what}", evidence,
                              zone=name, cluster=ZONE_CLUSTER[zone], error=reply.error, answer=reply.status)
    expected = zone_id(profile, zone)
    if expected and reply.zone and reply.zone != expected:
        return Outcome.failed("GW-ZONE-MISWIRED", f"{backend} answers as zone {reply.zone}, not {name}", evidence,
                              zone=zone)
    return Outcome.passed(f"{name} answers ({reply.status}, {reply.ms} ms)", evidence)


def _zone_finding(reply: Reply) -> str:
    if reply.error and "refused" in reply.error:
        return "GW-ZONE-DOWN"
    if reply.failed_at == "http":
        return "GW-ZONE-HANGS"
    return "GW-ZONE-UNREACHABLE" if reply.failed_at == "connect" else "GW-ZONE-BAD-ANSWER"
