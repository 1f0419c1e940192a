"""The controllers part of the lab: starts the controllers' process and, for the "built" start
state, applies the Fleet objects of the finished procedure and waits for the app to be served."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from drconsole.errors import LabError
from drconsole.lab.controllers import manifests
from drconsole.lab.controllers.controller import HEARTBEAT
from drconsole.lab.controllers.gitrepo import ensure_demo_repo, repo_url
from drconsole.lab.controllers.kubeapi import Kube
from drconsole.lab.env import Component, Fault, LabEnv
from drconsole.lab.supervisor import Daemon

NAME = "controllers"
DAEMON = "lab-controllers"
MANAGER = manifests.BUILDER
BUILT_TIMEOUT = 90.0


def demo_repo(env: LabEnv) -> Path:
    return ensure_demo_repo(env.part_dir(NAME) / "gitops-demo")


def served_zone(facts: Mapping[str, Any]) -> str | None:
    """The zone ID that served the app host through the gateway, or None when nothing did."""
    from drconsole.lab.net.probe import http_request

    net = facts.get("net") or {}
    gateway = net.get("gateway") or {}
    try:
        reply = http_request(net.get("vantage_netns") or None, gateway["address"], int(gateway["http_port"]), "/",
                             host=gateway["host"], timeout=2.0)
    except (OSError, TimeoutError, KeyError, ValueError):
        return None
    return reply.headers.get("x-served-zone") if reply.status == 200 else None


class ControllersPart:
    name = NAME

    def up(self, env: LabEnv) -> dict[str, Any]:
        repo = demo_repo(env)
        heartbeat = env.part_dir(NAME) / HEARTBEAT
        if env.supervisor.pid(DAEMON) is None:
            heartbeat.unlink(missing_ok=True)
        env.supervisor.start(Daemon(
            name=DAEMON,
            argv=[sys.executable, "-m", "drconsole.lab.controllers", "run", "--lab-dir", str(env.root),
                  "--mode", env.mode, "--lab-id", env.lab_id, "--state", env.start_state,
                  "--timing", env.timing_name],
            ready=heartbeat.exists, ready_timeout=30.0,
        ))
        if env.start_state == "built":
            self._build(env, repo)
        return {"git_repo": str(repo),
                "app": {"namespace": manifests.APP_NAMESPACE, "service": manifests.SERVICE,
                        "ingress": manifests.INGRESS, "mse_ingress_config": manifests.MSE_CONFIG}}

    def _build(self, env: LabEnv, repo: Path) -> None:
        facts = env.facts()
        ids = (facts.get("region") or {}).get("ids") or {}
        ack, registered = ids.get("ack_cluster_id"), ids.get("registered_cluster_id")
        kube, net = facts.get("kube") or {}, facts.get("net") or {}
        if not (ack and registered and kube.get("kubeconfig") and net.get("gateway")):
            raise LabError("the built state needs the kube, net and region parts up first",
                           where=str(env.root / "facts.json"),
                           fix="start the lab as a whole (`drconsole lab up`), which starts those parts first")
        fleet = Kube.from_kubeconfig(kube["kubeconfig"], (kube.get("contexts") or {}).get("fleet", "fleet"))
        try:
            fleet.apply(manifests.namespace(), "namespaces", MANAGER)
            fleet.apply(manifests.application_set(repo_url(repo)), "applicationsets", MANAGER)
            fleet.apply(manifests.mse_ingress_config([ack, registered]), "mseingressconfigs", MANAGER)
            fleet.apply(manifests.active_standby_ingress(net["gateway"]["host"], ack), "ingresses", MANAGER)
            self._wait_served(env, fleet)
        finally:
            fleet.close()

    def _wait_served(self, env: LabEnv, fleet: Kube) -> None:
        """Until the controllers have published the Ingress and the gateway serves zone A."""
        facts = env.facts()
        zone_a = facts["net"]["zones"]["a"]["zone_id"]
        path = f"/apis/networking.k8s.io/v1/namespaces/{manifests.APP_NAMESPACE}/ingresses/{manifests.INGRESS}"
        deadline = time.monotonic() + BUILT_TIMEOUT
        while time.monotonic() < deadline:
            ingress = fleet.get(path) or {}
            published = ((ingress.get("status") or {}).get("loadBalancer") or {}).get("ingress")
            if published and served_zone(facts) == zone_a:
                return
            time.sleep(0.2)
        raise LabError(f"the gateway did not serve the app from zone {zone_a} within {BUILT_TIMEOUT:.0f} s",
                       where=str(env.supervisor.log_path(DAEMON)),
                       fix="read the controllers' log named above and clear what it reports")

    def down(self, env: LabEnv) -> None:
        env.supervisor.stop(DAEMON)

    def status(self, env: LabEnv) -> list[Component]:
        pid = env.supervisor.pid(DAEMON)
        heartbeat = env.part_dir(NAME) / HEARTBEAT
        detail = ""
        if pid and heartbeat.exists():
            detail = f"last pass {time.time() - heartbeat.stat().st_mtime:.1f} s ago"
        return [Component(NAME, DAEMON, "up" if pid else "down", pid, detail=detail)]

    def faults(self) -> Mapping[str, Fault]:
        return {}
