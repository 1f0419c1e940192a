"""kubelet-lite: what the kubelet and controller-manager would do on a member plane, reduced to the
objects the product reads. Deployments get Pods (Ready only while their zone's nodes are Ready:
drconsole.lab.controllers.nodelife decides when a lost zone's nodes turn NotReady), Nodes get their Ready
condition, Pods get a status, Deployments get replica counts and conditions, and Services get
EndpointSlices with per-endpoint ready conditions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from drconsole.lab.controllers.kubeapi import Kube, KubeError, Obj, api_path

MANAGER = "kubelet-lite"
SLICE_MANAGED_BY = "kubelet-lite.drconsole.lab"
SYSTEM_NAMESPACES = ("kube-system",)  # cluster components: ready whenever their plane is up
READY_TAINTS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
REGION_NODE_LABEL = "alibabacloud.com/nodepool-id"  # node pool instances: the region part keeps their status


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def template_hash(template: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()
    return "".join(c for c in digest if c.isalnum())[:10]


def pod_ip(plane_index: int, name: str, namespace: str) -> str:
    n = int(hashlib.sha256(f"{namespace}/{name}".encode()).hexdigest(), 16)
    return f"172.{20 + plane_index}.{n % 250 + 1}.{(n >> 8) % 250 + 2}"


def selects(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


class Kubelet:
    def __init__(self, kube: Kube, plane_index: int) -> None:
        self.kube = kube
        self.plane_index = plane_index
        self._accounts: set[str] = set()

    def reconcile(self, nodes_ready: bool) -> None:
        nodes = self.kube.list("/api/v1/nodes")
        if self._set_nodes_ready(nodes, nodes_ready):
            nodes = self.kube.list("/api/v1/nodes")
        pods = self._collect_orphans(self.kube.list("/api/v1/pods"), {n["metadata"]["name"] for n in nodes})
        for deploy in self.kube.list("/apis/apps/v1/deployments"):
            mine = [p for p in pods if _owned_by(p, deploy)]
            template_spec = ((deploy.get("spec") or {}).get("template") or {}).get("spec") or {}
            fitting = [n["metadata"]["name"] for n in nodes if schedulable(n, template_spec.get("tolerations") or [])]
            self._reconcile_deployment(deploy, mine, fitting, nodes_ready)
        self._finish_terminating(pods)
        pods = self.kube.list("/api/v1/pods")
        self._reconcile_slices(pods)

    # -- Deployments and their Pods -----------------------------------------------------------
    def _reconcile_deployment(self, deploy: Obj, pods: list[Obj], nodes: list[str], nodes_ready: bool) -> None:
        meta, spec = deploy["metadata"], deploy.get("spec") or {}
        ns, name = meta["namespace"], meta["name"]
        template = spec.get("template") or {}
        replicas = int(spec.get("replicas", 1))
        pod_hash = template_hash(template)
        wanted = {f"{name}-{pod_hash}-{i}": i for i in range(replicas)}
        for pod in pods:
            if pod["metadata"]["name"] not in wanted:
                self.kube.request("DELETE", api_path("v1", "pods", ns, pod["metadata"]["name"]),
                                  query={"gracePeriodSeconds": "0"})
        existing = {p["metadata"]["name"]: p for p in pods if p["metadata"]["name"] in wanted}
        ready_count = 0
        for pod_name, index in wanted.items():
            pod = existing.get(pod_name)
            if pod is None:
                if not nodes:
                    continue  # nothing to schedule onto: the Deployment stays unavailable
                pod = self._create_pod(deploy, pod_name, pod_hash, nodes[index % len(nodes)])
                if pod is None:
                    continue
            ready = nodes_ready or ns in SYSTEM_NAMESPACES
            self._set_pod_status(pod, ready)
            ready_count += int(ready)
        self._set_deployment_status(deploy, len(wanted) if nodes else 0, ready_count, replicas)

    def _set_nodes_ready(self, nodes: list[Obj], ready: bool) -> bool:
        """The zone's own nodes: Ready while their kubelets post, Unknown once the node lifecycle controller has
        given up on them. Whether any changed. Nodes the region part puts on the plane (node pool instances,
        the virtual node) keep the status the region gives them."""
        changed = False
        flag, reason, message = (("True", "KubeletReady", "kubelet is posting ready status") if ready else
                                 ("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."))
        for node in nodes:
            labels = node["metadata"].get("labels") or {}
            if labels.get("type") == "virtual-kubelet" or REGION_NODE_LABEL in labels:
                continue
            conditions = (node.get("status") or {}).get("conditions") or []
            current: Obj = next((c for c in conditions if c.get("type") == "Ready"), {})
            if current.get("status") == flag:
                continue
            changed = True
            stamp = now()
            others = [c for c in conditions if c.get("type") != "Ready"]
            self.kube.merge(api_path("v1", "nodes", None, node["metadata"]["name"]) + "/status", {"status": {
                "conditions": [*others, {"type": "Ready", "status": flag, "reason": reason, "message": message,
                                         "lastHeartbeatTime": current.get("lastHeartbeatTime", stamp) if not ready
                                         else stamp, "lastTransitionTime": stamp}]}})
        return changed

    def _create_pod(self, deploy: Obj, pod_name: str, pod_hash: str, node: str) -> Obj | None:
        meta, template = deploy["metadata"], deploy["spec"].get("template") or {}
        ns = meta["namespace"]
        self._ensure_default_account(ns)
        labels = {**((template.get("metadata") or {}).get("labels") or {}), "pod-template-hash": pod_hash}
        body = {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": pod_name, "namespace": ns, "labels": labels,
                         "annotations": (template.get("metadata") or {}).get("annotations") or {},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": meta["name"],
                                              "uid": meta["uid"], "controller": True}]},
            "spec": {**(template.get("spec") or {}), "nodeName": node},
        }
        try:
            return self.kube.create(api_path("v1", "pods", ns), body)
        except KubeError as exc:
            if exc.status == 409:
                return self.kube.get(api_path("v1", "pods", ns, pod_name))
            raise

    def _ensure_default_account(self, ns: str) -> None:
        """The ServiceAccount admission needs `default` in the namespace (the controller-manager's job)."""
        if ns in self._accounts:
            return
        if self.kube.get(api_path("v1", "serviceaccounts", ns, "default")) is None:
            try:
                self.kube.create(api_path("v1", "serviceaccounts", ns),
                                 {"apiVersion": "v1", "kind": "ServiceAccount",
                                  "metadata": {"name": "default", "namespace": ns}})
            except KubeError as exc:
                if exc.status != 409:
                    raise
        self._accounts.add(ns)

    def _set_pod_status(self, pod: Obj, ready: bool) -> None:
        meta, status = pod["metadata"], pod.get("status") or {}
        current_ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                            for c in status.get("conditions") or [])
        if status.get("phase") == "Running" and current_ready == ready and status.get("podIP"):
            return
        started = status.get("startTime") or now()
        flag = "True" if ready else "False"
        ip = pod_ip(self.plane_index, meta["name"], meta["namespace"])
        containers = (pod.get("spec") or {}).get("containers") or []
        patch = {"status": {
            "phase": "Running", "startTime": started, "hostIP": "127.0.0.1", "podIP": ip, "podIPs": [{"ip": ip}],
            "conditions": [
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": started},
                {"type": "Initialized", "status": "True", "lastTransitionTime": started},
                {"type": "ContainersReady", "status": flag, "lastTransitionTime": now()},
                {"type": "Ready", "status": flag, "lastTransitionTime": now()},
            ],
            "containerStatuses": [
                {"name": c["name"], "image": c.get("image", ""), "imageID": "", "ready": ready,
                 "restartCount": 0, "started": True, "state": {"running": {"startedAt": started}}}
                for c in containers],
        }}
        self.kube.merge(api_path("v1", "pods", meta["namespace"], meta["name"]) + "/status", patch)

    def _set_deployment_status(self, deploy: Obj, created: int, ready: int, replicas: int) -> None:
        meta, spec, status = deploy["metadata"], deploy.get("spec") or {}, deploy.get("status") or {}
        unavailable_allowed = _max_unavailable(spec, replicas)
        available = ready >= replicas - unavailable_allowed
        complete = ready >= replicas
        wanted = {
            "observedGeneration": meta.get("generation", 1), "replicas": created, "updatedReplicas": created,
            "readyReplicas": ready, "availableReplicas": ready, "unavailableReplicas": max(created - ready, 0),
        }
        conditions = {c.get("type"): c for c in status.get("conditions") or []}
        new_conditions = [
            _condition(conditions.get("Available"), "Available", available,
                       "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                       "Deployment has minimum availability." if available
                       else "Deployment does not have minimum availability."),
            _progressing(conditions.get("Progressing"), spec, meta["name"], complete),
        ]
        current = {k: status.get(k, 0) for k in wanted}
        current["observedGeneration"] = status.get("observedGeneration")
        if current == wanted and [conditions.get(c["type"]) for c in new_conditions] == new_conditions:
            return
        wanted_status = {**wanted, "conditions": new_conditions}
        self.kube.merge(api_path("apps/v1", "deployments", meta["namespace"], meta["name"]) + "/status",
                        {"status": wanted_status})

    def _collect_orphans(self, pods: list[Obj], nodes: set[str]) -> list[Obj]:
        """Pods bound to a Node that no longer exists are deleted (the pod garbage collector's job)."""
        kept = []
        for pod in pods:
            node = (pod.get("spec") or {}).get("nodeName")
            if node and node not in nodes:
                self.kube.request("DELETE", api_path("v1", "pods", pod["metadata"]["namespace"],
                                                     pod["metadata"]["name"]), query={"gracePeriodSeconds": "0"})
            else:
                kept.append(pod)
        return kept

    def _finish_terminating(self, pods: list[Obj]) -> None:
        """A deleted Pod waits for its kubelet to confirm; confirm at once."""
        for pod in pods:
            meta = pod["metadata"]
            if meta.get("deletionTimestamp"):
                self.kube.request("DELETE", api_path("v1", "pods", meta["namespace"], meta["name"]),
                                  query={"gracePeriodSeconds": "0"})

    # -- EndpointSlices -----------------------------------------------------------------------
    def _reconcile_slices(self, pods: list[Obj]) -> None:
        zones = {n["metadata"]["name"]: (n["metadata"].get("labels") or {}).get("topology.kubernetes.io/zone")
                 for n in self.kube.list("/api/v1/nodes")}
        slices = {(s["metadata"]["namespace"], s["metadata"]["name"]): s
                  for s in self.kube.list("/apis/discovery.k8s.io/v1/endpointslices",
                                          f"endpointslice.kubernetes.io/managed-by={SLICE_MANAGED_BY}")}
        wanted: set[tuple[str, str]] = set()
        for svc in self.kube.list("/api/v1/services"):
            selector = (svc.get("spec") or {}).get("selector") or {}
            if not selector:
                continue
            ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
            members = [p for p in pods if p["metadata"]["namespace"] == ns
                       and not p["metadata"].get("deletionTimestamp")
                       and selects(selector, p["metadata"].get("labels") or {})
                       and (p.get("status") or {}).get("podIP")]
            body = _slice(svc, members, zones)
            key = (ns, body["metadata"]["name"])
            wanted.add(key)
            live = slices.get(key)
            if live is None or _slice_view(live) != _slice_view(body):
                self.kube.apply(body, "endpointslices", MANAGER)
        for (ns, name) in set(slices) - wanted:
            self.kube.delete(api_path("discovery.k8s.io/v1", "endpointslices", ns, name))


def schedulable(node: Obj, tolerations: list[Obj]) -> bool:
    """The scheduler's filters that matter here: the node is Ready, and the pod tolerates every
    NoSchedule/NoExecute taint on it. The taints that only mirror the Ready condition are judged by
    the condition itself: the lab has no node lifecycle controller to lift `not-ready` once a node is
    Ready (the API server's admission puts it on every new Node)."""
    conditions = (node.get("status") or {}).get("conditions") or []
    if not any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions):
        return False
    return all(any(_tolerates(t, taint) for t in tolerations) for taint in (node.get("spec") or {}).get("taints") or []
               if taint.get("effect") in ("NoSchedule", "NoExecute") and taint.get("key") not in READY_TAINTS)


def _tolerates(toleration: Obj, taint: Obj) -> bool:
    if toleration.get("effect") and toleration.get("effect") != taint.get("effect"):
        return False
    if not toleration.get("key"):
        return toleration.get("operator") == "Exists"
    if toleration.get("key") != taint.get("key"):
        return False
    return toleration.get("operator") == "Exists" or toleration.get("value", "") == taint.get("value", "")


def _owned_by(pod: Obj, deploy: Obj) -> bool:
    uid = deploy["metadata"]["uid"]
    return pod["metadata"]["namespace"] == deploy["metadata"]["namespace"] and any(
        ref.get("uid") == uid for ref in pod["metadata"].get("ownerReferences") or [])


def _max_unavailable(spec: Mapping[str, Any], replicas: int) -> int:
    value = (((spec.get("strategy") or {}).get("rollingUpdate") or {}).get("maxUnavailable", "25%"))
    if isinstance(value, str) and value.endswith("%"):
        return replicas * int(value[:-1]) // 100
    return int(value)


def _condition(old: Mapping[str, Any] | None, kind: str, ok: bool, reason: str, message: str) -> dict[str, Any]:
    flag = "True" if ok else "False"
    if old and old.get("status") == flag and old.get("reason") == reason:
        return dict(old)
    stamp = now()
    return {"type": kind, "status": flag, "reason": reason, "message": message,
            "lastUpdateTime": stamp, "lastTransitionTime": stamp}


def _progressing(old: Mapping[str, Any] | None, spec: Mapping[str, Any], name: str, complete: bool) -> dict[str, Any]:
    """Progressing turns False (ProgressDeadlineExceeded) once the rollout has waited longer than
    spec.progressDeadlineSeconds (default 600) without completing, as the Deployment controller does."""
    if complete:
        return _condition(old, "Progressing", True, "NewReplicaSetAvailable",
                          f'ReplicaSet "{name}" has successfully progressed.')
    if old and old.get("reason") == "ReplicaSetUpdated":
        since = datetime.strptime(old["lastTransitionTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if (datetime.now(UTC) - since).total_seconds() > int(spec.get("progressDeadlineSeconds", 600)):
            return _condition(old, "Progressing", False, "ProgressDeadlineExceeded",
                              f'ReplicaSet "{name}" has timed out progressing.')
    if old and old.get("reason") == "ProgressDeadlineExceeded":
        return dict(old)
    return _condition(old, "Progressing", True, "ReplicaSetUpdated", f'ReplicaSet "{name}" is progressing.')


def _slice(svc: Obj, pods: list[Obj], zones: Mapping[str, str | None]) -> Obj:
    ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
    ports = []
    for port in (svc.get("spec") or {}).get("ports") or []:
        target = port.get("targetPort", port.get("port"))
        if isinstance(target, str):  # a named container port
            target = next((p.get("containerPort") for pod in pods for c in pod["spec"].get("containers") or []
                           for p in c.get("ports") or [] if p.get("name") == target), None)
        if target is not None:
            ports.append({"name": port.get("name", ""), "port": int(target), "protocol": port.get("protocol", "TCP")})
    endpoints = []
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                    for c in (pod.get("status") or {}).get("conditions") or [])
        node = pod["spec"].get("nodeName")
        endpoint: dict[str, Any] = {
            "addresses": [pod["status"]["podIP"]],
            "conditions": {"ready": ready, "serving": ready, "terminating": False},
            "nodeName": node,
            "targetRef": {"kind": "Pod", "namespace": ns, "name": pod["metadata"]["name"],
                          "uid": pod["metadata"]["uid"]},
        }
        if zones.get(node):
            endpoint["zone"] = zones[node]
        endpoints.append(endpoint)
    return {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": f"{name}-lab", "namespace": ns,
                     "labels": {"kubernetes.io/service-name": name,
                                "endpointslice.kubernetes.io/managed-by": SLICE_MANAGED_BY},
                     "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": name,
                                          "uid": svc["metadata"]["uid"], "controller": True}]},
        "addressType": "IPv4", "ports": ports, "endpoints": endpoints,
    }


def _slice_view(obj: Mapping[str, Any]) -> Any:
    return (obj.get("ports") or [],
            [(e.get("addresses"), (e.get("conditions") or {}).get("ready"), (e.get("targetRef") or {}).get("uid"))
             for e in obj.get("endpoints") or []])
