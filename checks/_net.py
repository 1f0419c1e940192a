"""Wording shared by the checks that open connections from the data center's vantage."""

from __future__ import annotations

import ssl


def why(exc: BaseException, timeout: float) -> str:
    """A connection, TLS or read failure in the words an operator needs."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate not trusted: {exc.verify_message}"
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (nothing listens there)"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"{type(exc).__name__}: {exc}"
