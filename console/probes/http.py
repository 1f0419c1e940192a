"""One HTTP(S) request from a vantage, phase by phase: connect, TLS, first byte; where it stopped and why."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import Any

from drconsole.probes.net import Failure, failure, tcp_connect, tls_wrap

TIMEOUT = 3.0
BODY_LIMIT = 4096
USER_AGENT = "drconsole-probe"


@dataclass
class Reply:
    """What one request saw. `failed_at` is the phase that failed: connect, tls or http."""

    url: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    timings: dict[str, float] = field(default_factory=dict)  # connect, tls, first_byte (ms from the start)
    ms: float = 0.0
    failed_at: str | None = None
    failure: Failure | None = None

    @property
    def error(self) -> str | None:
        return self.failure.words if self.failure else None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def get(where: str | None, address: str, port: int, host: str, path: str = "/", *, tls: bool = False,
        ca_file: str | None = None, timeout: float = TIMEOUT, body_limit: int = BODY_LIMIT) -> Reply:
    """GET {path} with Host `host` at address:port from `where`; over TLS verified for `host` when `tls`."""
    reply = Reply(f"{'https' if tls else 'http'}://{host}{path} at {address}:{port}")
    started = time.monotonic()

    def stop(phase: str, exc: BaseException) -> Reply:
        reply.failed_at, reply.failure = phase, failure(exc, timeout)
        reply.ms = round((time.monotonic() - started) * 1000, 1)
        return reply

    try:
        sock, reply.timings["connect"] = tcp_connect(where, address, port, timeout)
    except OSError as exc:
        return stop("connect", exc)
    conn: http.client.HTTPConnection
    channel: socket.socket = sock
    try:
        if tls:
            try:
                channel, context = tls_wrap(sock, host, ca_file)
            except (OSError, ssl.SSLError) as exc:
                return stop("tls", exc)
            reply.timings["tls"] = round((time.monotonic() - started) * 1000, 2)
            conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        conn.sock = channel
        try:
            conn.request("GET", path, headers={"Host": host, "User-Agent": USER_AGENT})
            response = conn.getresponse()
            reply.timings["first_byte"] = round((time.monotonic() - started) * 1000, 2)
            reply.status = response.status
            reply.headers = {k.lower(): v for k, v in response.getheaders()}
            reply.body = response.read(body_limit)
        except (OSError, http.client.HTTPException) as exc:
            return stop("http", exc)
    finally:
        channel.close()
    reply.ms = round((time.monotonic() - started) * 1000, 1)
    return reply


def answer(reply: Reply, *headers: str) -> dict[str, Any]:
    """The reply as evidence: status, the named headers, timings and where it failed."""
    return {"status": reply.status, "headers": {h: reply.headers[h] for h in headers if h in reply.headers} or None,
            "timings_ms": reply.timings or None, "failed_at": reply.failed_at, "error": reply.error}
