"""Three real Kubernetes control planes (kube-apiserver + etcd) for the lab: fleet, ack, idc."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drconsole.errors import LabError
from drconsole.lab.env import Component, Fault, LabEnv
from drconsole.lab.kube import planes
from drconsole.lab.kube.planes import PLANES, Layout, PlanePorts, apiserver_name, etcd_name
from drconsole.lab.kube.rest import PlaneRest
from drconsole.lab.kube.seed import ZONES, seed_fleet, seed_member


def _fault_name(plane: str) -> str:
    return f"kube-{plane}"


def _seed(env: LabEnv, plane: str, ports: PlanePorts, kube_version: str) -> None:
    rest = PlaneRest(ports.apiserver, Layout(env).pki)
    if plane == "fleet":
        seed_fleet(rest)
    else:
        seed_member(rest, plane, ZONES[plane], kube_version)


class KubePart:
    name = planes.PART_NAME

    def up(self, env: LabEnv) -> dict[str, Any]:
        from drconsole.lab.kube.build import ensure_binaries

        binaries = ensure_binaries()
        skip = [plane for plane in PLANES if _fault_name(plane) in env.broken()]
        ports = planes.start_planes(env, binaries, PLANES, skip_apiservers=skip)
        for plane in PLANES:
            if plane not in skip:
                _seed(env, plane, ports[plane], binaries.kube_version)
        return {
            "kubeconfig": str(Layout(env).kubeconfig),
            "contexts": {plane: plane for plane in PLANES},
            "servers": {plane: ports[plane].server for plane in PLANES},
            "zones": dict(ZONES),
            "version": binaries.kube_version,
        }

    def down(self, env: LabEnv) -> None:
        planes.stop_planes(env)

    def status(self, env: LabEnv) -> list[Component]:
        state = Layout(env).read_state()
        ports = state[1] if state else {}
        components = []
        for plane in PLANES:
            plane_ports = ports.get(plane)
            for daemon, address in (
                (etcd_name(plane), f"http://127.0.0.1:{plane_ports.etcd_client}" if plane_ports else ""),
                (apiserver_name(plane), plane_ports.server if plane_ports else ""),
            ):
                pid = env.supervisor.pid(daemon)
                broken = daemon == apiserver_name(plane) and _fault_name(plane) in env.broken()
                state_name = "up" if pid else ("broken" if broken else "down")
                components.append(Component(self.name, daemon, state_name, pid, address))
        return components

    def faults(self) -> Mapping[str, Fault]:
        return {_fault_name(plane): ApiserverDown(plane) for plane in PLANES}


@dataclass
class ApiserverDown:
    """One plane's kube-apiserver is stopped (etcd keeps its data); heal starts it again."""

    plane: str

    @property
    def name(self) -> str:
        return _fault_name(self.plane)

    @property
    def description(self) -> str:
        return f"the {self.plane} Kubernetes API server is down"

    def inject(self, env: LabEnv) -> None:
        env.supervisor.stop(apiserver_name(self.plane))

    def heal(self, env: LabEnv) -> None:
        state = Layout(env).read_state()
        if state is None or self.plane not in state[1]:
            raise LabError("the kube control planes are not running", fix="run `drconsole lab up` first")
        binaries, ports = state
        planes.start_apiserver(env, binaries, self.plane, ports[self.plane])
        _seed(env, self.plane, ports[self.plane], binaries.kube_version)


PART = KubePart()
