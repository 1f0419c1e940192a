"""The registered cluster's agent for real, on a fresh lab: a registered cluster is `waiting` with no agent,
stays `waiting` while its applied agent has no path to ACK's private registration endpoint, turns `running`
once BGP carries the VPC's routes to the data center, `disconnected` when the Express Connect link is cut,
and `running` again after the heal. At each stage drconsole's check names the cause."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest

from drconsole.lab.env import LabEnv
from drconsole.profile import Profile
from drconsole.results import CheckResult, Status
from tests.checks.cloudkube_support import run
from tests.fixtures.net import wait_until
from tests.fixtures.region import RegionLab

pytestmark = [pytest.mark.lab, pytest.mark.kube]
SETTLE_S = 60.0  # generous: the lab settles within seconds, a loaded machine may take longer


def state(cs: Any, cluster_id: str) -> str:
    return str(cs.describe_cluster_detail(cluster_id).body.state)


def check(profile: Profile, cluster_id: str) -> CheckResult:
    return asyncio.run(run(profile, "registered.running", cluster_id=cluster_id))


def agent_netns_inode(env: LabEnv) -> int | None:
    from drconsole.lab.controllers.agent import AGENT_DAEMON

    pid = env.supervisor.pid(AGENT_DAEMON)
    return os.stat(f"/proc/{pid}/ns/net").st_ino if pid else None


def test_agent_registers_across_express_connect(fresh_lab: LabEnv) -> None:
    from alibabacloud_cs20151215 import models

    from drconsole.lab.lab import Lab
    from drconsole.lab.net import bgp, services
    from drconsole.lab.net.netns import netns_path
    from drconsole.lab.net.register import registrations
    from drconsole.lab.profile import write_lab_profile
    from drconsole.lab.region import agent
    from drconsole.lab.region.config import REGION
    from drconsole.lab.region.kube import Plane
    from drconsole.lab.region.part import access_key_secret

    env = fresh_lab
    region = RegionLab(env.facts()["region"], access_key_secret(env), env)
    cs = region.client("cs")
    profile = write_lab_profile(env, name="agent")
    created = cs.create_cluster(models.CreateClusterRequest(
        name="agent-test", cluster_type="ExternalKubernetes", region_id=REGION,
        vpcid=profile.network.vpc_id)).body.cluster_id
    assert state(cs, created) == "waiting"
    absent = check(profile, created)
    assert (absent.code, absent.fix_step) == ("REG-AGENT-NOT-APPLIED", "registered.agent-apply")

    # applied before the network: the agent runs in the data center and dials, but nothing routes it to the VPC
    assert not bgp.peer_enabled(env)
    plane = Plane(env, "idc")
    try:
        agent.apply(plane, created, REGION, internal=True)
    finally:
        plane.close()
    # its process, in the data center's namespace (`ip netns exec` enters it a moment after the start)
    where = os.stat(netns_path(env.netns("idc"))).st_ino if env.mode == "netns" else os.stat("/proc/self/ns/net").st_ino
    wait_until(lambda: agent_netns_inode(env) == where, SETTLE_S, "the agent's process in the data center")
    assert created not in registrations(env) and state(cs, created) == "waiting"
    unreachable = check(profile, created)
    assert (unreachable.code, unreachable.fix_step) == ("REG-AGENT-UNREACHABLE", "network.connectivity")

    # the BGP peer configured: the VPC CIDR reaches the data center and the agent gets through
    bgp.set_peer_enabled(env, True)
    services.wait_bgp_healthy(env, timeout=SETTLE_S)
    wait_until(lambda: state(cs, created) == "running", SETTLE_S, "the registered cluster running")
    assert registrations(env)[created].open_connections >= 1
    assert check(profile, created).status is Status.PASS

    lab = Lab(env)
    lab.break_("link")
    try:
        wait_until(lambda: state(cs, created) == "disconnected", SETTLE_S, "the cluster disconnected")
        cut = check(profile, created)
        assert (cut.code, cut.fix_step) == ("REG-AGENT-UNREACHABLE", "network.connectivity")
        assert "disconnected" in (cut.cause or "")
    finally:
        lab.heal("link")
    wait_until(lambda: state(cs, created) == "running", SETTLE_S, "the registered cluster running after the heal")
    assert check(profile, created).status is Status.PASS
