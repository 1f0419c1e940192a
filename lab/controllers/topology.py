"""How the controllers find the lab from its facts: which plane is which zone, which clusters the
Fleet has associated (and on which plane), and how to tell whether a zone's backend answers."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from drconsole.lab.controllers.argocd import IN_CLUSTER

MEMBER_PLANES = ("ack", "idc")
DEFAULT_ZONE_KEYS = {"ack": "a", "idc": "b"}
BEHIND_LINK = "idc"  # the plane the cloud reaches only across Express Connect
LINK_FAULT = "link"  # drconsole.lab.net.faults: the Express Connect link cut
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


def associated_clusters(region_state: Mapping[str, Any]) -> dict[str, str]:
    """Cluster ID -> member plane, for every cluster associated with a Fleet (Status.State Successed): the
    multi-cluster gateway admits clusters associated with the Fleet ("Use multi-cluster gateways to manage
    north-south traffic"), whether or not GitOps is on."""
    from drconsole.lab.region.ops.adcp import member_state

    clusters = region_state.get("clusters") or {}
    found = {}
    for fleet in (region_state.get("fleets") or {}).values():
        for cluster_id, member in (fleet.get("members") or {}).items():
            plane = (clusters.get(cluster_id) or {}).get("plane")
            if plane in MEMBER_PLANES and member_state(member) == "Successed":
                found[cluster_id] = plane
    return found


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
