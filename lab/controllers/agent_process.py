"""The registered cluster's agent as a process on the data center's side (daemon `lab-agent`).

It does what the ack-cluster-agent does to register: resolve the host of ALI_STUB_REGISTER_ADDR with the
data center's resolver, open TLS to it (verified against the lab CA, as the agent verifies the cloud's
certificate) and keep that connection open with a heartbeat. A connection that fails or goes silent for
AGENT_SILENT_BEATS heartbeats is dropped and dialled again after one heartbeat.

`python -m drconsole.lab.controllers.agent_process --cluster-id ID --register-addr HOST:PORT --dns IP:PORT
--ca FILE --heartbeat S [--port P]` (`--port`: loopback mode, where the lab's ports stand in for the name's).
"""

from __future__ import annotations

import argparse
import json
import socket
import ssl
import sys
import time
from pathlib import Path

from drconsole.lab.timing import AGENT_SILENT_BEATS


def resolve(host: str, dns_server: str, dns_port: int, timeout: float) -> str:
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers, resolver.port, resolver.lifetime, resolver.cache = [dns_server], dns_port, timeout, None
    return str(resolver.resolve(host, "A")[0].address)


def hold(cluster_id: str, host: str, address: str, port: int, tls: ssl.SSLContext, heartbeat_s: float) -> None:
    """Dial, say hello, and beat until the connection fails (raises OSError or ValueError)."""
    silence = heartbeat_s * AGENT_SILENT_BEATS
    with socket.create_connection((address, port), timeout=silence) as raw, \
            tls.wrap_socket(raw, server_hostname=host) as conn, conn.makefile("rwb") as stream:
        print(f"connected to {host} ({address}:{port})", file=sys.stderr)
        message: dict[str, object] = {"cluster_id": cluster_id}
        while True:
            stream.write(json.dumps(message).encode() + b"\n")
            stream.flush()
            if not stream.readline():
                raise ConnectionResetError("the endpoint closed the connection")
            message = {"heartbeat": time.time()}
            time.sleep(heartbeat_s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drconsole.lab.controllers.agent_process")
    parser.add_argument("--cluster-id", required=True)
    parser.add_argument("--register-addr", required=True, help="host:port, from ALI_STUB_REGISTER_ADDR")
    parser.add_argument("--dns", required=True, help="the data center's resolver, ip:port")
    parser.add_argument("--ca", required=True, type=Path)
    parser.add_argument("--heartbeat", required=True, type=float)
    parser.add_argument("--port", type=int, help="the port to dial instead of the address's (loopback mode)")
    args = parser.parse_args(argv)
    host, _, named_port = args.register_addr.rpartition(":")
    dns_server, _, dns_port = args.dns.rpartition(":")
    tls = ssl.create_default_context(cafile=str(args.ca))
    last_error = ""
    while True:
        try:
            address = resolve(host, dns_server, int(dns_port), args.heartbeat * AGENT_SILENT_BEATS)
            hold(args.cluster_id, host, address, args.port or int(named_port), tls, args.heartbeat)
        except Exception as exc:  # any failure means: dial again, as the agent does
            error = f"{type(exc).__name__}: {exc}"
            if error != last_error:
                print(f"cannot hold the registration connection: {error}", file=sys.stderr)
                last_error = error
        time.sleep(args.heartbeat)


if __name__ == "__main__":
    sys.exit(main())
