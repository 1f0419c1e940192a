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
from drconsole.lab.controllers.agent import AGENT_DAEMON
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


def served_zone(env: LabEnv) -> str | None:
    """The zone key ("a"/"b") whose copy of the app the gateway served for the app host, or None when none
    did. The lab tells it from the pages it publishes per zone (drconsole.lab.net.zonepages), not a header."""
    from drconsole.lab.net.probe import http_request
    from drconsole.lab.net.zonepages import zone_of_page

    net = env.facts().get("net") or {}
    gateway = net.get("gateway") or {}
    try:
        reply = http_request(net.get("vantage_netns") or None, gateway["address"], int(gateway["http_port"]), "/",
                             host=gateway["host"], timeout=2.0)
    except (OSError, TimeoutError, KeyError, ValueError):
        return None
    return zone_of_page(env, reply.body) if reply.status == 200 else None


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
        self._wait_registered(env, registered)

    def _wait_registered(self, env: LabEnv, cluster_id: str) -> None:
        """Until the agent's process has reached the registration endpoint for the built registered cluster."""
        from drconsole.lab.net.register import registrations

        deadline = time.monotonic() + BUILT_TIMEOUT
        while time.monotonic() < deadline:
            heard = registrations(env).get(cluster_id)
            if heard is not None and heard.open_connections > 0:
                return
            time.sleep(0.2)
        raise LabError(f"the agent of registered cluster {cluster_id} did not reach the registration endpoint "
                       f"within {BUILT_TIMEOUT:.0f} s", where=str(env.supervisor.log_path(AGENT_DAEMON)),
                       fix="read the agent's log named above (and the controllers' log) and clear what it reports")

    def _wait_served(self, env: LabEnv, fleet: Kube) -> None:
        """Until the controllers have published the Ingress and the gateway serves zone A."""
        zone_a = env.facts()["net"]["zones"]["a"]["zone_id"]
        path = f"/apis/networking.k8s.io/v1/namespaces/{manifests.APP_NAMESPACE}/ingresses/{manifests.INGRESS}"
        deadline = time.monotonic() + BUILT_TIMEOUT
        while time.monotonic() < deadline:
            ingress = fleet.get(path) or {}
            published = ((ingress.get("status") or {}).get("loadBalancer") or {}).get("ingress")
            if published and served_zone(env) == "a":
                return
            time.sleep(0.2)
        raise LabError(f"the gateway did not serve the app from zone {zone_a} within {BUILT_TIMEOUT:.0f} s",
                       where=str(env.supervisor.log_path(DAEMON)),
                       fix="read the controllers' log named above and clear what it reports")

    def down(self, env: LabEnv) -> None:
        env.supervisor.stop(DAEMON)
        env.supervisor.stop(AGENT_DAEMON)

    def status(self, env: LabEnv) -> list[Component]:
        pid = env.supervisor.pid(DAEMON)
        heartbeat = env.part_dir(NAME) / HEARTBEAT
        detail = ""
        if pid and heartbeat.exists():
            detail = f"last pass {time.time() - heartbeat.stat().st_mtime:.1f} s ago"
        components = [Component(NAME, DAEMON, "up" if pid else "down", pid, detail=detail)]
        agent_pid = env.supervisor.pid(AGENT_DAEMON)  # runs only while ack-cluster-agent is deployed on idc
        if agent_pid:
            components.append(Component(NAME, AGENT_DAEMON, "up", agent_pid, detail="registered cluster's agent"))
        return components

    def faults(self) -> Mapping[str, Fault]:
        return {}
