"""Every way TLS (and the connect before it) can fail, observed for real on loopback and sorted by the
probe; the endpoint and gateway judges name each. No lab: a socket or a TLS server in a thread."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drconsole.checks.endpoints import _failure as endpoint_finding
from drconsole.checks.gateway_http import _gateway_finding as gateway_finding
from drconsole.probes import http

NAME = "registry-vpc.example.test"
TIMEOUT = 1.0  # a silent server's answer is awaited this long; what is asserted never depends on it


def serve(handle: Callable[[socket.socket], None]) -> Iterator[int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.05)  # so the loop sees `stop` soon
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            with conn, contextlib.suppress(OSError):
                handle(conn)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from drconsole.lab.net.tls import ensure_ca, ensure_server_cert

    ours, other = tmp_path_factory.mktemp("ours"), tmp_path_factory.mktemp("other")
    ca, _ = ensure_ca(ours)
    cert, key = ensure_server_cert(ours, "server", [NAME], ["127.0.0.1"])
    other_ca, _ = ensure_ca(other)
    return {"ca": ca, "cert": cert, "key": key, "other_ca": other_ca}


@pytest.fixture(scope="module")
def tls_server(pki: dict[str, Path]) -> Iterator[int]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki["cert"], pki["key"])

    def handle(conn: socket.socket) -> None:
        with context.wrap_socket(conn, server_side=True) as tls:
            tls.recv(4096)
            tls.sendall(b"HTTP/1.1 401 Unauthorized\r\nWww-Authenticate: Bearer\r\nContent-Length: 0\r\n\r\n")

    yield from serve(handle)


def get(port: int, ca: Path | None, name: str = NAME) -> http.Reply:
    return http.get(None, "127.0.0.1", port, name, "/v2/", tls=True, ca_file=str(ca) if ca else None,
                    timeout=TIMEOUT)


def test_verified_tls_gets_the_answer(tls_server: int, pki: dict[str, Path]) -> None:
    reply = get(tls_server, pki["ca"])
    assert (reply.failed_at, reply.status) == (None, 401) and set(reply.timings) == {"connect", "tls", "first_byte"}


def test_a_certificate_from_another_ca_is_untrusted(tls_server: int, pki: dict[str, Path]) -> None:
    reply = get(tls_server, pki["other_ca"])
    assert (reply.failed_at, reply.failure and reply.failure.kind) == ("tls", "untrusted")
    assert endpoint_finding(reply) == "EP-TLS-FAILED" and gateway_finding(reply) == "GW-TLS-FAILED"


def test_a_ca_file_changed_on_disk_is_trusted_from_the_next_probe(tls_server: int, pki: dict[str, Path],
                                                                   tmp_path: Path) -> None:
    trusted = tmp_path / "trusted.pem"
    trusted.write_bytes(pki["other_ca"].read_bytes())
    before = get(tls_server, trusted)
    trusted.write_bytes(pki["ca"].read_bytes())
    after = get(tls_server, trusted)
    assert before.failure is not None and before.failure.kind == "untrusted"
    assert (after.failed_at, after.status) == (None, 401)


def test_a_certificate_for_another_name_is_untrusted(tls_server: int, pki: dict[str, Path]) -> None:
    reply = get(tls_server, pki["ca"], name="oss-vpc.example.test")
    assert (reply.failed_at, reply.failure and reply.failure.kind) == ("tls", "untrusted")
    assert endpoint_finding(reply) == "EP-TLS-FAILED"


def test_a_server_that_does_not_speak_tls() -> None:
    def plain(conn: socket.socket) -> None:
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    for port in serve(plain):
        reply = get(port, None)
        assert (reply.failed_at, reply.failure and reply.failure.kind) == ("tls", "tls")
        assert endpoint_finding(reply) == "EP-TLS-FAILED"


def test_a_server_silent_in_the_handshake() -> None:
    for port in serve(lambda conn: conn.recv(4096) and conn.recv(4096)):
        reply = get(port, None)
        assert (reply.failed_at, reply.failure and reply.failure.kind) == ("tls", "timeout")


def test_nothing_listening_is_refused_before_tls() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    reply = get(port, None)
    assert (reply.failed_at, reply.failure and reply.failure.kind) == ("connect", "refused")
    assert endpoint_finding(reply) == "EP-CONNECT-REFUSED" and gateway_finding(reply) == "GW-UNREACHABLE"
