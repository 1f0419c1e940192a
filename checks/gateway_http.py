"""The gateway as clients meet it, from the data center: does it serve the application host, and
from which zone; and can each zone's copy of the application be reached on its own.

Which zone served is read from the answer by the one attribution (drconsole.probes.attribution), at the
path and by the marker the profile names (`[attribution]`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from drconsole import zones
from drconsole.context import Context
from drconsole.probes import http
from drconsole.probes.attribution import Marker, Served, marker_of, served_by, unmatched_sample
from drconsole.registry import check
from drconsole.results import Evidence, Outcome

TIMEOUT = 3.0  # above the gateway's own upstream timeout (2 s in the lab), so a failover can finish


class AppParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tls: bool = True  # also ask over HTTPS (SNI = the host, verified with services.ca_file)


class ZoneParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zone: Literal["a", "b"]


@dataclass(frozen=True)
class Seen:
    """One request through the gateway, and who served it."""

    reply: http.Reply
    served: Served


def _evidence(seen: Seen, host: str, where: str | None, marker: Marker) -> Evidence:
    answer = {**http.answer(seen.reply), "marker": marker.describe(), "zone": seen.served.reported,
              "served_by": seen.served.zone.key if seen.served.zone else None}
    if seen.reply.ok and not seen.served.matched:
        answer.update(unmatched_sample(seen.reply.headers, seen.reply.body))
    return Evidence(source=f"GET {seen.reply.url}", asked=f"Host {host}" + (f", from {where}" if where else ""),
                    answer=answer, ms=seen.reply.ms)


@check("gateway.app-served", family="gateway", title="Gateway serves the application host, and from which zone",
       timeout=9.0)
async def app_served(ctx: Context, params: AppParams) -> Outcome:
    profile = ctx.profile
    gw = profile.gateway
    if gw.address is None:
        return Outcome.skipped("GW-NO-ADDRESS", "the profile has no gateway address (gateway.address)")
    where = profile.network.vantage_netns
    ca_file = str(profile.services.ca_file) if profile.services.ca_file else None
    both = zones.zones(profile)
    marker = marker_of(profile)
    replies = [await ctx.blocking(lambda: http.get(where, str(gw.address), gw.http_port, gw.host, marker.path,
                                                   timeout=TIMEOUT))]
    if params.tls and replies[0].failed_at != "connect":
        replies.append(await ctx.blocking(lambda: http.get(where, str(gw.address), gw.https_port, gw.host,
                                                           marker.path, tls=True, ca_file=ca_file, timeout=TIMEOUT)))
    seen = [Seen(r, served_by(r.headers, r.body, both, marker)) for r in replies]
    evidence = [_evidence(s, gw.host, where, marker) for s in seen]
    return judge_app(seen, gw.host, zones.primary(profile), gw.mode, evidence, marker)


def judge_app(seen: list[Seen], host: str, primary: zones.Zone, mode: str, evidence: list[Evidence],
              marker: Marker) -> Outcome:
    """Served when every request got a 2xx; from the primary zone unless the gateway spreads traffic.
    A 2xx the marker does not match is its own finding: which zone served cannot be said."""
    bad = next((s.reply for s in seen if not s.reply.ok), None)
    if bad is not None and bad.status == 404 and marker.path != "/":
        return _path_unserved(bad, marker, evidence)
    if bad is not None:
        what = f"{bad.failed_at} failed: {bad.error}" if bad.status is None else f"answered {bad.status}"
        return Outcome.failed(_gateway_finding(bad), f"the gateway does not serve {host}: {bad.url} {what}",
                              *evidence, host=host, error=bad.error, answer=bad.status or bad.error)
    blind = next((s.reply for s in seen if not s.served.matched), None)
    if blind is not None:
        return Outcome.failed("GW-MARKER-NO-MATCH", f"{blind.url} answered {blind.status} but the {marker.describe()} "
                              "matched nothing, so which zone served is unknown (the evidence shows the answer's "
                              "header names and first bytes)", *evidence, host=host, marker=marker.describe())
    names = ", ".join(sorted({s.served.zone.name if s.served.zone else f"unknown zone ({s.served.reported})"
                              for s in seen}))
    if mode == "active-active":
        return Outcome.passed(f"{host} is served (from {names}; active-active)", *evidence)
    if all(s.served.zone == primary for s in seen):
        return Outcome.passed(f"{host} is served from the primary {primary.name}", *evidence)
    return Outcome.warned("GW-FAILED-OVER", f"{host} is served from {names}, not the primary {primary.name}",
                          *evidence)


def _path_unserved(reply: http.Reply, marker: Marker, evidence: list[Evidence]) -> Outcome:
    """The attribution path answers 404: nothing there names the zone (the beacon not deployed or routed)."""
    return Outcome.failed("GW-MARKER-NO-MATCH", f"{reply.url} answered 404: nothing serves the attribution path "
                          f"{marker.path}, so which zone served cannot be told (is the beacon deployed and routed?)",
                          *evidence, marker=marker.describe())


def _gateway_finding(reply: http.Reply) -> str:
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
    zone = zones.zone(profile, params.zone)
    backend = profile.gateway.zone_backends.get(zone.key)
    if backend is None:
        return Outcome.skipped("GW-ZONE-NO-BACKEND", f"the profile has no address for zone {zone.key}'s copy of the "
                               f"app (gateway.zone_backends.{zone.key})", zone=zone.key)
    where = profile.network.vantage_netns
    marker = marker_of(profile)
    seen = await ctx.blocking(probe_zone, where, backend, profile.gateway.host, zones.zones(profile), marker)
    return judge_zone(seen, zone, backend, _evidence(seen, profile.gateway.host, where, marker), marker)


def probe_zone(where: str | None, backend: str, host: str, known: tuple[zones.Zone, ...], marker: Marker) -> Seen:
    """GET the marker's path with Host `host` at a zone's own address ("address:port"), and who answered."""
    address, _, port = backend.rpartition(":")
    reply = http.get(where, address, int(port), host, marker.path, timeout=TIMEOUT)
    return Seen(reply, served_by(reply.headers, reply.body, known, marker))


def judge_zone(seen: Seen, zone: zones.Zone, backend: str, evidence: Evidence, marker: Marker) -> Outcome:
    """The zone's copy answers 2xx, as itself (not as the other zone's copy)."""
    reply = seen.reply
    if reply.status == 404 and marker.path != "/":
        return _path_unserved(reply, marker, [evidence])
    if not reply.ok:
        what = f"{reply.failed_at} failed: {reply.error}" if reply.status is None else f"answered {reply.status}"
        return Outcome.failed(_zone_finding(reply), f"{zone.name} does not answer: {backend} {what}", evidence,
                              zone=zone.name, cluster=zone.role, error=reply.error, answer=reply.status)
    if zone.zone_id and seen.served.reported and seen.served.zone != zone:
        return Outcome.failed("GW-ZONE-MISWIRED", f"{backend} answers as zone {seen.served.reported}, not {zone.name}",
                              evidence, zone=zone.key)
    return Outcome.passed(f"{zone.name} answers ({reply.status}, {reply.ms} ms)", evidence)


def _zone_finding(reply: http.Reply) -> str:
    if reply.failure is not None and reply.failure.kind == "refused":
        return "GW-ZONE-DOWN"
    if reply.failed_at == "http":
        return "GW-ZONE-HANGS"
    return "GW-ZONE-UNREACHABLE" if reply.failed_at == "connect" else "GW-ZONE-BAD-ANSWER"
