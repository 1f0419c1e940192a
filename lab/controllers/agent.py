"""Runs the registered cluster's agent as a real process while its Deployment exists on the `idc` plane.

Kubelet-lite gives the Deployment its Pods; this controller gives it what a Pod's container would do:
the `lab-agent` daemon (agent_process.py) in the data center's namespace (namespace mode; loopback mode:
this host, dialling the lab's port for the endpoint's name while the data-center router's BGP table
routes the endpoint's VPC address). It is started with the Deployment's
KUBERNETES_CLUSTER_ID and ALI_STUB_REGISTER_ADDR, restarted when those change or the namespace was
rebuilt, and stopped when the Deployment is deleted. An unreadable plane changes nothing: a
control plane going down does not stop the containers already running.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from drconsole.lab.controllers.kubeapi import Kube
from drconsole.lab.env import LabEnv
from drconsole.lab.net.layout import NAMES, layout
from drconsole.lab.region import agent
from drconsole.lab.supervisor import Daemon

AGENT_DAEMON = "lab-agent"


def _netns_inode(env: LabEnv) -> int | None:
    from drconsole.lab.net.netns import netns_path

    try:
        return os.stat(netns_path(env.netns("idc"))).st_ino if env.mode == "netns" else None
    except OSError:
        return None


class AgentRunner:
    def __init__(self, env: LabEnv, idc: Kube) -> None:
        self.env = env
        self.idc = idc
        self.running: tuple[Any, ...] | None = None  # what the daemon was started with; None: not by us yet

    def wanted(self) -> tuple[str, str] | None:
        """(cluster ID, register address) of the live agent Deployment, or None when there is none."""
        deployment = self.idc.get(agent.DEPLOYMENT_PATH)
        if deployment is None or (deployment.get("metadata") or {}).get("deletionTimestamp"):
            return None
        if int((deployment.get("spec") or {}).get("replicas", 1)) < 1:
            return None
        settings = agent.deployment_env(deployment)
        if "KUBERNETES_CLUSTER_ID" not in settings or "ALI_STUB_REGISTER_ADDR" not in settings:
            return None
        return settings["KUBERNETES_CLUSTER_ID"], settings["ALI_STUB_REGISTER_ADDR"]

    def reconcile(self, net_facts: dict[str, Any]) -> None:
        wanted = self.wanted()
        supervisor = self.env.supervisor
        if wanted is None or not net_facts.get("dns"):
            supervisor.stop(AGENT_DAEMON)
            self.running = None
            return
        key = (*wanted, _netns_inode(self.env))
        if key == self.running and supervisor.pid(AGENT_DAEMON) is not None:
            return
        supervisor.stop(AGENT_DAEMON)
        supervisor.start(self.daemon(*wanted, net_facts))
        self.running = key

    def daemon(self, cluster_id: str, register_addr: str, net_facts: dict[str, Any]) -> Daemon:
        dns = net_facts["dns"]
        argv = [sys.executable, "-m", "drconsole.lab.controllers.agent_process", "--cluster-id", cluster_id,
                "--register-addr", register_addr, "--dns", f"{dns['servers'][0]}:{dns['port']}",
                "--ca", net_facts["ca_file"], "--heartbeat", str(self.env.timing.agent_heartbeat_s)]
        netns = None
        if self.env.mode == "netns":
            netns = self.env.netns("idc")
        elif register_addr.rpartition(":")[0] == NAMES["cs_register"]:
            argv += ["--port", str(layout(self.env).register_port), "--lab-dir", str(self.env.root)]
        return Daemon(name=AGENT_DAEMON, argv=argv, netns=netns)
