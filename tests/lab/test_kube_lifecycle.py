"""A plane's API server can be broken and healed, and `down` leaves no process or listener behind.

These tests start their own planes (lab id "k2") so the session's planes keep running."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from drconsole.lab.env import LabEnv
from drconsole.lab.kube import PART
from drconsole.lab.kube.planes import Layout
from tests.fixtures.kube import require_kube_binaries

pytestmark = [pytest.mark.lab, pytest.mark.kube]


@pytest.fixture(scope="module")
def own_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabEnv]:
    require_kube_binaries()
    env = LabEnv(root=tmp_path_factory.mktemp("lab-k2"), mode="loopback", lab_id="k2")
    yield env
    PART.down(env)


def _refuses(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
    except ConnectionRefusedError:
        return True
    return False


def _ports(env: LabEnv) -> list[int]:
    state = Layout(env).read_state()
    assert state is not None
    return [port for plane in state[1].values() for port in (plane.etcd_client, plane.etcd_peer, plane.apiserver)]


def test_a_broken_api_server_refuses_until_healed(own_env: LabEnv) -> None:
    facts = PART.up(own_env)
    port = urlsplit(facts["servers"]["ack"]).port
    assert port is not None and not _refuses(port)
    fault = PART.faults()["kube-ack"]

    fault.inject(own_env)
    own_env.mark_broken(fault.name, True)
    assert _refuses(port)
    assert {c.name: c.state for c in PART.status(own_env)}["kube-ack-apiserver"] == "broken"

    fault.heal(own_env)
    own_env.mark_broken(fault.name, False)
    assert not _refuses(port)
    assert all(c.state == "up" for c in PART.status(own_env))


def test_down_leaves_no_process_or_listener(own_env: LabEnv) -> None:
    PART.up(own_env)
    pids = [c.pid for c in PART.status(own_env)]
    ports = _ports(own_env)
    assert len(pids) == 6 and all(pids)

    PART.down(own_env)

    assert [pid for pid in pids if pid and _alive(pid)] == []
    assert [port for port in ports if not _refuses(port)] == []
    assert all(c.state == "down" for c in PART.status(own_env))


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return False
    return state != "Z"
