"""Small, bounded probes the lab uses to see its own daemons (and tests reuse): a TCP connect,
an HTTP(S) request, a DNS query — each made from inside the right namespace."""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass

from drconsole.lab.net.netns import run_in_netns, socket_in_netns


def tcp_open(ns: str | None, host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts a TCP connection at host:port."""
    sock = socket_in_netns(ns)
    sock.settimeout(timeout)
    try:
        sock.connect((host, port))
        return True
    except OSError:
        return False
    finally:
        sock.close()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float = 0.0


def http_request(ns: str | None, address: str, port: int, path: str = "/", *, host: str,
                 tls: ssl.SSLContext | None = None, headers: dict[str, str] | None = None,
                 timeout: float = 5.0) -> Reply:
    """One HTTP(S) GET to address:port with Host/SNI `host`, made inside namespace `ns`.
    With `tls`, the server certificate is verified against `host`."""
    import time

    def call() -> Reply:
        started = time.monotonic()
        raw = socket.create_connection((address, port), timeout=timeout)
        try:
            conn: http.client.HTTPConnection
            if tls is not None:
                wrapped = tls.wrap_socket(raw, server_hostname=host)
                conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=tls)
                conn.sock = wrapped
            else:
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
                conn.sock = raw
            conn.request("GET", path, headers={"Host": host, **(headers or {})})
            resp = conn.getresponse()
            body = resp.read()
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body,
                         time.monotonic() - started)
        finally:
            raw.close()

    return run_in_netns(ns, call, timeout=timeout * 3)


def tls_context(ca_file: str) -> ssl.SSLContext:
    """A verifying client context that trusts only the lab CA."""
    return ssl.create_default_context(cafile=ca_file)  # with a cafile, no system CAs are loaded
