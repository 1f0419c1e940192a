"""MseIngressConfig on the Fleet: Pending -> Running -> Listening, or Failed with a reason.

A real gateway is Pending for about three minutes while it is created, then Running until it listens
(PHASE_SECONDS); the lab takes those times its timing's transition_scale. Its
clusters come from the `mse.alibabacloud.com/remote-clusters` annotation, and each must be
attached to the Fleet — which the lab reads from the Argo CD cluster Secrets the Fleet keeps in
`argocd` (annotation `cluster_id`), the Fleet's own record of its member clusters.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Set
from typing import Any

from drconsole.lab.controllers.kubeapi import Kube, KubeError, Obj, api_path

GROUP_VERSION = "mse.alibabacloud.com/v1alpha1"
PLURAL = "mseingressconfigs"
REMOTE_CLUSTERS = "mse.alibabacloud.com/remote-clusters"
# How long each phase lasts on a real account (seconds; sources in docs/cloud-facts.md)
PHASE_SECONDS = {"Pending": 180.0, "Running": 60.0}
BUILT_AGO_S = 3600.0  # a `built` lab's gateway was created this long before the lab started (as its region's seed)
SPECS = ("2c4g", "4c8g", "8c16g", "16c32g")
NEXT = {"Pending": "Running", "Running": "Listening"}


def remote_clusters(config: Mapping[str, Any]) -> list[str]:
    text = ((config.get("metadata") or {}).get("annotations") or {}).get(REMOTE_CLUSTERS, "")
    return [c.strip() for c in text.split(",") if c.strip()]


def problem(config: Mapping[str, Any], attached: Set[str]) -> str:
    """Why this MseIngressConfig cannot work, or "" when it can."""
    spec = config.get("spec") or {}
    common = spec.get("common") or {}
    instance = common.get("instance") or {}
    if instance.get("spec") not in (None, *SPECS):
        return f"spec.common.instance.spec {instance.get('spec')!r} is not one of {', '.join(SPECS)}"
    replicas = instance.get("replicas")
    if replicas is not None and not 0 <= int(replicas) <= 30:
        return f"spec.common.instance.replicas {replicas} is outside 0-30"
    switches = (common.get("network") or {}).get("vSwitches")
    if switches is not None and not 1 <= len(switches) <= 2:
        return "spec.common.network.vSwitches needs one or two vSwitches (primary first)"
    tracing = (spec.get("monitor") or {}).get("tracing") or {}
    if tracing.get("xTrace") and tracing.get("openTelemetry"):
        return "spec.monitor.tracing takes xTrace or openTelemetry, not both"
    missing = [c for c in remote_clusters(config) if c not in attached]
    if missing:
        return (f"cluster(s) {', '.join(missing)} in annotation {REMOTE_CLUSTERS} are not associated "
                "with the Fleet instance; associate them first (AttachClusterToHub)")
    return ""


def ingress_class_watched(config: Mapping[str, Any], ingress_class: str | None, namespace: str) -> bool:
    """Whether a Listening config picks up an Ingress of this class in this namespace (facts §B.1)."""
    local = ((config.get("spec") or {}).get("ingress") or {}).get("local") or {}
    if "ingressClass" not in local or local["ingressClass"] is None:
        return False
    wanted = local["ingressClass"]
    watch_ns = local.get("watchNamespace") or ""
    if watch_ns and watch_ns != namespace:
        return False
    if wanted == "":
        return True
    if wanted == "nginx":
        return ingress_class in (None, "", "nginx")
    return bool(ingress_class == wanted)


class MseGateways:
    def __init__(self, fleet: Kube, transition_scale: float, built_by: str | None = None) -> None:
        """`built_by`: the field manager whose configs stand for gateways made before the lab started."""
        self.fleet = fleet
        self.phase_s = {phase: seconds * transition_scale for phase, seconds in PHASE_SECONDS.items()}
        self.built_by = built_by
        self._since: dict[str, tuple[str, float]] = {}
        self._status_subresource = True

    def reconcile(self, attached: Set[str]) -> list[Obj]:
        """Advance every MseIngressConfig; return those now Listening."""
        listening = []
        for config in self.fleet.list(api_path(GROUP_VERSION, PLURAL)):
            phase = self._advance(config, attached)
            if phase == "Listening":
                listening.append(config)
        return listening

    def _advance(self, config: Obj, attached: Set[str]) -> str:
        meta, status = config["metadata"], config.get("status") or {}
        uid = meta["uid"]
        current = status.get("status") or ""
        reason = problem(config, attached)
        began: float | None = None  # when the phase written below began, if it follows a timed one
        if reason:
            target, message = "Failed", reason
        elif current in ("", "Failed"):
            target, message = "Pending", "creating the MSE cloud-native gateway"
        elif current in NEXT:
            seen_phase, since = self._since.get(uid, (current, time.monotonic()))
            if seen_phase != current:
                since = time.monotonic()
            self._since[uid] = (current, since)
            if time.monotonic() - since < self.phase_s[current]:
                return current
            target, began = NEXT[current], since + self.phase_s[current]  # the phase ended then, not when seen
            message = "the gateway is running" if target == "Running" else \
                "the gateway is running and listening to Ingresses"
        else:
            return current
        if target != current or status.get("message") != message:
            self._write(meta["name"], {"status": target, "message": message})
            self._since[uid] = (target, self._created(meta) if began is None else began)
        return target

    def _created(self, meta: Obj) -> float:
        """When a new gateway's creation began (monotonic): now, or long ago for one the lab was built with."""
        managers = {entry.get("manager") for entry in meta.get("managedFields") or []}
        return time.monotonic() - (BUILT_AGO_S if self.built_by in managers else 0.0)

    def _write(self, name: str, status: dict[str, str]) -> None:
        path = api_path(GROUP_VERSION, PLURAL, name=name)
        if self._status_subresource:
            try:
                if self.fleet.merge(path + "/status", {"status": status}) is not None:
                    return
            except KubeError as exc:
                if exc.status != 404:
                    raise
            self._status_subresource = False
        self.fleet.merge(path, {"status": status})
