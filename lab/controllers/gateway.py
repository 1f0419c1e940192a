"""Ingresses on the Fleet -> the lab gateway's routing (through drconsole.lab.net.gateway).

Only Ingresses a Listening MseIngressConfig watches count. For the gateway host, the backend
Service's ready endpoints in each of the configs' clusters (EndpointSlices on the member planes)
decide the plan (see ingress.py); the Ingress status gets the gateway address.

Like the real gateway, it acts on a change only after its own sync interval (drconsole.lab.timing
gateway_sync_s), and a member whose API it can no longer reach keeps the endpoints last seen there (stale).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from typing import Any

from drconsole.lab.controllers.ingress import ClusterEndpoints, RoutePlan, backend_service, is_canary, plan_routing
from drconsole.lab.controllers.kubeapi import Kube, Obj, api_path
from drconsole.lab.controllers.mse import ingress_class_watched, remote_clusters


class Member:
    """A member cluster as the gateway reaches it."""

    def __init__(self, cluster_id: str, kube: Kube, zone: str, reachable: bool = True) -> None:
        self.cluster_id = cluster_id
        self.kube = kube
        self.zone = zone
        self.reachable = reachable  # False: the gateway cannot read this cluster's API now

    def ready_pods(self, namespace: str, service: str) -> list[dict[str, str]] | None:
        """Labels of the ready pods behind `service`, or None when the Service is absent here."""
        if self.kube.get(api_path("v1", "services", namespace, service)) is None:
            return None
        slices = self.kube.list(api_path("discovery.k8s.io/v1", "endpointslices", namespace),
                                f"kubernetes.io/service-name={service}")
        pods = {p["metadata"]["name"]: p["metadata"].get("labels") or {}
                for p in self.kube.list(api_path("v1", "pods", namespace))}
        ready = []
        for endpoint in (e for s in slices for e in s.get("endpoints") or []):
            ref = endpoint.get("targetRef") or {}
            if (endpoint.get("conditions") or {}).get("ready") and ref.get("name") in pods:
                ready.append(pods[ref["name"]])
        return ready


class GatewayRenderer:
    def __init__(self, fleet: Kube, host: str, address: str,
                 apply: Callable[[RoutePlan], None], current: Callable[[], RoutePlan | None],
                 sync_s: float = 0.0) -> None:
        self.fleet = fleet
        self.host = host
        self.address = address
        self._apply = apply
        self._last = current()
        self._sync_s = sync_s
        self._pending: tuple[RoutePlan, float] | None = None  # a changed plan and when it was first seen
        self._seen: dict[str, ClusterEndpoints] = {}  # cluster ID -> endpoints last read there

    def reconcile(self, listening: Sequence[Obj], members: Mapping[str, Member]) -> RoutePlan:
        ingresses = [ing for ing in self.fleet.list("/apis/networking.k8s.io/v1/ingresses")
                     if any(ingress_class_watched(cfg, (ing.get("spec") or {}).get("ingressClassName"),
                                                  ing["metadata"]["namespace"]) for cfg in listening)]
        for ing in ingresses:
            self._publish_address(ing)
        plan = self._plan(ingresses, listening, members)
        if plan == self._last:
            self._pending = None
            return plan
        if self._pending is None or self._pending[0] != plan:
            self._pending = (plan, time.monotonic())
        if time.monotonic() - self._pending[1] >= self._sync_s:
            self._apply(plan)
            self._last, self._pending = plan, None
        return plan

    def _plan(self, ingresses: list[Obj], listening: Sequence[Obj], members: Mapping[str, Member]) -> RoutePlan:
        serving = [ing for ing in ingresses if backend_service(ing, self.host)]
        if not serving:
            return RoutePlan(serve=False)
        primary = next((ing for ing in serving if not is_canary(ing)), serving[0])
        namespace, service = primary["metadata"]["namespace"], backend_service(primary, self.host) or ""
        wanted = {c for cfg in listening for c in remote_clusters(cfg)}
        clusters: dict[str, ClusterEndpoints] = {}
        for cluster_id in sorted(wanted):
            member = members.get(cluster_id)
            if member is None:
                continue
            if not member.reachable:
                if cluster_id in self._seen:
                    clusters[cluster_id] = self._seen[cluster_id]
                continue
            ready = member.ready_pods(namespace, service)
            if ready is not None:
                clusters[cluster_id] = self._seen[cluster_id] = ClusterEndpoints(member.zone, ready)
            else:
                self._seen.pop(cluster_id, None)
        same_ns = [ing for ing in serving if ing["metadata"]["namespace"] == namespace]
        return plan_routing(same_ns, self.host, clusters)

    def _publish_address(self, ing: Obj) -> None:
        wanted = [{"ip": self.address}]
        if ((ing.get("status") or {}).get("loadBalancer") or {}).get("ingress") == wanted:
            return
        meta = ing["metadata"]
        self.fleet.merge(api_path("networking.k8s.io/v1", "ingresses", meta["namespace"], meta["name"]) + "/status",
                         {"status": {"loadBalancer": {"ingress": wanted}}})


def net_apply(env: Any) -> tuple[Callable[[RoutePlan], None], Callable[[], RoutePlan | None]]:
    """apply/current bound to the lab gateway of drconsole.lab.net."""
    from drconsole.lab.net import gateway

    def apply(plan: RoutePlan) -> None:
        gateway.apply_routing(env, gateway.Routing(**asdict(plan)))

    def current() -> RoutePlan | None:
        routing = gateway.current_routing(env)
        if routing is None:
            return None
        return RoutePlan(weights=dict(routing.weights), fallback=list(routing.fallback),
                         header=tuple(routing.header) if routing.header else None,
                         serve=routing.serve, retry=routing.retry)

    return apply, current
