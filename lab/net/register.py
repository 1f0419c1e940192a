"""ACK's private registration endpoint (`cs-anony-vpc.<region>.aliyuncs.com:5533`) on the VPC side: how its
process (registerd.py, daemon `net-register`) is started, and what it heard of each cluster's agent. The
region reads `registrations` to tell `waiting` / `running` / `disconnected`."""

from __future__ import annotations

import sys
from pathlib import Path

from drconsole.lab.env import LabEnv
from drconsole.lab.net import registerd
from drconsole.lab.net.layout import NAMES, Layout
from drconsole.lab.net.registerd import Registration
from drconsole.lab.net.tls import ensure_server_cert
from drconsole.lab.supervisor import Daemon
from drconsole.lab.timing import AGENT_SILENT_BEATS

REGISTER_DAEMON = "net-register"
RECORD = "register.json"


def record_path(env: LabEnv) -> Path:
    return env.part_dir("net") / RECORD


def registrations(env: LabEnv) -> dict[str, Registration]:
    """Cluster ID -> its agent's registration, as the endpoint last wrote it ({} before any agent)."""
    return registerd.read_record(record_path(env))


def daemon(env: LabEnv, lay: Layout, netns: str | None) -> Daemon:
    """The listener's process, with its server certificate for the endpoint's name."""
    net_dir = env.part_dir("net")
    cert, key = ensure_server_cert(net_dir, "cs-register", [NAMES["cs_register"]], [lay.register_ip])
    silence = env.timing.agent_heartbeat_s * AGENT_SILENT_BEATS
    return Daemon(name=REGISTER_DAEMON, netns=netns, argv=[
        sys.executable, "-I", registerd.__file__, "--listen", f"{lay.register_ip}:{lay.register_port}",
        "--cert", str(cert), "--key", str(key), "--record", str(record_path(env)), "--silence", str(silence)])
