"""Live probes the traffic actions and safety rules rely on: each zone's cluster and app
endpoints, and which zone answers through the gateway. Reads only; every call has a timeout."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from drconsole.actions.context import ActionContext, ActionFailed
from drconsole.context import ClusterRole

ZONE_ROLES: dict[str, ClusterRole] = {"a": "ack", "b": "registered"}
GATEWAY_TIMEOUT = 3.0


@dataclass
class ZoneHealth:
    zone: str  # "a" or "b"
    role: ClusterRole
    zone_id: str | None
    cluster_id: str | None
    cluster_ok: bool = False
    ready_endpoints: int = 0
    gateway_ok: bool = False
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return self.cluster_ok and self.ready_endpoints > 0 and self.gateway_ok

    def describe(self) -> str:
        parts = [f"cluster API {'up' if self.cluster_ok else 'DOWN'}",
                 f"{self.ready_endpoints} ready endpoint(s)", f"gateway {'answers' if self.gateway_ok else 'DOWN'}"]
        return f"zone {self.zone} ({self.zone_id or self.role}): {'healthy' if self.healthy else 'UNHEALTHY'} — " \
               + ", ".join(parts)


def zone_of(actx: ActionContext, zone: str) -> tuple[ClusterRole, str | None, str | None]:
    role = ZONE_ROLES[zone]
    cluster = getattr(actx.profile.clusters, role)
    return role, cluster.zone, cluster.id


def zone_health(actx: ActionContext, zone: str) -> ZoneHealth:
    role, zone_id, cluster_id = zone_of(actx, zone)
    health = ZoneHealth(zone=zone, role=role, zone_id=zone_id, cluster_id=cluster_id)
    try:
        version = actx.kube_get(role, "/version") or {}
        health.cluster_ok = bool(version.get("gitVersion"))
        health.evidence["cluster"] = {"asked": f"GET /version on {role}", "answer": version.get("gitVersion")}
    except Exception as exc:
        health.evidence["cluster"] = {"asked": f"GET /version on {role}", "error": _short(exc)}
    gw = actx.profile.gateway
    if health.cluster_ok:
        path = f"/apis/discovery.k8s.io/v1/namespaces/{gw.namespace}/endpointslices"
        try:
            slices = actx.kube_request(role, "GET", path,
                                       query={"labelSelector": f"kubernetes.io/service-name={gw.service}"}) or {}
            ready = [e for s in slices.get("items") or [] for e in s.get("endpoints") or []
                     if (e.get("conditions") or {}).get("ready")]
            health.ready_endpoints = len(ready)
            health.evidence["endpoints"] = {"asked": f"EndpointSlices of {gw.namespace}/{gw.service} on {role}",
                                            "answer": len(ready)}
        except Exception as exc:
            health.evidence["endpoints"] = {"asked": f"EndpointSlices on {role}", "error": _short(exc)}
    reply = gateway_get(actx)
    status = int(reply.get("status") or 0)
    health.gateway_ok = 0 < status < 500
    health.evidence["gateway"] = reply
    return health


def gateway_get(actx: ActionContext, timeout: float = GATEWAY_TIMEOUT) -> dict[str, Any]:
    """GET / on the app host through the gateway, from the profile's vantage point."""
    gw = actx.profile.gateway
    address = str(gw.address) if gw.address else gw.host
    asked = f"GET http://{gw.host}/ via {address}:{gw.http_port}"
    started = time.monotonic()
    try:
        status, headers, body = _http_get(actx.profile.network.vantage_netns, address, gw.http_port, gw.host, timeout)
    except Exception as exc:
        return {"asked": asked, "error": _short(exc), "ms": round((time.monotonic() - started) * 1000, 1)}
    return {"asked": asked, "status": status, "served_zone": served_zone(actx, headers, body),
            "ms": round((time.monotonic() - started) * 1000, 1)}


def _http_get(vantage: str | None, address: str, port: int, host: str,
              timeout: float) -> tuple[int, dict[str, str], bytes]:
    import http.client

    from drconsole.vantage import connect_tcp

    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    conn.sock = connect_tcp(vantage, address, port, timeout)
    try:
        conn.request("GET", "/", headers={"Host": host})
        reply = conn.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    finally:
        conn.close()


def served_zone(actx: ActionContext, headers: dict[str, str], body: bytes) -> str | None:
    """Which zone ("a"/"b") answered: the gateway's X-Served-Zone / X-Zone header (a zone ID), or
    the app's JSON body naming its zone or cluster ID."""
    by_zone_id = {getattr(actx.profile.clusters, role).zone: key for key, role in ZONE_ROLES.items()}
    by_cluster = {getattr(actx.profile.clusters, role).id: key for key, role in ZONE_ROLES.items()}
    for header in ("x-served-zone", "x-zone"):
        if headers.get(header) in by_zone_id:
            return by_zone_id[headers[header]]
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return None
    if isinstance(data, dict):
        for key in ("zone", "zone_id"):
            if data.get(key) in by_zone_id:
                return by_zone_id[data[key]]
        for key in ("cluster", "clusterId", "cluster_id"):
            if data.get(key) in by_cluster:
                return by_cluster[data[key]]
    return None


def ingress_path(actx: ActionContext) -> str:
    gw = actx.profile.gateway
    return f"/apis/networking.k8s.io/v1/namespaces/{gw.namespace}/ingresses/{gw.ingress}"


def require_ids(actx: ActionContext) -> dict[str, str]:
    """Zone -> cluster ID for both zones; ActionFailed naming the missing one."""
    found = {}
    for zone in ZONE_ROLES:
        _, _, cluster_id = zone_of(actx, zone)
        if not cluster_id:
            raise ActionFailed(f"the profile has no cluster ID for zone {zone}",
                               fix="finish the setup runbook (its actions write the IDs to the profile)")
        found[zone] = cluster_id
    return found


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
