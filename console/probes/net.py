"""TCP and TLS connects from a vantage, timed, and each failure sorted into a kind a judge can act on."""

from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from drconsole import vantage

# a client context per CA file (None: the system CAs), with the file's content it was loaded from
_CONTEXTS: dict[str | None, tuple[bytes, ssl.SSLContext]] = {}
FailureKind = Literal["timeout", "refused", "unreachable", "untrusted", "tls", "protocol"]


@dataclass(frozen=True)
class Failure:
    """How an attempt failed: its kind, and the words for an operator."""

    kind: FailureKind
    words: str


def failure(exc: BaseException, timeout: float) -> Failure:
    """Sort a connect, TLS or read error into its kind."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Failure("untrusted", f"certificate not trusted: {getattr(exc, 'verify_message', None) or exc}")
    if isinstance(exc, TimeoutError):
        return Failure("timeout", f"no answer within {timeout:g} s")
    if isinstance(exc, ConnectionRefusedError):
        return Failure("refused", "connection refused (nothing listens there)")
    if isinstance(exc, ssl.SSLError):
        return Failure("tls", f"TLS failed: {exc.reason or exc}")
    if isinstance(exc, OSError) and exc.strerror:
        return Failure("unreachable", exc.strerror)
    return Failure("protocol", f"{type(exc).__name__}: {exc}")


def ms_since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 2)


def tcp_connect(where: str | None, address: str, port: int, timeout: float,
                source: str | None = None) -> tuple[socket.socket, float]:
    """A connected socket from `where` and the connect time in ms; raises OSError."""
    started = time.monotonic()
    sock = vantage.connect_tcp(where, address, port, timeout, source)
    return sock, ms_since(started)


def tls_wrap(sock: socket.socket, name: str, ca_file: str | None) -> tuple[ssl.SSLSocket, ssl.SSLContext]:
    """TLS over `sock`, verified for `name` (SNI = name) with `ca_file` only, or the system CAs."""
    context = verifying_context(ca_file)
    return context.wrap_socket(sock, server_hostname=name), context


def verifying_context(ca_file: str | None) -> ssl.SSLContext:
    """A client context trusting `ca_file` only, or the system CAs. Loading CAs is costly (the system's take
    tens of ms), so one context serves every probe until the file's content changes; raises OSError for a file
    that cannot be read."""
    content = Path(ca_file).read_bytes() if ca_file is not None else b""
    known = _CONTEXTS.get(ca_file)
    if known is None or known[0] != content:
        known = _CONTEXTS[ca_file] = (content, ssl.create_default_context(cafile=ca_file))
    return known[1]
