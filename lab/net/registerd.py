"""The process of ACK's private registration endpoint (daemon `net-register`): a TLS listener that
registered-cluster agents dial and keep open, and `register.json`, the record of each cluster's agent.

Standard library only, and started by its path in isolated mode (`python -I`), so any Python 3 can run
it, also one that has no drconsole on its import path (the loopback lab run by an unprivileged user).
The real wire protocol is not published; this one (a hello line naming the cluster, then heartbeat
lines, each answered by one line) is the lab's own.
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


@dataclass(frozen=True)
class Registration:
    """What the endpoint knows of one cluster's agent (times are epoch seconds)."""

    first_heard: float
    last_heard: float
    open_connections: int


class Endpoint:
    """The listener: one thread per agent connection, one shared record."""

    def __init__(self, record: Path, silence_s: float) -> None:
        self.record = record
        self.silence_s = silence_s
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
        silent for `silence_s` (a cut link drops packets without a word) is given up."""
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
    parser = argparse.ArgumentParser(prog="registerd.py")
    parser.add_argument("--listen", required=True, help="address:port")
    parser.add_argument("--cert", required=True, type=Path)
    parser.add_argument("--key", required=True, type=Path)
    parser.add_argument("--record", required=True, type=Path)
    parser.add_argument("--silence", required=True, type=float, help="seconds a silent agent is kept")
    args = parser.parse_args(argv)
    address, _, port = args.listen.rpartition(":")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(args.cert, args.key)
    endpoint = Endpoint(args.record, args.silence)
    endpoint.known = {cid: Registration(r.first_heard, r.last_heard, 0)
                      for cid, r in read_record(args.record).items()}  # a restart closed every connection
    endpoint._save()
    with socket.create_server((address, int(port))) as server:
        print(f"listening on {args.listen}", file=sys.stderr)
        while True:
            raw, _ = server.accept()
            threading.Thread(target=endpoint.serve, args=(raw, tls), daemon=True).start()


def read_record(record: Path) -> dict[str, Registration]:
    try:
        return {cid: Registration(**e) for cid, e in json.loads(record.read_text()).items()}
    except (OSError, ValueError, TypeError):
        return {}


if __name__ == "__main__":
    sys.exit(main())
