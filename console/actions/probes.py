"""Live probes the traffic actions and safety rules rely on: each zone's cluster, its app's ready
endpoints and its copy of the app, and which zone answers through the gateway. Reads only; every call
has a timeout. The observations go through drconsole.probes; the verdict is drconsole.probes.health."""

from __future__ import annotations

from typing import Any

from drconsole import zones
from drconsole.actions.context import ActionContext, ActionFailed
from drconsole.probes import http
from drconsole.probes.attribution import marker_of, served_by, unmatched_sample
from drconsole.probes.health import ZoneHealth

GATEWAY_TIMEOUT = 3.0


def zone_health(actx: ActionContext, key: zones.ZoneKey) -> ZoneHealth:
    """Probe one zone now: its cluster's API, its app's ready endpoints, and its copy of the app (at its own
    address when the profile has one, else through the gateway)."""
    zone = zones.zone(actx.profile, key)
    health = ZoneHealth(zone, cluster_ok=False)
    role = zone.role
    try:
        version = actx.kube_get(role, "/version") or {}
        health.cluster_ok = bool(version.get("gitVersion"))
        health.evidence["cluster"] = {"asked": f"GET /version on {role}", "answer": version.get("gitVersion")}
    except Exception as exc:
        health.evidence["cluster"] = {"asked": f"GET /version on {role}", "error": _short(exc)}
    gw = actx.profile.gateway
    if health.cluster_ok:
        health.ready_endpoints = 0
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
    backend = gw.zone_backends.get(key)
    if backend is not None:
        address, _, port = backend.rpartition(":")
        reply = _observed(actx, address, int(port))
        health.app_ok = reply.get("status") is not None and 200 <= int(reply["status"]) < 300
        health.evidence["app"] = reply
    else:
        reply = gateway_get(actx)
        health.app_ok = 0 < int(reply.get("status") or 0) < 500
        health.evidence["gateway"] = reply
    return health


def gateway_get(actx: ActionContext, timeout: float = GATEWAY_TIMEOUT) -> dict[str, Any]:
    """GET the marker's path on the app host through the gateway, from the profile's vantage point, and the
    zone that served (`served_zone`; `marker_matched` False when a 2xx answer did not name one)."""
    gw = actx.profile.gateway
    return _observed(actx, str(gw.address) if gw.address else gw.host, gw.http_port, timeout)


def _observed(actx: ActionContext, address: str, port: int, timeout: float = GATEWAY_TIMEOUT) -> dict[str, Any]:
    host = actx.profile.gateway.host
    marker = marker_of(actx.profile)
    reply = http.get(actx.profile.network.vantage_netns, address, port, host, marker.path, timeout=timeout)
    served = served_by(reply.headers, reply.body, zones.zones(actx.profile), marker)
    found: dict[str, Any] = {"asked": f"GET http://{host}{marker.path} via {address}:{port}", "ms": reply.ms}
    if reply.status is None:
        return {**found, "error": reply.error}
    found.update(status=reply.status, served_zone=served.zone.key if served.zone else None,
                 reported=served.reported,
                 marker_matched=served.matched if reply.ok else None)
    if reply.ok and not served.matched:
        found.update(marker=marker.describe(), **unmatched_sample(reply.headers, reply.body))
    return found


def ingress_path(actx: ActionContext) -> str:
    gw = actx.profile.gateway
    return f"/apis/networking.k8s.io/v1/namespaces/{gw.namespace}/ingresses/{gw.ingress}"


def require_ids(actx: ActionContext) -> dict[zones.ZoneKey, str]:
    """Zone -> cluster ID for both zones; ActionFailed naming the missing one."""
    found: dict[zones.ZoneKey, str] = {}
    for zone in zones.zones(actx.profile):
        if not zone.cluster_id:
            raise ActionFailed(f"the profile has no cluster ID for zone {zone.key}",
                               fix="finish the setup runbook (its actions write the IDs to the profile)")
        found[zone.key] = zone.cluster_id
    return found


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
