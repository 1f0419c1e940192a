"""What the region does on its own, about once a second: follow faults in force, notice a
registered cluster's agent coming and going, and keep the Fleet's Argo CD cluster Secrets in line
with the attached clusters while GitOps is enabled."""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
from typing import Any
from urllib.parse import quote

from drconsole.lab.region import netview
from drconsole.lab.region.kube import PlaneUnavailable, plane_kubeconfig
from drconsole.lab.region.ops import adcp
from drconsole.lab.region.region import Region

ARGOCD_NAMESPACE = "argocd"
OWNER_LABEL = "drconsole.lab/owner"
SECRETS_PATH = f"/api/v1/namespaces/{ARGOCD_NAMESPACE}/secrets"
INTERVAL = 1.0


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def argocd_secret(region: Region, cluster: dict[str, Any]) -> dict[str, Any]:
    """The Argo CD cluster Secret ACK One GitOps keeps for an attached cluster."""
    config = plane_kubeconfig(region.env, cluster["plane"])
    server = config["clusters"][0]["cluster"]["server"]
    user = config["users"][0]["user"]
    tls = {"caData": config["clusters"][0]["cluster"].get("certificate-authority-data", ""),
           "certData": user.get("client-certificate-data", ""), "keyData": user.get("client-key-data", "")}
    return {
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": f"cluster-{cluster['cluster_id']}", "namespace": ARGOCD_NAMESPACE,
                     "labels": {"argocd.argoproj.io/secret-type": "cluster", OWNER_LABEL: "region"},
                     "annotations": {"cluster_id": cluster["cluster_id"], "cluster_name": cluster["name"]}},
        "data": {"name": _b64(f"{cluster['cluster_id']}-{cluster['name']}"), "server": _b64(server),
                 "config": _b64(json.dumps({"tlsClientConfig": tls}))},
    }


def wanted_secrets(region: Region) -> dict[str, dict[str, Any]]:
    """cluster ID -> cluster, for every cluster associated (Successed) with a Fleet that has GitOps on."""
    now = time.time()
    with region.store.read() as state:
        wanted = {}
        for fleet in state.get("fleets", {}).values():
            if not fleet["argocd"] or adcp.fleet_state(fleet) != "running":
                continue
            for cluster_id, member in fleet["members"].items():
                if adcp.member_state(member, now) == "Successed" and cluster_id in state.get("clusters", {}):
                    wanted[cluster_id] = dict(state["clusters"][cluster_id])
    return wanted


def sync_argocd_secrets(region: Region) -> None:
    wanted = wanted_secrets(region)
    with region.store.read() as state:
        if not state.get("fleets"):
            return
    fleet = region.plane("fleet")
    selector = quote(f"{OWNER_LABEL}=region", safe="")
    listing = fleet.get(f"{SECRETS_PATH}?labelSelector={selector}") or {}
    present = {item["metadata"].get("annotations", {}).get("cluster_id"): item["metadata"]["name"]
               for item in listing.get("items") or []}
    if wanted and fleet.get(f"/api/v1/namespaces/{ARGOCD_NAMESPACE}") is None:
        fleet.apply(f"/api/v1/namespaces/{ARGOCD_NAMESPACE}",
                    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ARGOCD_NAMESPACE}})
    for cluster_id, cluster in wanted.items():
        if cluster_id not in present:
            secret = argocd_secret(region, cluster)
            fleet.apply(f"{SECRETS_PATH}/{secret['metadata']['name']}", secret)
    for cluster_id, name in present.items():
        if cluster_id not in wanted:
            fleet.delete(f"{SECRETS_PATH}/{name}")


def sync_service_routes(region: Region) -> None:
    """The VBR announces the service ranges the CEN routes to it (route services or transit-router routes)."""
    from drconsole.lab.region.ops.cloud_services import announced

    with region.store.read() as state:
        ranges = announced(state)
    netview.announce_services(region.env, ranges)


def reconcile_once(region: Region) -> None:
    adcp.sync_fleet_detach_fault(region)
    sync_service_routes(region)
    try:
        sync_argocd_secrets(region)
    except PlaneUnavailable:
        region.forget_plane("fleet")


def run_forever(region: Region, stop: threading.Event) -> None:
    while not stop.wait(INTERVAL):
        try:
            reconcile_once(region)
        except Exception as exc:  # keep reconciling; the log shows what went wrong
            print(f"reconcile: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
