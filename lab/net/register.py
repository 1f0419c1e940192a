"""ACK's private registration endpoint (`cs-anony-vpc.<region>.aliyuncs.com:5533`) on the VPC side: a TLS
listener that registered-cluster agents dial and keep open, and the record of which cluster's agent
was last heard when.

The process (`python -m drconsole.lab.net.register ...`, daemon `net-register`) answers each agent line
with one line, and writes `register.json` in the net directory: per cluster ID, when its agent was
first and last heard and how many of its connections are open. The region reads that record
(`registrations`) to tell `waiting` / `running` / `disconnected`. The real wire protocol is not
published; this one (a hello naming the cluster, then heartbeats) is the lab's own.
"""

from __future__ import annotations

import argparse
import json
import socket
import ssl
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from drconsole.lab.env import LabEnv
from drconsole.lab.net.layout import NAMES, Layout
from drconsole.lab.net.tls import ensure_server_cert
from drconsole.lab.supervisor import Daemon
from drconsole.lab.timing import AGENT_SILENT_BEATS

REGISTER_DAEMON = "net-register"
RECORD = "register.json"


@dataclass(frozen=True)
class Registration:
    """What the endpoint knows of one cluster's agent (times are epoch seconds)."""

    first_heard: float
    last_heard: float
    open_connections: int


def record_path(env: LabEnv) -> Path:
    return env.part_dir("net") / RECORD


def registrations(env: LabEnv) -> dict[str, Registration]:
    """Cluster ID -> its agent's registration, as the endpoint last wrote it ({} before any agent)."""
    return _read(record_path(env))


def daemon(env: LabEnv, lay: Layout, netns: str | None) -> Daemon:
    """The listener's process, with its server certificate for the endpoint's name."""
    net_dir = env.part_dir("net")
    cert, key = ensure_server_cert(net_dir, "cs-register", [NAMES["cs_register"]], [lay.register_ip])
    return Daemon(name=REGISTER_DAEMON, netns=netns, argv=[
        sys.executable, "-m", "drconsole.lab.net.register", "--listen", f"{lay.register_ip}:{lay.register_port}",
        "--cert", str(cert), "--key", str(key), "--record", str(record_path(env)),
        "--heartbeat", str(env.timing.agent_heartbeat_s)])


class Endpoint:
    """The listener: one thread per agent connection, one shared record."""

    def __init__(self, record: Path, heartbeat_s: float) -> None:
        self.record = record
        self.silence_s = heartbeat_s * AGENT_SILENT_BEATS
        self.lock = threading.Lock()
        self.known: dict[str, Registration] = {}

    def heard(self, cluster_id: str, opened: int = 0) -> None:
        now = time.time()
        with self.lock:
            old = self.known.get(cluster_id)
            self.known[cluster_id] = Registration(old.first_heard if old else now, now,
                                                  (old.open_connections if old else 0) + opened)
            self._save()

    def closed(self, cluster_id: str) -> None:
        with self.lock:
            old = self.known[cluster_id]
            self.known[cluster_id] = Registration(old.first_heard, old.last_heard, old.open_connections - 1)
            self._save()

    def _save(self) -> None:
        tmp = self.record.with_suffix(".tmp")
        tmp.write_text(json.dumps({cid: asdict(r) for cid, r in self.known.items()}))
        tmp.replace(self.record)

    def serve(self, raw: socket.socket, tls: ssl.SSLContext) -> None:
        """One agent: a hello naming its cluster, then a heartbeat line answered by one line each. A peer
        silent for AGENT_SILENT_BEATS heartbeats (a cut link drops packets without a word) is given up."""
        cluster_id = None
        raw.settimeout(self.silence_s)
        try:
            with tls.wrap_socket(raw, server_side=True) as conn, conn.makefile("rwb") as stream:
                for line in stream:
                    message = json.loads(line)
                    if cluster_id is None:
                        cluster_id = str(message["cluster_id"])
                        self.heard(cluster_id, opened=1)
                    else:
                        self.heard(cluster_id)
                    stream.write(b'{"ok": true}\n')
                    stream.flush()
        except (OSError, ValueError, KeyError) as exc:
            print(f"agent {cluster_id or 'before its hello'}: {type(exc).__name__}: {exc}", file=sys.stderr)
        finally:
            raw.close()
            if cluster_id is not None:
                self.closed(cluster_id)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drconsole.lab.net.register")
    parser.add_argument("--listen", required=True, help="address:port")
    parser.add_argument("--cert", required=True, type=Path)
    parser.add_argument("--key", required=True, type=Path)
    parser.add_argument("--record", required=True, type=Path)
    parser.add_argument("--heartbeat", required=True, type=float)
    args = parser.parse_args(argv)
    address, _, port = args.listen.rpartition(":")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(args.cert, args.key)
    endpoint = Endpoint(args.record, args.heartbeat)
    endpoint.known = {cid: Registration(r.first_heard, r.last_heard, 0)
                      for cid, r in _read(args.record).items()}  # a restart closed every connection
    endpoint._save()
    with socket.create_server((address, int(port))) as server:
        print(f"listening on {args.listen}", file=sys.stderr)
        while True:
            raw, _ = server.accept()
            threading.Thread(target=endpoint.serve, args=(raw, tls), daemon=True).start()


def _read(record: Path) -> dict[str, Registration]:
    try:
        return {cid: Registration(**e) for cid, e in json.loads(record.read_text()).items()}
    except (OSError, ValueError, TypeError):
        return {}


if __name__ == "__main__":
    sys.exit(main())
