"""Start and stop independent control planes: one etcd and one kube-apiserver each, on 127.0.0.1.

Ports and binary paths are kept in `planes.json` in the part directory, so a later command (a
fault's heal, `lab status`) finds them; every process runs under the lab Supervisor.
"""

from __future__ import annotations

import json
import shutil
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from drconsole.lab.env import LabEnv, free_ports
from drconsole.lab.kube.pki import SERVICE_IP, Pki, ensure_pki
from drconsole.lab.kube.rest import PlaneRest
from drconsole.lab.supervisor import Daemon

if TYPE_CHECKING:
    from drconsole.lab.kube.build import KubeBinaries

PART_NAME = "kube"
PLANES: tuple[str, ...] = ("fleet", "ack", "idc")
SERVICE_CIDR = SERVICE_IP.rsplit(".", 1)[0] + ".0/24"
APISERVER_READY_TIMEOUT = 90.0


@dataclass(frozen=True)
class PlanePorts:
    etcd_client: int
    etcd_peer: int
    apiserver: int

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self.apiserver}"


@dataclass(frozen=True)
class Layout:
    """Where one lab's control planes keep their files, and what they were started with."""

    env: LabEnv

    @property
    def dir(self) -> Path:
        return self.env.part_dir(PART_NAME)

    @property
    def pki(self) -> Pki:
        return Pki(self.dir / "pki")

    @property
    def kubeconfig(self) -> Path:
        return self.dir / "kubeconfig"

    @property
    def state_file(self) -> Path:
        return self.dir / "planes.json"

    def data_dir(self, plane: str) -> Path:
        return self.dir / plane / "etcd"

    def read_state(self) -> tuple[KubeBinaries, dict[str, PlanePorts]] | None:
        from drconsole.lab.kube.build import KubeBinaries  # not at import: `-m ...kube.build` runs it

        try:
            state = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return None
        binaries = KubeBinaries(Path(state["kube_apiserver"]), Path(state["etcd"]), state["kube_version"])
        return binaries, {name: PlanePorts(**ports) for name, ports in state["planes"].items()}

    def write_state(self, binaries: KubeBinaries, planes: dict[str, PlanePorts]) -> None:
        self.state_file.write_text(json.dumps({
            "kube_apiserver": str(binaries.kube_apiserver), "etcd": str(binaries.etcd),
            "kube_version": binaries.kube_version,
            "planes": {name: asdict(ports) for name, ports in planes.items()},
        }, indent=2))


def etcd_name(plane: str) -> str:
    return f"kube-{plane}-etcd"


def apiserver_name(plane: str) -> str:
    return f"kube-{plane}-apiserver"


def start_planes(env: LabEnv, binaries: KubeBinaries, names: Sequence[str] = PLANES,
                 skip_apiservers: Sequence[str] = ()) -> dict[str, PlanePorts]:
    """Start every plane not already running (concurrently) and write the kubeconfig.

    Ports are reused from an earlier start of this lab; `skip_apiservers` leaves the API servers of
    those planes stopped (a fault in force)."""
    layout = Layout(env)
    pki = ensure_pki(layout.pki.dir)
    state = layout.read_state()
    planes = dict(state[1]) if state else {}
    missing = [name for name in names if name not in planes]
    ports = iter(free_ports(["127.0.0.1"] * 3 * len(missing)))
    for name in missing:
        planes[name] = PlanePorts(next(ports), next(ports), next(ports))
    layout.write_state(binaries, planes)
    write_kubeconfig(layout.kubeconfig, pki, {name: planes[name] for name in names})

    def start_one(name: str) -> None:
        start_etcd(env, binaries, name, planes[name])
        if name not in skip_apiservers:
            start_apiserver(env, binaries, name, planes[name], pki)

    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        for future in [pool.submit(start_one, name) for name in names]:
            future.result()
    return planes


def start_etcd(env: LabEnv, binaries: KubeBinaries, plane: str, ports: PlanePorts) -> int:
    data = Layout(env).data_dir(plane)
    data.parent.mkdir(parents=True, exist_ok=True)
    client = f"http://127.0.0.1:{ports.etcd_client}"
    peer = f"http://127.0.0.1:{ports.etcd_peer}"
    return env.supervisor.start(Daemon(
        name=etcd_name(plane),
        argv=[str(binaries.etcd), f"--name={plane}", f"--data-dir={data}",
              f"--listen-client-urls={client}", f"--advertise-client-urls={client}",
              f"--listen-peer-urls={peer}", f"--initial-advertise-peer-urls={peer}",
              f"--initial-cluster={plane}={peer}", "--unsafe-no-fsync", "--log-level=warn"],
        ready=lambda: _etcd_healthy(ports.etcd_client),
        ready_timeout=30.0,
        extra={"address": client},
    ))


def start_apiserver(env: LabEnv, binaries: KubeBinaries, plane: str, ports: PlanePorts,
                    pki: Pki | None = None) -> int:
    pki = pki or Layout(env).pki
    rest = PlaneRest(ports.apiserver, pki, timeout=1.0)
    cert_dir = Layout(env).dir / plane / "certs"
    cert_dir.mkdir(parents=True, exist_ok=True)
    return env.supervisor.start(Daemon(
        name=apiserver_name(plane),
        argv=[str(binaries.kube_apiserver),
              f"--etcd-servers=http://127.0.0.1:{ports.etcd_client}",
              "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
              f"--secure-port={ports.apiserver}", f"--cert-dir={cert_dir}",
              f"--tls-cert-file={pki.serving_cert}", f"--tls-private-key-file={pki.serving_key}",
              f"--client-ca-file={pki.ca_cert}",
              "--service-account-issuer=https://kubernetes.default.svc",
              f"--service-account-key-file={pki.sa_public_key}",
              f"--service-account-signing-key-file={pki.sa_private_key}",
              f"--service-cluster-ip-range={SERVICE_CIDR}",
              "--authorization-mode=RBAC",
              # Lab tuning: no endpoint reconciling for a loopback address, no flow control, no profiling.
              "--endpoint-reconciler-type=none", "--enable-priority-and-fairness=false", "--profiling=false"],
        ready=rest.ready,
        ready_timeout=APISERVER_READY_TIMEOUT,
        extra={"address": ports.server},
    ))


def stop_planes(env: LabEnv, names: Sequence[str] = PLANES) -> None:
    """Stop the API servers, then etcd, by PID; drop the etcd data and the recorded ports."""
    layout = Layout(env)
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        list(pool.map(lambda name: env.supervisor.stop(apiserver_name(name)), names))
        list(pool.map(lambda name: env.supervisor.stop(etcd_name(name)), names))
    for name in names:
        shutil.rmtree(layout.data_dir(name), ignore_errors=True)
    layout.state_file.unlink(missing_ok=True)


def write_kubeconfig(path: Path, pki: Pki, planes: dict[str, PlanePorts]) -> None:
    """One kubeconfig, one cluster/user/context per plane, each context named after its plane."""
    import base64

    ca_data = base64.b64encode(pki.ca_cert.read_bytes()).decode()
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "current-context": next(iter(planes)),
        "clusters": [{"name": name, "cluster": {"server": ports.server, "certificate-authority-data": ca_data}}
                     for name, ports in planes.items()],
        "users": [{"name": name, "user": {"client-certificate": str(pki.admin_cert),
                                          "client-key": str(pki.admin_key)}} for name in planes],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}} for name in planes],
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def _etcd_healthy(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1.0) as reply:
        return bool(json.loads(reply.read()).get("health") == "true")
