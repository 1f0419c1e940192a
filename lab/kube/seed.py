"""Give the planes the objects the product expects: CRDs and the argocd namespace on the Fleet,
zone-labelled Ready nodes on the member clusters. Everything is server-side applied (idempotent)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml

from drconsole.errors import LabError
from drconsole.lab.kube.rest import PlaneRest, Response

CRD_DIR = Path(__file__).parent / "crds"
REGION = "cn-hangzhou"
ZONES = {"ack": "cn-hangzhou-h", "idc": "cn-hangzhou-i"}
NODES_PER_PLANE = 2
FLEET_NAMESPACES = ("argocd",)
MEMBER_NAMESPACES = ("default", "kube-system")
_CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


def seed_fleet(rest: PlaneRest) -> None:
    names = [_ok(rest.apply(f"{_CRD_PATH}/{crd['metadata']['name']}", crd), "CRD")["metadata"]["name"]
             for crd in _crds()]
    for namespace in FLEET_NAMESPACES:
        _ok(rest.apply(f"/api/v1/namespaces/{namespace}",
                       {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}), "namespace")
    _wait_established(rest, names)


def seed_member(rest: PlaneRest, plane: str, zone: str, kube_version: str) -> None:
    # the controller-manager's ServiceAccount controller gives every namespace its `default` account
    for namespace in MEMBER_NAMESPACES:
        _ok(rest.apply(f"/api/v1/namespaces/{namespace}/serviceaccounts/default",
                       {"apiVersion": "v1", "kind": "ServiceAccount",
                        "metadata": {"name": "default", "namespace": namespace}}), "service account")
    for index in range(1, NODES_PER_PLANE + 1):
        name = f"{plane}-node-{index}"
        labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                  "topology.kubernetes.io/region": REGION, "topology.kubernetes.io/zone": zone}
        path = f"/api/v1/nodes/{name}"
        _ok(rest.apply(path, {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}}),
            "node")
        _ok(rest.apply(path, {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
                              "status": _node_status(index, kube_version)}, subresource="status"), "node status")


def _node_status(index: int, kube_version: str) -> dict[str, Any]:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    resources = {"cpu": "4", "memory": "16Gi", "pods": "110"}
    return {
        "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                        "message": "lab node", "lastHeartbeatTime": now, "lastTransitionTime": now}],
        "addresses": [{"type": "InternalIP", "address": f"127.0.0.{10 + index}"}],
        "capacity": resources,
        "allocatable": resources,
        "nodeInfo": {"kubeletVersion": kube_version, "kubeProxyVersion": "", "operatingSystem": "linux",
                     "architecture": "amd64", "containerRuntimeVersion": "", "osImage": "drconsole lab",
                     "kernelVersion": "", "machineID": "", "systemUUID": "", "bootID": ""},
    }


def _crds() -> list[dict[str, Any]]:
    return [yaml.safe_load(path.read_text()) for path in sorted(CRD_DIR.glob("*.yaml"))]


def _wait_established(rest: PlaneRest, names: list[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    pending = set(names)
    while pending and time.monotonic() < deadline:
        for name in sorted(pending):
            conditions = rest.request("GET", f"{_CRD_PATH}/{name}").body.get("status", {}).get("conditions") or []
            if any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions):
                pending.discard(name)
        if pending:
            time.sleep(0.1)
    if pending:
        raise LabError(f"CRDs not established after {timeout:.0f} s: {', '.join(sorted(pending))}",
                       where=f"fleet API server on port {rest.port}",
                       fix="read the fleet apiserver log under the lab's run/logs, then `lab down` and `lab up`")


def _ok(response: Response, what: str) -> dict[str, Any]:
    if response.status >= 300:
        raise LabError(f"applying a {what} failed with HTTP {response.status}: "
                       f"{response.body.get('message', response.body)}",
                       fix="read the message above; `drconsole lab down` then `lab up` retries")
    return response.body
