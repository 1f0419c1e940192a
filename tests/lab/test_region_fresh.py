"""The procedure's cloud side on a fresh region, through the real SDKs: every creating operation
parses into its SDK model, the asynchronous states move as documented, and the request log
records each mutation. This region has no kube planes or network of its own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import yaml

from drconsole.lab.region.config import REGION
from tests.fixtures.net import wait_until
from tests.fixtures.region import RegionLab, fresh
from tests.lab.region_support import (
    TASK_STATES,
    RawBodies,
    assert_faithful,
    attach_through_transit_router,
    transit_statuses,
)

if TYPE_CHECKING:
    from drconsole.lab.env import LabEnv

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def fresh_region(tmp_path_factory: pytest.TempPathFactory, lab_env: LabEnv) -> Iterator[RegionLab]:
    """This module's own fresh region: its tests build on it (a Fleet, a cluster, the network), so the session's
    fresh region stays fresh for the tests that need it so (an action that would send a create)."""
    yield from fresh(tmp_path_factory, lab_env, "rf")


def test_fresh_region_has_only_what_exists_before_the_procedure(fresh_region: RegionLab) -> None:
    from alibabacloud_adcp20220101 import models as adcp
    from alibabacloud_cbn20170912 import models as cbn
    from alibabacloud_cs20151215 import models as cs
    from alibabacloud_vpc20160428 import models as vpc

    ids = fresh_region.facts["ids"]
    assert ids["fleet_id"] is None and ids["registered_cluster_id"] is None and ids["vbr_id"] is None
    clusters = fresh_region.client("cs").describe_clusters_v1(cs.DescribeClustersV1Request()).body.clusters
    assert [(c.cluster_id, c.cluster_type, c.state) for c in clusters] == [
        (ids["ack_cluster_id"], "ManagedKubernetes", "running")]
    assert fresh_region.client("adcp").describe_hub_clusters(adcp.DescribeHubClustersRequest()).body.clusters == []
    vbrs = fresh_region.client("vpc").describe_virtual_border_routers(
        vpc.DescribeVirtualBorderRoutersRequest(region_id=REGION)).body
    assert vbrs.virtual_border_router_set.virtual_border_router_type == [] and vbrs.total_count == 0
    assert fresh_region.client("cbn").describe_cens(cbn.DescribeCensRequest()).body.cens.cen == []


def test_register_a_cluster(fresh_region: RegionLab) -> None:
    from alibabacloud_cs20151215 import models as cs

    ids = fresh_region.facts["ids"]
    client = fresh_region.client("cs")
    raw = RawBodies(client)
    created = client.create_cluster(cs.CreateClusterRequest(
        name="idc-registered", region_id=REGION, cluster_type="ExternalKubernetes", vpcid=ids["vpc_id"],
        vswitch_ids=[ids["vswitches"]["cn-hangzhou-i"]])).body
    assert_faithful(raw.last, created)
    assert created.cluster_id.startswith("c") and len(created.cluster_id) == 33 and created.request_id
    task = client.describe_task_info(created.task_id).body
    assert_faithful(raw.last, task)
    assert task.state in TASK_STATES and task.cluster_id == created.cluster_id
    wait_until(lambda: client.describe_task_info(created.task_id).body.state == "success", 5, "task success")
    detail = client.describe_cluster_detail(created.cluster_id).body
    assert (detail.state, detail.zone_id) == ("waiting", "cn-hangzhou-i")  # no agent on any plane here
    agent = client.describe_external_agent(created.cluster_id, cs.DescribeExternalAgentRequest(
        private_ip_address="true")).body.config
    deployment = next(o for o in yaml.safe_load_all(agent) if o["kind"] == "Deployment")
    assert deployment["metadata"]["name"] == "ack-cluster-agent"
    with pytest.raises(Exception) as caught:  # no kube plane in this region's lab
        client.describe_cluster_user_kubeconfig(created.cluster_id, cs.DescribeClusterUserKubeconfigRequest())
    assert getattr(caught.value, "code", "") == "ServiceUnavailable"


def test_create_fleet_attach_and_enable_gitops(fresh_region: RegionLab) -> None:
    from alibabacloud_adcp20220101 import models as adcp

    ids = fresh_region.facts["ids"]
    client = fresh_region.client("adcp")
    raw = RawBodies(client)
    created = client.create_hub_cluster(adcp.CreateHubClusterRequest(
        region_id=REGION, vpc_id=ids["vpc_id"], v_switches=f'["{ids["vswitches"]["fleet"]}"]', name="fleet",
        profile="Default", api_server_public_eip=False)).body
    assert_faithful(raw.last, created)
    fleet_id = created.cluster_id
    details = adcp.DescribeHubClusterDetailsRequest(cluster_id=fleet_id)
    assert client.describe_hub_cluster_details(details).body.cluster.cluster_info.state == "initial"
    wait_until(lambda: client.describe_hub_cluster_details(details).body.cluster.cluster_info.state == "running",
             5, "Fleet running")

    attached = client.attach_cluster_to_hub(adcp.AttachClusterToHubRequest(
        cluster_id=fleet_id, cluster_ids=f'["{ids["ack_cluster_id"]}"]', attach_to_mesh=False)).body
    assert_faithful(raw.last, attached)
    assert attached.managed_cluster_ids == [ids["ack_cluster_id"]] and attached.task_id

    def member_states() -> list[str]:
        body = client.describe_managed_clusters(adcp.DescribeManagedClustersRequest(cluster_id=fleet_id)).body
        return [c.status.state for c in body.clusters]

    assert member_states() == ["Installing"]
    wait_until(lambda: member_states() == ["Successed"], 5, "cluster associated")

    client.update_hub_cluster_feature(adcp.UpdateHubClusterFeatureRequest(
        cluster_id=fleet_id, argo_cdenabled=True, argo_cdhaenabled=True, gateway_enabled=True))
    git_ops = client.describe_hub_cluster_details(details).body.cluster.cluster_info.meta_data.ackone.git_ops
    assert (git_ops.enabled, git_ops.haenabled) == (True, True)

    client.detach_cluster_from_hub(adcp.DetachClusterFromHubRequest(
        cluster_id=fleet_id, cluster_ids=f'["{ids["ack_cluster_id"]}"]'))
    assert member_states() in (["Deleting"], [])
    wait_until(lambda: member_states() == [], 5, "cluster detached")


def test_network_build_order(fresh_region: RegionLab) -> None:
    from alibabacloud_cbn20170912 import models as cbn
    from alibabacloud_tea_openapi.exceptions import ClientException
    from alibabacloud_vpc20160428 import models as vpc

    ids = fresh_region.facts["ids"]
    vpc_client, cbn_client = fresh_region.client("vpc"), fresh_region.client("cbn")
    raw = RawBodies(vpc_client)
    vbr_id = vpc_client.create_virtual_border_router(vpc.CreateVirtualBorderRouterRequest(
        region_id=REGION, physical_connection_id=ids["physical_connection_id"], vlan_id=2420,
        local_gateway_ip="10.0.0.1", peer_gateway_ip="10.0.0.2", peering_subnet_mask="255.255.255.252",
        name="vbr")).body.vbr_id
    assert vbr_id.startswith("vbr-")
    group_id = vpc_client.create_bgp_group(vpc.CreateBgpGroupRequest(
        region_id=REGION, router_id=vbr_id, peer_asn=65001, name="idc")).body.bgp_group_id
    assert group_id.startswith("bgpg-")
    peer = vpc_client.create_bgp_peer(vpc.CreateBgpPeerRequest(
        region_id=REGION, bgp_group_id=group_id, peer_ip_address="10.0.0.2", enable_bfd=False)).body
    assert_faithful(raw.last, peer)
    (described,) = vpc_client.describe_bgp_peers(vpc.DescribeBgpPeersRequest(
        region_id=REGION, bgp_group_id=group_id)).body.bgp_peers.bgp_peer
    assert described.bgp_peer_id == peer.bgp_peer_id
    # this region's lab has no network part: no session, and the answer says why
    assert described.bgp_status == "Idle" and "network part" in described.description

    cen_id = cbn_client.create_cen(cbn.CreateCenRequest(name="cen", protection_level="REDUCED")).body.cen_id
    assert cen_id.startswith("cen-")
    with pytest.raises(ClientException):  # a new CEN is built on transit routers: no legacy attach
        cbn_client.attach_cen_child_instance(cbn.AttachCenChildInstanceRequest(
            cen_id=cen_id, child_instance_id=vbr_id, child_instance_region_id=REGION, child_instance_type="VBR"))
    zones = {ids["vswitches"][zone]: zone for zone in ("cn-hangzhou-h", "cn-hangzhou-i")}
    attach_through_transit_router(cbn_client, cen_id, REGION, vbr_id, ids["vpc_id"], zones)
    (router,) = cbn_client.list_transit_routers(cbn.ListTransitRoutersRequest(
        cen_id=cen_id, region_id=REGION)).body.transit_routers
    assert router.type == "Enterprise"

    def statuses() -> set[str]:
        return set(transit_statuses(cbn_client, cen_id).values())

    assert "Attaching" in statuses()
    wait_until(lambda: statuses() == {"Attached"}, 5, "transit-router attachments")
    routes = vpc_client.describe_route_entry_list(vpc.DescribeRouteEntryListRequest(
        region_id=REGION, route_table_id=ids["route_table_id"], max_result=100)).body.route_entrys.route_entry
    assert not [r for r in routes if r.type == "CEN"]  # no BGP session, so nothing learnt from the IDC


def test_bad_input_answers_like_the_cloud(fresh_region: RegionLab) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException
    from alibabacloud_vpc20160428 import models as vpc

    with pytest.raises(ClientException) as caught:
        fresh_region.client("vpc").create_virtual_border_router(vpc.CreateVirtualBorderRouterRequest(
            region_id=REGION, physical_connection_id="pc-nope", vlan_id=5))
    assert caught.value.code == "InvalidPhysicalConnectionId.NotFound"
    with pytest.raises(ClientException) as caught:
        fresh_region.client("vpc").create_virtual_border_router(vpc.CreateVirtualBorderRouterRequest(
            region_id=REGION, physical_connection_id=fresh_region.facts["ids"]["physical_connection_id"],
            vlan_id=4000))
    assert caught.value.code == "InvalidVlanId.Malformed"


def test_request_log_marks_mutations(fresh_region: RegionLab) -> None:
    from alibabacloud_cbn20170912 import models as cbn

    before = len(fresh_region.requests())
    fresh_region.client("cbn").create_cen(cbn.CreateCenRequest(name="logged"))
    fresh_region.client("cbn").describe_cens(cbn.DescribeCensRequest())
    # the region appends a line once its answer is sent, so the last one may land a moment after the call returns
    records = wait_until(lambda: fresh_region.requests()[before:][1:] and fresh_region.requests()[before:], 10,
                         "both calls in the request log")
    assert [(r["action"], r["mutating"]) for r in records] == [("CreateCen", True), ("DescribeCens", False)]
    assert records[0]["params"]["Name"] == "logged" and records[0]["request_id"]


@pytest.fixture(scope="module")
def legacy_region(tmp_path_factory: pytest.TempPathFactory, lab_env: LabEnv) -> Iterator[RegionLab]:
    """A fresh region whose account already has a CEN from before transit routers."""
    yield from fresh(tmp_path_factory, lab_env, "lg", legacy_cen=True)


def test_a_legacy_cen_has_a_basic_transit_router_and_takes_child_instances(legacy_region: RegionLab) -> None:
    from alibabacloud_cbn20170912 import models as cbn
    from alibabacloud_tea_openapi.exceptions import ClientException
    from alibabacloud_vpc20160428 import models as vpc

    ids = legacy_region.facts["ids"]
    cen_id, client = ids["cen_id"], legacy_region.client("cbn")
    (router,) = client.list_transit_routers(cbn.ListTransitRoutersRequest(
        cen_id=cen_id, region_id=REGION)).body.transit_routers
    assert router.type == "Basic"
    with pytest.raises(ClientException):
        client.create_transit_router_vbr_attachment(cbn.CreateTransitRouterVbrAttachmentRequest(
            cen_id=cen_id, region_id=REGION, transit_router_id=router.transit_router_id, vbr_id="vbr-x"))
    client.attach_cen_child_instance(cbn.AttachCenChildInstanceRequest(
        cen_id=cen_id, child_instance_id=ids["vpc_id"], child_instance_region_id=REGION, child_instance_type="VPC"))
    children = client.describe_cen_attached_child_instances(
        cbn.DescribeCenAttachedChildInstancesRequest(cen_id=cen_id)).body.child_instances.child_instance
    assert [c.child_instance_id for c in children] == [ids["vpc_id"]]
    routes = legacy_region.client("vpc").describe_route_entry_list(vpc.DescribeRouteEntryListRequest(
        region_id=REGION, route_table_id=ids["route_table_id"], max_result=100)).body.route_entrys.route_entry
    assert all(h.next_hop_type != "VBR" for r in routes for h in (r.next_hops.next_hop or []))


def test_a_vpc_attachment_needs_vswitches_in_two_zones(fresh_region: RegionLab) -> None:
    from alibabacloud_cbn20170912 import models as cbn
    from alibabacloud_tea_openapi.exceptions import ClientException

    ids, client = fresh_region.facts["ids"], fresh_region.client("cbn")
    cen_id = client.create_cen(cbn.CreateCenRequest(name="one-zone")).body.cen_id
    with pytest.raises(ClientException) as caught:
        client.create_transit_router_vpc_attachment(cbn.CreateTransitRouterVpcAttachmentRequest(
            cen_id=cen_id, region_id=REGION, vpc_id=ids["vpc_id"], zone_mappings=[
                cbn.CreateTransitRouterVpcAttachmentRequestZoneMappings(
                    v_switch_id=ids["vswitches"]["cn-hangzhou-h"], zone_id="cn-hangzhou-h")]))
    assert "ZoneMappings" in caught.value.message
