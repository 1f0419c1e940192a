"""A region started with `real` timing behaves like a regional endpoint seen from a data center: every answer
takes at least the configured latency, concurrent requests are answered side by side (not one after another),
and cloud state transitions last their documented time rather than the `fast` one. Lower bounds only: nothing
here depends on how fast the machine is."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from drconsole.lab.region.config import REGION
from tests.fixtures.net import wait_until
from tests.fixtures.region import RegionLab, _start

if TYPE_CHECKING:
    from drconsole.lab.env import LabEnv

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def real_region(tmp_path_factory: pytest.TempPathFactory, lab_env: LabEnv) -> Iterator[RegionLab]:
    """A fresh region of its own, started with `real` timing."""
    from drconsole.lab.env import LabEnv
    from drconsole.lab.region import PART

    env = LabEnv(root=tmp_path_factory.mktemp("real-timing-region"), mode=lab_env.mode, lab_id=f"{lab_env.lab_id}rt",
                 start_state="fresh", timing_name="real", access_key_secret=lab_env.access_key_secret)
    region = _start(env)
    yield region
    PART.down(env)


def test_every_answer_takes_at_least_the_regional_latency(real_region: RegionLab) -> None:
    from alibabacloud_vpc20160428 import models as vpc

    latency = real_region.env.timing.region_latency_s
    assert latency > 0
    client = real_region.client("vpc")
    client.describe_vpcs(vpc.DescribeVpcsRequest(region_id=REGION))  # a connection open, nothing left to set up
    for _ in range(3):
        started = time.monotonic()
        client.describe_vpcs(vpc.DescribeVpcsRequest(region_id=REGION))
        assert time.monotonic() - started >= latency
    logged = wait_until(lambda: real_region.requests()[-4:] if len(real_region.requests()) >= 4 else None, 10,
                        "the calls in the request log")
    assert all(record["ms"] >= latency * 1000 for record in logged)


def test_concurrent_requests_wait_out_their_latency_side_by_side(real_region: RegionLab) -> None:
    """Eight calls released together: the region's log shows some of them in flight at the same moment."""
    from alibabacloud_vpc20160428 import models as vpc

    clients = [real_region.client("vpc") for _ in range(8)]
    before = len(real_region.requests())
    gate = threading.Barrier(len(clients))

    def call(client: object) -> None:
        gate.wait()
        client.describe_vpcs(vpc.DescribeVpcsRequest(region_id=REGION))  # type: ignore[attr-defined]

    threads = [threading.Thread(target=call, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = wait_until(lambda: real_region.requests()[before:] if len(real_region.requests()) - before >= 8
                         else None, 10, "eight calls in the request log")
    spans = [(r["epoch"], r["epoch"] + r["ms"] / 1000) for r in records]
    most_at_once = max(sum(1 for start, end in spans if start <= moment < end) for moment, _ in spans)
    assert most_at_once >= 2, f"the region answered one request at a time: {spans}"


def test_a_fleet_is_still_being_created_after_the_fast_timings_whole_duration(real_region: RegionLab) -> None:
    from alibabacloud_adcp20220101 import models as adcp

    from drconsole.lab.region.region import FLEET_CREATE_SECONDS
    from drconsole.lab.timing import TIMINGS

    ids = real_region.facts["ids"]
    client = real_region.client("adcp")
    fleet_id = client.create_hub_cluster(adcp.CreateHubClusterRequest(
        region_id=REGION, vpc_id=ids["vpc_id"], v_switches=f'["{ids["vswitches"]["fleet"]}"]', name="fleet",
        profile="Default", api_server_public_eip=False)).body.cluster_id
    time.sleep(FLEET_CREATE_SECONDS * TIMINGS["fast"].transition_scale * 1.5)  # `fast` would be running by now
    details = adcp.DescribeHubClusterDetailsRequest(cluster_id=fleet_id)
    assert client.describe_hub_cluster_details(details).body.cluster.cluster_info.state == "initial"


@pytest.mark.root
@pytest.mark.skipif(os.geteuid() != 0, reason="namespace mode needs root")
def test_the_link_is_delayed_or_the_lab_says_why_not(tmp_path: Path, lab_env: LabEnv) -> None:
    """`real` asks netem for the link's one-way delay on both ends. Where the kernel has it, a round trip across
    the link takes at least twice that; where it has not, the facts say the link is not delayed and why."""
    from drconsole.lab.env import LabEnv
    from drconsole.lab.net import PART
    from drconsole.lab.net.topology import IDC_LINK

    env = LabEnv(root=tmp_path / "lab", mode="netns", lab_id=f"{lab_env.lab_id}ld", start_state="fresh",
                 timing_name="real")
    try:
        facts = PART.up(env)
        delay = facts["link_delay"]
        assert delay["one_way_ms"] == env.timing.link_delay_ms > 0
        idc = env.netns("idc")
        if delay["applied"]:
            round_trip_ms = _refused_connect_ms(idc, facts["bgp"]["vbr_ip"])
            assert round_trip_ms >= 2 * delay["one_way_ms"]
        else:  # the kernel really refuses netem, and the lab names it
            refused = subprocess.run(["tc", "-n", idc, "qdisc", "replace", "dev", IDC_LINK, "root", "netem", "delay",
                                      "1ms"], capture_output=True, text=True)
            assert refused.returncode != 0
            assert "netem" in delay["why"] and IDC_LINK in delay["why"]
    finally:
        PART.down(env)


def _refused_connect_ms(ns: str, address: str) -> float:
    """One TCP round trip from namespace `ns`: a connect to a closed port of `address`, refused by its RST."""
    code = ("import socket, time\n"
            "s = socket.socket(); started = time.monotonic()\n"
            f"try: s.connect(({address!r}, 9))\n"
            "except OSError: pass\n"
            "print((time.monotonic() - started) * 1000)")
    done = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=30, check=True)
    return float(done.stdout.strip())
