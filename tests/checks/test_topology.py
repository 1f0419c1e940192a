"""Topology checks on the built lab, and with inputs that describe a broken topology: another VPC,
both clusters in one zone, and colliding address plans."""

from __future__ import annotations

import ipaddress

import pytest

from drconsole.checks.topology import overlaps
from drconsole.profile import Profile
from drconsole.results import Status
from tests.checks.cloudkube_support import ids, run

pytestmark = [pytest.mark.lab, pytest.mark.kube]


def nets(*cidrs: str) -> list[ipaddress.IPv4Network]:
    return [ipaddress.IPv4Network(c) for c in cidrs]


async def test_same_vpc(lab_profile: Profile) -> None:
    result = await run(lab_profile, "topology.same-vpc", **ids(lab_profile))
    assert result.status is Status.PASS, result
    assert [e.source for e in result.evidence] == ["adcp:DescribeHubClusterDetails", "cs:DescribeClusterDetail",
                                                   "cs:DescribeClusterDetail"]


async def test_same_vpc_fails_for_another_vpc(lab_profile: Profile) -> None:
    result = await run(lab_profile, "topology.same-vpc", **{**ids(lab_profile), "vpc_id": "vpc-elsewhere0001"})
    assert result.status is Status.FAIL
    assert f"the Fleet {lab_profile.clusters.fleet.id} is in {lab_profile.network.vpc_id}" in result.summary
    assert result.fix_step == "design.same-vpc"


async def test_zones_from_the_api(lab_profile: Profile) -> None:
    result = await run(lab_profile, "topology.zones-api", **{k: v for k, v in ids(lab_profile).items()
                                                            if k != "fleet_id"})
    assert result.status is Status.PASS, result
    assert result.summary == "ACK cluster in cn-hangzhou-h, registered cluster in cn-hangzhou-i"


async def test_zones_from_the_api_fail_when_shared(lab_profile: Profile) -> None:
    same = ids(lab_profile)
    result = await run(lab_profile, "topology.zones-api", vpc_id=same["vpc_id"], ack_cluster_id=same["ack_cluster_id"],
                       registered_cluster_id=same["ack_cluster_id"])
    assert result.status is Status.FAIL
    assert result.code == "TOPO-SAME-ZONE" and result.summary == "both clusters are in cn-hangzhou-h"


async def test_zones_from_node_labels(lab_profile: Profile) -> None:
    result = await run(lab_profile, "topology.zones-nodes")
    assert result.status is Status.PASS, result
    assert result.evidence[0].answer == {"nodes": {"ack-node-1": "cn-hangzhou-h", "ack-node-2": "cn-hangzhou-h"}}


async def test_zones_from_node_labels_fail_when_one_cluster_is_read_twice(lab_profile: Profile) -> None:
    profile = lab_profile.model_copy(deep=True)
    profile.clusters.registered.context = profile.clusters.ack.context
    result = await run(profile, "topology.zones-nodes")
    assert result.status is Status.FAIL
    assert result.code == "TOPO-NODES-SAME-ZONE" and result.summary == "nodes of both clusters are in cn-hangzhou-h"


async def test_cidr_plan(lab_profile: Profile) -> None:
    result = await run(lab_profile, "topology.cidrs-plan", idc_cidrs="${profile.network.idc_cidrs}",
                       vpc_cidrs="${profile.network.vpc_cidrs}")
    assert result.status is Status.PASS, result


@pytest.mark.parametrize(("idc", "vpc", "said"), [
    (["10.0.0.0/8"], ["10.1.0.0/16"], "IDC 10.0.0.0/8 overlaps VPC 10.1.0.0/16"),
    (["100.100.0.0/16"], ["192.168.0.0/16"], "IDC 100.100.0.0/16 overlaps 100.64.0.0/10"),
    (["10.0.0.0/16"], ["100.64.0.0/24"], "VPC 100.64.0.0/24 overlaps 100.64.0.0/10"),
])
async def test_cidr_plan_collisions(lab_profile: Profile, idc: list[str], vpc: list[str], said: str) -> None:
    result = await run(lab_profile, "topology.cidrs-plan", idc_cidrs=idc, vpc_cidrs=vpc)
    assert result.status is Status.FAIL and result.code == "TOPO-CIDRS-OVERLAP"
    assert said in result.summary and result.fix_step == "design.cidrs"


def test_overlaps_is_empty_for_a_clean_plan() -> None:
    assert overlaps(nets("10.200.0.0/16"), nets("192.168.0.0/16", "172.16.0.0/12")) == []


async def test_vpc_cidr_from_the_api(lab_profile: Profile) -> None:
    result = await run(lab_profile, "topology.vpc-cidr", vpc_id=lab_profile.network.vpc_id,
                       idc_cidrs="${profile.network.idc_cidrs}", vpc_cidrs="${profile.network.vpc_cidrs}")
    assert result.status is Status.PASS, result
    assert result.evidence[0].source == "vpc:DescribeVpcs"


async def test_vpc_cidr_collides_with_the_idc(lab_profile: Profile) -> None:
    result = await run(lab_profile, "topology.vpc-cidr", vpc_id=lab_profile.network.vpc_id,
                       idc_cidrs=["192.168.1.0/24"], vpc_cidrs="${profile.network.vpc_cidrs}")
    assert result.status is Status.FAIL and result.code == "TOPO-VPC-OVERLAP"
    assert "IDC 192.168.1.0/24 overlaps VPC 192.168.0.0/16" in result.summary


async def test_vpc_cidr_unplanned_warns(lab_profile: Profile) -> None:
    result = await run(lab_profile, "topology.vpc-cidr", vpc_id=lab_profile.network.vpc_id,
                       idc_cidrs="${profile.network.idc_cidrs}", vpc_cidrs=["192.168.0.0/24"])
    assert result.status is Status.WARN and result.code == "TOPO-VPC-UNPLANNED" and "192.168.0.0/16" in result.summary


async def test_vpc_that_does_not_exist(lab_profile: Profile) -> None:
    result = await run(lab_profile, "topology.vpc-cidr", vpc_id="vpc-nosuchvpc01", idc_cidrs=["10.0.0.0/16"],
                       vpc_cidrs=["192.168.0.0/16"])
    assert result.status is Status.FAIL and result.code == "TOPO-VPC-MISSING"
