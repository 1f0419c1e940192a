"""Kubernetes Nodes as the capacity checks and the headroom read them: readiness, zone, node pool,
whether the node is virtual (and by which documented marker), and allocatable CPU and memory.
Sources for every label and taint: docs/cloud-facts.md, "Elastic capacity"."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

NODES = "/api/v1/nodes"
FINISHED_PHASES = ("Succeeded", "Failed")  # a pod in these phases no longer holds its requests
ZONE_LABEL = "topology.kubernetes.io/zone"
NODEPOOL_LABEL = "alibabacloud.com/nodepool-id"
# (label key, value) that mark a virtual node, and what each variant is called
VIRTUAL_LABELS = {("type", "virtual-kubelet"): "ack-virtual-node (label type=virtual-kubelet)",
                  ("k8s.aliyun.com/vnode", "true"): "ECI VNode (label k8s.aliyun.com/vnode=true)"}
VIRTUAL_TAINT_KEYS = ("virtual-kubelet.io/provider", "k8s.aliyun.com/vnode")

_SUFFIX = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
           "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60, "m": 0.001}
_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$")


def quantity(text: Any) -> float:
    """A Kubernetes resource quantity ("500m", "16Gi", "1e3") as a plain number; 0 for nothing.
    Raises ValueError for text that is not a quantity."""
    if text is None or text == "":
        return 0.0
    match = _QUANTITY.match(str(text).strip())
    if not match:
        raise ValueError(f"{text!r} is not a Kubernetes quantity")
    return float(match.group(1)) * _SUFFIX[match.group(2) or ""]


@dataclass(frozen=True)
class NodeView:
    name: str
    ready: str  # the Ready condition's status: "True", "False", "Unknown" or "absent"
    reason: str
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[tuple[str, str, str], ...] = ()  # (key, value, effect)
    cpu: float = 0.0  # allocatable cores
    memory: float = 0.0  # allocatable bytes

    @property
    def zone(self) -> str | None:
        return self.labels.get(ZONE_LABEL)

    @property
    def pool(self) -> str | None:
        return self.labels.get(NODEPOOL_LABEL)

    @property
    def is_ready(self) -> bool:
        return self.ready == "True"

    @property
    def virtual(self) -> str | None:
        """Which documented virtual-node variant this node is, or None for a real node."""
        for (key, value), variant in VIRTUAL_LABELS.items():
            if self.labels.get(key) == value:
                return variant
        taint = next((k for k, _, _ in self.taints if k in VIRTUAL_TAINT_KEYS), None)
        return f"virtual node (taint {taint})" if taint else None


def parse_node(obj: Mapping[str, Any]) -> NodeView:
    meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    allocatable = status.get("allocatable") or {}
    return NodeView(
        name=str(meta.get("name", "?")),
        ready=str(ready.get("status")) if ready else "absent",
        reason=str((ready or {}).get("reason") or ""),
        labels={str(k): str(v) for k, v in (meta.get("labels") or {}).items()},
        taints=tuple((str(t.get("key")), str(t.get("value") or ""), str(t.get("effect")))
                     for t in spec.get("taints") or []),
        cpu=quantity(allocatable.get("cpu")), memory=quantity(allocatable.get("memory")))


def parse_nodes(items: Iterable[Mapping[str, Any]]) -> list[NodeView]:
    return [parse_node(item) for item in items]


def pod_requests(pod: Mapping[str, Any]) -> tuple[float, float]:
    """(cores, bytes) a pod asks the scheduler for: its containers' requests, or an init container's
    if larger (the scheduler's rule)."""
    spec = pod.get("spec") or {}

    def total(containers: list[dict[str, Any]]) -> tuple[float, float]:
        cpu = mem = 0.0
        for container in containers:
            requests = (container.get("resources") or {}).get("requests") or {}
            cpu += quantity(requests.get("cpu"))
            mem += quantity(requests.get("memory"))
        return cpu, mem

    cpu, mem = total(spec.get("containers") or [])
    for init in spec.get("initContainers") or []:
        icpu, imem = total([init])
        cpu, mem = max(cpu, icpu), max(mem, imem)
    return cpu, mem


def counts_as_load(pod: Mapping[str, Any]) -> bool:
    """Pods that hold their requests: not finished."""
    return (pod.get("status") or {}).get("phase") not in FINISHED_PHASES
