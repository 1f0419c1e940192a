"""The controllers' process: one reconcile pass over the three planes every `controller_period_s` of the lab's
timing (drconsole.lab.timing).

Each pass reads the facts (they change as parts come up and the procedure runs), probes the zone
backends (a zone whose backend does not answer is a lost zone: its kubelets fall silent, and its nodes turn
NotReady only after the node monitor grace period, see nodelife.py), runs kubelet-lite on the member planes
(and publishes what their workloads serve) and the registered cluster's agent process, then Argo CD, the
MseIngressConfig lifecycle and the Ingress -> gateway renderer on the Fleet. A failing plane only skips its own
work; the error is logged once per change, not every pass.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any

from drconsole.lab.controllers.agent import AgentRunner
from drconsole.lab.controllers.argocd import ArgoCD
from drconsole.lab.controllers.gateway import GatewayRenderer, Member, net_apply
from drconsole.lab.controllers.kubeapi import Kube
from drconsole.lab.controllers.kubelet import Kubelet
from drconsole.lab.controllers.manifests import BUILDER
from drconsole.lab.controllers.mse import MseGateways
from drconsole.lab.controllers.nodelife import NodeLifecycle
from drconsole.lab.controllers.pages import served_pages
from drconsole.lab.controllers.topology import (
    BEHIND_LINK,
    LINK_FAULT,
    MEMBER_PLANES,
    associated_clusters,
    backends_up,
    plane_of_server,
    zone_keys,
)
from drconsole.lab.env import LabEnv
from drconsole.lab.net import zonepages
from drconsole.lab.region.part import read_state
from drconsole.lab.region.region import use_timing

HEARTBEAT = "heartbeat"
log = logging.getLogger("drconsole.lab.controllers")


class Controllers:
    def __init__(self, env: LabEnv) -> None:
        self.env = env
        use_timing(env.timing)  # Fleet membership is read from the region's transitions
        self.facts: dict[str, Any] = {}
        self.kubes: dict[str, Kube] = {}
        self.kubelets: dict[str, Kubelet] = {}
        self.lifecycles: dict[str, NodeLifecycle] = {}
        self.argocd: ArgoCD | None = None
        self.mse: MseGateways | None = None
        self.gateway: GatewayRenderer | None = None
        self.agent: AgentRunner | None = None
        self._errors: dict[str, str] = {}

    def connect(self) -> bool:
        """(Re)read the facts; build the plane clients once the kube part has published them."""
        self.facts = self.env.facts()
        kube = self.facts.get("kube") or {}
        if not kube.get("kubeconfig") or self.kubes:
            return bool(self.kubes)
        contexts = kube.get("contexts") or {}
        for index, plane in enumerate(("fleet", *MEMBER_PLANES)):
            self.kubes[plane] = Kube.from_kubeconfig(kube["kubeconfig"], contexts.get(plane, plane))
            if plane != "fleet":
                self.kubelets[plane] = Kubelet(self.kubes[plane], index)
                self.lifecycles[plane] = NodeLifecycle(self.env.timing.node_monitor_grace_s,
                                                       self.env.timing.node_monitor_period_s)
        self.argocd = ArgoCD(self.kubes["fleet"], self._kube_for_server)
        self.mse = MseGateways(self.kubes["fleet"], self.env.timing.transition_scale,
                               built_by=BUILDER if self.env.start_state == "built" else None)
        self.agent = AgentRunner(self.env, self.kubes["idc"])
        return True

    def _kube_for_server(self, server: str) -> Kube | None:
        plane = plane_of_server(self.facts, server)
        return self.kubes.get(plane) if plane else None

    def step(self) -> None:
        if not self.connect():
            return
        with ExitStack() as passes:
            for kube in self.kubes.values():
                passes.enter_context(kube.one_pass())
            self._reconcile()

    def _reconcile(self) -> None:
        up = backends_up(self.facts, self.env.netns("vpc") if self.env.mode == "netns" else None)
        keys = zone_keys(self.facts)
        link_cut = LINK_FAULT in self.env.broken()
        for plane, kubelet in self.kubelets.items():
            lifecycle = self.lifecycles[plane]
            # the data center's own control plane still hears its kubelets: a cut link is no lost zone
            posting = lifecycle.nodes_ready if plane == BEHIND_LINK and link_cut else up.get(keys[plane], True)
            nodes_ready = lifecycle.observe(posting)
            self._guard(f"kubelet-lite on {plane}", partial(kubelet.reconcile, nodes_ready))
            self._guard(f"pages on {plane}", partial(self._publish_pages, plane, keys[plane]))
        assert self.argocd is not None and self.mse is not None and self.agent is not None
        argocd, mse, runner = self.argocd, self.mse, self.agent
        self._guard("registered cluster agent", lambda: runner.reconcile(self.facts.get("net") or {}))
        self._guard("argo cd", argocd.reconcile)
        attached = associated_clusters(read_state(self.env))
        listening = self._guard("mse ingress configs", lambda: mse.reconcile(set(attached))) or []
        if self.facts.get("net", {}).get("gateway"):
            # across a cut link the gateway no longer hears the registered cluster's API: it keeps what it saw
            members = {cid: Member(cid, self.kubes[plane], keys[plane],
                                   reachable=not (link_cut and plane == BEHIND_LINK))
                       for cid, plane in attached.items()}
            self._guard("gateway", lambda: self._render_gateway(listening, members))

    def _publish_pages(self, plane: str, zone: str) -> None:
        if (self.facts.get("net") or {}).get("zones"):
            zonepages.publish(self.env, zone, served_pages(self.kubes[plane]))

    def _render_gateway(self, listening: list[Any], members: dict[str, Member]) -> None:
        if self.gateway is None:
            gateway = self.facts["net"]["gateway"]
            apply, current = net_apply(self.env)
            self.gateway = GatewayRenderer(self.kubes["fleet"], gateway["host"], gateway["address"], apply, current,
                                           sync_s=self.env.timing.gateway_sync_s)
        self.gateway.reconcile(listening, members)

    def _guard(self, what: str, work: Callable[[], Any]) -> Any:
        try:
            result = work()
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}"
            if self._errors.get(what) != message:
                log.warning("%s: %s", what, message)
                self._errors[what] = message
            return None
        if self._errors.pop(what, None) is not None:
            log.info("%s: recovered", what)
        return result

    def run(self, heartbeat: Path, stop: Callable[[], bool] = lambda: False) -> None:
        while not stop():
            started = time.monotonic()
            self.step()
            heartbeat.write_text(f"{time.time():.3f} {len(self._errors)}\n")
            time.sleep(max(0.0, self.env.timing.controller_period_s - (time.monotonic() - started)))
