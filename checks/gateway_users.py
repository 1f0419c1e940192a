"""A zone as users meet it through the gateway: of the requests the DR Ingress sends there, how many fail.

Several requests go through the gateway at once; the successful answers are attributed to a zone by the one
attribution (drconsole.probes.attribution), and the routing the DR Ingress asks for (pinned, or spread by
ready endpoints) says how many each zone should have answered (drconsole.probes.users explains the
derivation). A zone the gateway still routes to that fails users while its endpoints look ready is a black
hole: Kubernetes has not noticed (or the gateway cannot see it), and only pinning traffic away helps."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from drconsole import sweepreads, zones
from drconsole.checks import _k8s
from drconsole.context import Context
from drconsole.probes import http
from drconsole.probes.attribution import marker_of, served_by
from drconsole.probes.users import Sample, ZoneShare, pinned_cluster, routing_shares, zone_shares
from drconsole.registry import check
from drconsole.results import Evidence, Outcome

TIMEOUT = 3.0  # above the gateway's own upstream timeout (2 s in the lab)


class UsersParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zone: Literal["a", "b"]
    requests: int = Field(default=8, ge=2, le=50)


@check("gateway.users-view", family="gateway", title="Users are served through the gateway in this zone",
       timeout=9.0)
async def users_view(ctx: Context, params: UsersParams) -> Outcome:
    profile = ctx.profile
    gw = profile.gateway
    zone = zones.zone(profile, params.zone)
    if gw.address is None:
        return Outcome.skipped("GW-NO-ADDRESS", "the profile has no gateway address (gateway.address)")
    both = zones.zones(profile)
    # The Ingress and each zone's endpoints are read side by side: one round trip to the API servers, not three.
    (ingress, ingress_evidence), *endpoints = await asyncio.gather(
        _k8s.get(ctx, "fleet", f"/apis/networking.k8s.io/v1/namespaces/{gw.namespace}/ingresses/{gw.ingress}"),
        *(_ready_endpoints(ctx, each) for each in both))
    if ingress is None:
        return Outcome.skipped("GW-USERS-NO-INGRESS", f"no DR Ingress {gw.namespace}/{gw.ingress} on the Fleet yet, so "
                               "the gateway routes no users", zone=zone.key)
    cluster = pinned_cluster((ingress.get("metadata") or {}).get("annotations") or {})
    pinned = next((z.key for z in both if cluster and z.cluster_id == cluster), None)
    ready = {each.key: count for each, (count, _) in zip(both, endpoints, strict=True)}
    evidence = [ingress_evidence, *(seen for _, seen in endpoints)]
    where = profile.network.vantage_netns
    marker = marker_of(profile)
    replies = await ctx.blocking(_sample, where, str(gw.address), gw.http_port, gw.host, marker.path,
                                 params.requests)
    if all(r.failed_at in ("connect", "tls") for r in replies):
        return Outcome.skipped("GW-USERS-NO-GATEWAY", f"no request reached the gateway from here ({replies[0].error}), "
                               "so no zone can be judged; gateway.app-served says why", zone=zone.key)
    if all(r.status == 404 for r in replies):
        return Outcome.skipped("GW-USERS-NO-ROUTE", f"the gateway routes no users for {gw.host} (404 to every "
                               "request), so no zone can be judged; gateway.app-served says why", zone=zone.key)
    samples = [Sample(r.ok, _zone_key(served_by(r.headers, r.body, both, marker).zone) if r.ok else None)
               for r in replies]
    share = zone_shares(samples, routing_shares(pinned, ready))[zone.key]
    failures = sorted({r.error or str(r.status) for r in replies if not r.ok})
    evidence.append(Evidence(source=f"GET http://{gw.host}{marker.path} at {gw.address}:{gw.http_port}",
                             asked=f"{params.requests} requests at once" + (f", from {where}" if where else ""),
                             answer={"answered_by": {z.key: sum(1 for s in samples if s.zone == z.key) for z in both},
                                     "failed": sum(1 for s in samples if not s.ok), "errors": failures[:3],
                                     "pinned": pinned, "routed_share": round(share.routed, 2)},
                             ms=max((r.ms for r in replies), default=0.0)))
    return judge_users(zone, share, ready[zone.key], evidence)


def _zone_key(zone: zones.Zone | None) -> str | None:
    return zone.key if zone else None


def _sample(where: str | None, address: str, port: int, host: str, path: str, n: int) -> list[http.Reply]:
    """`n` requests at once through the gateway; within a sweep, every zone's view judges the same sample."""
    return sweepreads.shared(("users-view", where, address, port, host, path, n),
                             lambda: _requests(where, address, port, host, path, n))


def _requests(where: str | None, address: str, port: int, host: str, path: str, n: int) -> list[http.Reply]:
    with ThreadPoolExecutor(max_workers=n, thread_name_prefix="users-view") as pool:
        return list(pool.map(lambda _: http.get(where, address, port, host, path, timeout=TIMEOUT), range(n)))


async def _ready_endpoints(ctx: Context, zone: zones.Zone) -> tuple[int, Evidence]:
    """Ready endpoints of the app's Service in the zone's cluster; 1 when the cluster cannot be read (the
    gateway keeps what it last saw there, so the zone still counts as routed)."""
    gw = ctx.profile.gateway
    path = (f"/apis/discovery.k8s.io/v1/namespaces/{gw.namespace}/endpointslices"
            f"?labelSelector=kubernetes.io/service-name%3D{gw.service}")
    try:
        slices, seen = await _k8s.get(ctx, zone.role, path)
    except _k8s.KubeUnreachable as exc:
        return 1, Evidence(source=f"kube:{ctx.kube_context(zone.role)}", asked=f"GET {path}", answer=str(exc))
    ready = sum(1 for s in (slices or {}).get("items") or [] for e in s.get("endpoints") or []
                if (e.get("conditions") or {}).get("ready"))
    return ready, Evidence(source=seen.source, asked=seen.asked, answer={"ready_endpoints": ready}, ms=seen.ms)


def judge_users(zone: zones.Zone, share: ZoneShare, ready_here: int, evidence: list[Evidence]) -> Outcome:
    """Failing users while the endpoints look ready is a black hole; failing with none ready, a zone down the
    gateway has not dropped yet; otherwise users are served (or not sent here at all)."""
    if share.routed <= 0:
        return Outcome.passed(f"the gateway sends no users to {zone.name}", *evidence)
    percent = round(share.error_share * 100)
    if share.failing and ready_here > 0:
        return Outcome.failed("GW-BLACK-HOLE", f"the gateway still routes to {zone.name}, which fails {percent}% of "
                              f"requests; its endpoints look ready ({ready_here} ready)", *evidence,
                              zone=zone.name, share=percent, ready=ready_here)
    if share.failing:
        return Outcome.failed("GW-USERS-FAILING", f"{zone.name} fails {percent}% of the requests the gateway sends "
                              "there", *evidence, zone=zone.name, share=percent)
    return Outcome.passed(f"users are served in {zone.name}: {share.served} of {share.expected:.0f} expected "
                          "answers came from there", *evidence)
