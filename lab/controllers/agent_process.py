"""The registered cluster's agent as a process on the data center's side (daemon `lab-agent`).

It does what the ack-cluster-agent does to register: resolve the host of ALI_STUB_REGISTER_ADDR with the
data center's resolver, open TLS to it (verified against the lab CA, as the agent verifies the cloud's
certificate) and keep that connection open with a heartbeat. A connection that fails or goes silent for
AGENT_SILENT_BEATS heartbeats is dropped and dialled again after one heartbeat.

`python -m drconsole.lab.controllers.agent_process --cluster-id ID --register-addr HOST:PORT --dns IP:PORT
--ca FILE --heartbeat S [--port P --lab-dir DIR]`. Loopback mode passes `--port` (the lab's port stands in
for the name's) and `--lab-dir`: nothing routes between loopback addresses, so the agent does the kernel's
route lookup of namespace mode itself, in the data-center router's BGP table, and holds its connection
only while that table has a route to the endpoint's VPC address.
"""

from __future__ import annotations

import argparse
import json
import socket
import ssl
import sys
import time
from collections.abc import Callable
from pathlib import Path

from drconsole.lab.timing import AGENT_SILENT_BEATS

Routed = Callable[[], bool]


def always_routed() -> bool:
    return True


def bgp_route_check(lab_dir: Path) -> Routed:
    """Loopback mode: whether the data-center router learnt a route to the endpoint's VPC address."""
    import ipaddress

    from drconsole.lab.env import LabEnv
    from drconsole.lab.net import bgp
    from drconsole.lab.net.layout import REGISTER_VPC_IP

    env, address = LabEnv(root=lab_dir, mode="loopback"), ipaddress.ip_address(REGISTER_VPC_IP)

    def routed() -> bool:
        return any(address in ipaddress.ip_network(prefix) for prefix in bgp.idc_routes(env))
    return routed


def resolve(host: str, dns_server: str, dns_port: int, timeout: float) -> str:
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers, resolver.port, resolver.lifetime, resolver.cache = [dns_server], dns_port, timeout, None
    return str(resolver.resolve(host, "A")[0].address)


def hold(cluster_id: str, host: str, address: str, port: int, tls: ssl.SSLContext, heartbeat_s: float,
         routed: Routed, on_connect: Callable[[], None]) -> None:
    """Dial, say hello, and beat until the connection fails (then raise why)."""
    silence = heartbeat_s * AGENT_SILENT_BEATS
    if not routed():
        raise ConnectionError(f"no route to {host}")
    with socket.create_connection((address, port), timeout=silence) as raw, \
            tls.wrap_socket(raw, server_hostname=host) as conn, conn.makefile("rwb") as stream:
        print(f"connected to {host} ({address}:{port})", file=sys.stderr)
        on_connect()
        message: dict[str, object] = {"cluster_id": cluster_id}
        while True:
            stream.write(json.dumps(message).encode() + b"\n")
            stream.flush()
            if not stream.readline():
                raise ConnectionResetError("the endpoint closed the connection")
            message = {"heartbeat": time.time()}
            time.sleep(heartbeat_s)
            if not routed():
                raise ConnectionError(f"the route to {host} is gone")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drconsole.lab.controllers.agent_process")
    parser.add_argument("--cluster-id", required=True)
    parser.add_argument("--register-addr", required=True, help="host:port, from ALI_STUB_REGISTER_ADDR")
    parser.add_argument("--dns", required=True, help="the data center's resolver, ip:port")
    parser.add_argument("--ca", required=True, type=Path)
    parser.add_argument("--heartbeat", required=True, type=float)
    parser.add_argument("--port", type=int, help="the port to dial instead of the address's (loopback mode)")
    parser.add_argument("--lab-dir", type=Path, help="loopback mode: route through the lab's BGP table")
    args = parser.parse_args(argv)
    routed = bgp_route_check(args.lab_dir) if args.lab_dir else always_routed
    host, _, named_port = args.register_addr.rpartition(":")
    dns_server, _, dns_port = args.dns.rpartition(":")
    tls = ssl.create_default_context(cafile=str(args.ca))
    said = [""]  # the last failure logged; a failure is logged once until it changes or a connection succeeds

    def connected() -> None:
        said[0] = ""

    while True:
        try:
            address = resolve(host, dns_server, int(dns_port), args.heartbeat * AGENT_SILENT_BEATS)
            hold(args.cluster_id, host, address, args.port or int(named_port), tls, args.heartbeat, routed,
                 connected)
        except Exception as exc:  # any failure means: dial again, as the agent does
            error = f"{type(exc).__name__}: {exc}"
            if error != said[0]:
                print(f"cannot hold the registration connection: {error}", file=sys.stderr)
                said[0] = error
        time.sleep(args.heartbeat)


if __name__ == "__main__":
    sys.exit(main())
