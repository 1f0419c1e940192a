"""A second, separate lab network: start timing, the "fresh" start state, crash recovery, and
a `down` that leaves no process, namespace or listener behind."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.fixtures.net import gateway_get, kernel_routes, route_get, wait_until

pytestmark = [pytest.mark.lab, pytest.mark.root,
              pytest.mark.skipif(os.geteuid() != 0, reason="namespace mode needs root")]


def lab_processes(root: Path) -> list[int]:
    """PIDs of live processes whose command line mentions the lab directory."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if str(root).encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def test_fresh_lab_lifecycle(tmp_path: Path) -> None:
    from drconsole.lab.env import LabEnv
    from drconsole.lab.net import PART
    from drconsole.lab.net.bgp import bgp_session, set_peer_enabled, set_service_routes
    from drconsole.lab.net.netns import netns_exists
    from drconsole.lab.net.services import bgp_healthy

    env = LabEnv(root=tmp_path / "lab", mode="netns", lab_id="netlife", start_state="fresh")
    try:
        started = time.monotonic()
        facts = PART.up(env)
        up_seconds = time.monotonic() - started
        print(f"net up (fresh) to all ready: {up_seconds:.2f} s")
        assert up_seconds < 10

        # fresh: no BGP peer yet, so nothing learnt and the VIPs leave via the internet route
        assert bgp_session(env)["state"] == "Idle"
        assert kernel_routes(facts) == {}
        assert route_get(facts, "100.118.28.1")["gateway"] == "203.0.113.254"
        with pytest.raises(OSError):  # the VPC is unreachable without BGP routes
            gateway_get(facts, timeout=1.0)

        started = time.monotonic()
        set_peer_enabled(env, True)
        wait_until(lambda: bgp_healthy(env), 10, "session Established after CreateBgpPeer")
        print(f"peer enabled to routes in the idc table: {time.monotonic() - started:.2f} s")
        # the VPC's CIDR is learnt; a cloud-service VIP range only once the cloud routes it to the VBR
        assert route_get(facts, facts["gateway"]["address"])["gateway"] == facts["bgp"]["vbr_ip"]
        assert route_get(facts, "100.118.28.1")["gateway"] == "203.0.113.254"
        assert gateway_get(facts).status == 404  # reachable now, but no route rendered yet
        set_service_routes(env, ["100.118.28.0/24"])
        wait_until(lambda: route_get(facts, "100.118.28.1")["gateway"] == facts["bgp"]["vbr_ip"], 10,
                   "the OSS range announced once the cloud routes it")

        # a crash: two daemons die; the next `up` rebuilds the part and keeps the peer configured
        for name in ("net-bird-vbr", "net-dnsmasq"):
            pid = env.supervisor.pid(name)
            assert pid
            os.kill(pid, signal.SIGKILL)
        wait_until(lambda: env.supervisor.pid("net-bird-vbr") is None, 3, "the VBR gone")
        old = env.supervisor.pid("net-nginx-gateway")
        assert PART.up(env) == facts
        assert env.supervisor.pid("net-nginx-gateway") not in (None, old)
        assert bgp_session(env)["state"] == "Established"
        assert all(c.state == "up" for c in PART.status(env))
    finally:
        PART.down(env)
    assert lab_processes(env.root) == []
    assert env.supervisor.names() == []
    assert not netns_exists(env.netns("idc")) and not netns_exists(env.netns("vpc"))
    PART.down(env)  # safe to repeat


def test_up_clears_namespaces_left_by_a_crash(tmp_path: Path) -> None:
    from drconsole.lab.env import LabEnv
    from drconsole.lab.net import PART
    from drconsole.lab.net.bgp import bgp_session
    from drconsole.lab.net.netns import netns_exists
    from drconsole.lab.net.topology import ip

    env = LabEnv(root=tmp_path / "lab", mode="netns", lab_id="netcrash")
    ip("netns", "add", env.netns("idc"))  # a leftover with none of the lab's links
    try:
        PART.up(env)
        assert bgp_session(env)["state"] == "Established"
    finally:
        PART.down(env)
    assert not netns_exists(env.netns("idc"))
    assert lab_processes(env.root) == []
