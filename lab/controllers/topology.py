"""How the controllers find the lab from its facts: which plane is which zone, which Argo CD
cluster Secret points at which plane, and how to tell whether a zone's backend answers."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from drconsole.lab.controllers.argocd import IN_CLUSTER, cluster_params
from drconsole.lab.controllers.kubeapi import Obj

MEMBER_PLANES = ("ack", "idc")
DEFAULT_ZONE_KEYS = {"ack": "a", "idc": "b"}
PROBE_TIMEOUT = 0.5


def zone_keys(facts: Mapping[str, Any]) -> dict[str, str]:
    """Member plane -> gateway zone key ("a"/"b"), matched through the zone IDs."""
    kube_zones = (facts.get("kube") or {}).get("zones") or {}
    net_zones = (facts.get("net") or {}).get("zones") or {}
    by_zone_id = {info.get("zone_id"): key for key, info in net_zones.items()}
    return {plane: by_zone_id.get(kube_zones.get(plane), DEFAULT_ZONE_KEYS[plane]) for plane in MEMBER_PLANES}


def plane_of_server(facts: Mapping[str, Any], server: str) -> str | None:
    if server.rstrip("/") == IN_CLUSTER:
        return "fleet"
    servers = (facts.get("kube") or {}).get("servers") or {}
    return next((plane for plane, url in servers.items() if url.rstrip("/") == server.rstrip("/")), None)


def attached_clusters(facts: Mapping[str, Any], secrets: list[Obj]) -> dict[str, str]:
    """Cluster ID -> member plane, for every cluster the Fleet has an Argo CD cluster Secret for."""
    clusters = {}
    for secret in secrets:
        params = cluster_params(secret)
        cluster_id = params["metadata"]["annotations"].get("cluster_id")
        plane = plane_of_server(facts, params["server"])
        if cluster_id and plane in MEMBER_PLANES:
            clusters[cluster_id] = plane
    return clusters


def backends_up(facts: Mapping[str, Any], netns: str | None) -> dict[str, bool]:
    """Zone key -> whether its backend answers HTTP (probed in parallel from `netns`, the gateway's
    side of the lab network, so a data-center link fault is not mistaken for a dead zone)."""
    zones = (facts.get("net") or {}).get("zones") or {}
    if not zones:
        return {}
    from drconsole.lab.net.probe import http_request

    def probe(backend: str) -> bool:
        address, _, port = backend.rpartition(":")
        try:
            reply = http_request(netns, address, int(port), "/", host=address, timeout=PROBE_TIMEOUT)
        except (OSError, TimeoutError, ValueError):
            return False
        return reply.status < 500

    with ThreadPoolExecutor(max_workers=len(zones)) as pool:
        results = dict(zip(zones, pool.map(lambda k: probe(str(zones[k].get("backend", ""))), zones), strict=True))
    return results
