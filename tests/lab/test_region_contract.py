"""Contract tests: every read operation of the built region, called through the real SDK clients,
parses into the SDK's own response model with the documented fields filled; errors come out as
the SDK's own exception types with the cloud's codes."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from drconsole.lab.region.config import REGION
from tests.fixtures.net import wait_until
from tests.fixtures.region import RegionLab
from tests.lab.region_support import (
    BGP_PEER_STATUSES,
    BGP_STATUSES,
    CEN_CHILD_STATUSES,
    CLUSTER_STATES,
    FLEET_STATES,
    MEMBER_STATES,
    PC_STATUSES,
    VBR_STATUSES,
    RawBodies,
    assert_faithful,
)

pytestmark = pytest.mark.lab


def call(region: RegionLab, product: str, method: str, *args: Any) -> Any:
    """Call one SDK operation; check the model kept every field; return the parsed body."""
    client = region.client(product)
    raw = RawBodies(client)
    response = getattr(client, method)(*args)
    assert_faithful(raw.last, response.body)
    assert response.status_code == 200
    return response.body


def test_cs_describe_clusters_v1_lists_both_clusters(region_lab: RegionLab) -> None:
    from alibabacloud_cs20151215 import models as cs

    ids = region_lab.ids()
    body = call(region_lab, "cs", "describe_clusters_v1", cs.DescribeClustersV1Request(page_size=50))
    by_id = {c.cluster_id: c for c in body.clusters}
    assert {ids["ack_cluster_id"], ids["registered_cluster_id"]} <= set(by_id)
    ack = by_id[ids["ack_cluster_id"]]
    assert (ack.cluster_type, ack.zone_id, ack.state) == ("ManagedKubernetes", "cn-hangzhou-h", "running")
    assert ack.vpc_id == ids["vpc_id"] and ack.vswitch_ids == [ids["vswitches"]["cn-hangzhou-h"]]
    assert all(c.state in CLUSTER_STATES and c.region_id == REGION and c.created for c in body.clusters)
    assert body.page_info.total_count == len(body.clusters)

    only = call(region_lab, "cs", "describe_clusters_v1",
                cs.DescribeClustersV1Request(cluster_type="ExternalKubernetes"))
    assert [c.cluster_id for c in only.clusters][:1] == [ids["registered_cluster_id"]]


def test_cs_describe_cluster_detail(region_lab: RegionLab) -> None:
    ids = region_lab.ids()
    body = call(region_lab, "cs", "describe_cluster_detail", ids["registered_cluster_id"])
    assert body.cluster_type == "ExternalKubernetes" and body.cluster_id == ids["registered_cluster_id"]
    assert body.state in CLUSTER_STATES and body.zone_id == "cn-hangzhou-i"
    assert body.vpc_id == ids["vpc_id"] and body.current_version and body.master_url


def test_cs_external_agent_internal_and_public_differ(region_lab: RegionLab) -> None:
    from alibabacloud_cs20151215 import models as cs

    cid = region_lab.ids()["registered_cluster_id"]
    manifests = {}
    for private in ("true", "false"):
        body = call(region_lab, "cs", "describe_external_agent", cid,
                    cs.DescribeExternalAgentRequest(private_ip_address=private))
        manifests[private] = list(yaml.safe_load_all(body.config))
    for objects in manifests.values():
        kinds = {(o["kind"], o["metadata"]["name"]) for o in objects}
        assert ("Deployment", "ack-cluster-agent") in kinds and ("ServiceAccount", "ack-cluster-agent") in kinds
        deployment = next(o for o in objects if o["kind"] == "Deployment")
        assert deployment["metadata"]["namespace"] == "kube-system"
        env = {e["name"]: e["value"] for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert env["KUBERNETES_CLUSTER_ID"] == cid and env["REGION"] == REGION
    env = {p: {e["name"]: e["value"] for o in objs if o["kind"] == "Deployment"
               for e in o["spec"]["template"]["spec"]["containers"][0]["env"]} for p, objs in manifests.items()}
    assert (env["true"]["INTERNAL_ENDPOINT"], env["false"]["INTERNAL_ENDPOINT"]) == ("true", "false")
    assert "-vpc." in env["true"]["ALI_STUB_REGISTER_ADDR"] and "-vpc." not in env["false"]["ALI_STUB_REGISTER_ADDR"]
    for objects in manifests.values():  # only the key the published agent manifest has; no invented ones
        assert [set(o["data"]) for o in objects if o["kind"] == "ConfigMap"] == [{"addNodeScriptPath"}]


def test_cs_external_agent_restricted_mode_reads_only_its_config(region_lab: RegionLab) -> None:
    from alibabacloud_cs20151215 import models as cs

    cid = region_lab.ids()["registered_cluster_id"]
    body = call(region_lab, "cs", "describe_external_agent", cid,
                cs.DescribeExternalAgentRequest(private_ip_address="true", agent_mode="restricted"))
    role = next(o for o in yaml.safe_load_all(body.config) if o["kind"] == "ClusterRole")
    assert {verb for rule in role["rules"] for verb in rule["verbs"]} == {"get", "list", "watch"}


def test_cs_task_info_of_an_unknown_task_is_the_sdk_client_error(region_lab: RegionLab) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    with pytest.raises(ClientException) as caught:
        region_lab.client("cs").describe_task_info("T-0000")
    assert (caught.value.code, caught.value.status_code) == ("ErrorTaskNotFound", 404)


def test_cs_unknown_cluster_is_the_sdk_client_error(region_lab: RegionLab) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    with pytest.raises(ClientException) as caught:
        region_lab.client("cs").describe_cluster_detail("c" + "0" * 32)
    assert (caught.value.code, caught.value.status_code) == ("ErrorClusterNotFound", 404)
    assert caught.value.request_id


def test_adcp_fleet_is_running_with_gitops(region_lab: RegionLab) -> None:
    from alibabacloud_adcp20220101 import models as adcp

    ids = region_lab.ids()
    listing = call(region_lab, "adcp", "describe_hub_clusters", adcp.DescribeHubClustersRequest())
    assert [c.cluster_info.cluster_id for c in listing.clusters] == [ids["fleet_id"]]
    body = call(region_lab, "adcp", "describe_hub_cluster_details",
                adcp.DescribeHubClusterDetailsRequest(cluster_id=ids["fleet_id"]))
    info = body.cluster.cluster_info
    assert info.state == "running" and info.state in FLEET_STATES and info.region_id == REGION
    assert info.meta_data.ackone.git_ops.enabled is True and info.meta_data.ackone.git_ops.haenabled is True
    network = body.cluster.network
    assert network.vpc_id == ids["vpc_id"] and network.v_switches == [ids["vswitches"]["fleet"]]
    assert network.security_group_ids and body.request_id


def test_adcp_both_clusters_are_associated(region_lab: RegionLab) -> None:
    from alibabacloud_adcp20220101 import models as adcp

    ids = region_lab.ids()
    body = call(region_lab, "adcp", "describe_managed_clusters",
                adcp.DescribeManagedClustersRequest(cluster_id=ids["fleet_id"]))
    states = {c.cluster.cluster_id: c.status.state for c in body.clusters}
    assert states == {ids["ack_cluster_id"]: "Successed", ids["registered_cluster_id"]: "Successed"}
    assert all(c.status.state in MEMBER_STATES and c.cluster.state in CLUSTER_STATES for c in body.clusters)
    assert {c.cluster.cluster_type for c in body.clusters} == {"ManagedKubernetes", "ExternalKubernetes"}


def test_adcp_unknown_fleet_is_cluster_not_found(region_lab: RegionLab) -> None:
    from alibabacloud_adcp20220101 import models as adcp
    from alibabacloud_tea_openapi.exceptions import ClientException

    with pytest.raises(ClientException) as caught:
        region_lab.client("adcp").describe_hub_cluster_details(
            adcp.DescribeHubClusterDetailsRequest(cluster_id="c" + "f" * 32))
    assert caught.value.code == "Cluster.NotFound"


def test_vpc_two_zones_and_a_fleet_vswitch(region_lab: RegionLab) -> None:
    from alibabacloud_vpc20160428 import models as vpc

    ids = region_lab.ids()
    vpcs = call(region_lab, "vpc", "describe_vpcs", vpc.DescribeVpcsRequest(region_id=REGION))
    assert [v.vpc_id for v in vpcs.vpcs.vpc] == [ids["vpc_id"]]
    assert vpcs.vpcs.vpc[0].router_table_ids.router_table_ids == [ids["route_table_id"]]
    body = call(region_lab, "vpc", "describe_vswitches", vpc.DescribeVSwitchesRequest(
        region_id=REGION, vpc_id=ids["vpc_id"]))
    zones = sorted(v.zone_id for v in body.v_switches.v_switch)
    assert zones == ["cn-hangzhou-h", "cn-hangzhou-h", "cn-hangzhou-i"]
    zone_b = call(region_lab, "vpc", "describe_vswitches", vpc.DescribeVSwitchesRequest(
        region_id=REGION, zone_id="cn-hangzhou-i"))
    assert [v.v_switch_id for v in zone_b.v_switches.v_switch] == [ids["vswitches"]["cn-hangzhou-i"]]


def test_vpc_physical_connection_and_vbr(region_lab: RegionLab) -> None:
    from alibabacloud_vpc20160428 import models as vpc

    ids = region_lab.ids()
    pcs = call(region_lab, "vpc", "describe_physical_connections", vpc.DescribePhysicalConnectionsRequest(
        region_id=REGION, filter=[vpc.DescribePhysicalConnectionsRequestFilter(
            key="PhysicalConnectionId", value=[ids["physical_connection_id"]])]))
    (pc,) = pcs.physical_connection_set.physical_connection_type
    assert pc.status == "Enabled" and pc.status in PC_STATUSES
    vbrs = call(region_lab, "vpc", "describe_virtual_border_routers", vpc.DescribeVirtualBorderRoutersRequest(
        region_id=REGION, filter=[vpc.DescribeVirtualBorderRoutersRequestFilter(key="VbrId", value=[ids["vbr_id"]])]))
    (vbr,) = vbrs.virtual_border_router_set.virtual_border_router_type
    assert vbr.status in VBR_STATUSES and vbr.physical_connection_status == "Enabled"
    assert vbr.physical_connection_id == ids["physical_connection_id"]
    assert [(c.cen_id, c.cen_status) for c in vbr.associated_cens.associated_cen] == [(ids["cen_id"], "Attached")]


def test_vpc_bgp_group_and_peer(region_lab: RegionLab) -> None:
    from alibabacloud_vpc20160428 import models as vpc

    ids = region_lab.ids()
    groups = call(region_lab, "vpc", "describe_bgp_groups", vpc.DescribeBgpGroupsRequest(
        region_id=REGION, router_id=ids["vbr_id"]))
    (group,) = groups.bgp_groups.bgp_group
    assert (group.bgp_group_id, group.local_asn, group.peer_asn) == (ids["bgp_group_id"], 45104, 65001)
    peers = call(region_lab, "vpc", "describe_bgp_peers", vpc.DescribeBgpPeersRequest(
        region_id=REGION, router_id=ids["vbr_id"]))
    (peer,) = peers.bgp_peers.bgp_peer
    assert peer.bgp_peer_id == ids["bgp_peer_id"] and peer.bgp_status in BGP_STATUSES
    assert peer.status in BGP_PEER_STATUSES and peer.received_route_count is not None


def test_vpc_route_table_has_the_system_routes(region_lab: RegionLab) -> None:
    from alibabacloud_vpc20160428 import models as vpc

    ids = region_lab.ids()
    body = call(region_lab, "vpc", "describe_route_entry_list", vpc.DescribeRouteEntryListRequest(
        region_id=REGION, route_table_id=ids["route_table_id"], route_entry_type="System", max_result=100))
    cidrs = {r.destination_cidr_block for r in body.route_entrys.route_entry}
    assert {"192.168.1.0/24", "192.168.2.0/24", "100.64.0.0/10"} <= cidrs


def test_cbn_cen_with_vpc_and_vbr_attached(region_lab: RegionLab) -> None:
    from alibabacloud_cbn20170912 import models as cbn

    ids = region_lab.ids()
    cens = call(region_lab, "cbn", "describe_cens", cbn.DescribeCensRequest(
        filter=[cbn.DescribeCensRequestFilter(key="CenId", value=[ids["cen_id"]])]))
    assert [(c.cen_id, c.status) for c in cens.cens.cen] == [(ids["cen_id"], "Active")]
    routers = call(region_lab, "cbn", "list_transit_routers", cbn.ListTransitRoutersRequest(
        cen_id=ids["cen_id"], region_id=REGION))
    (router,) = routers.transit_routers
    assert (router.type, router.status) == ("Enterprise", "Active")
    vbrs = call(region_lab, "cbn", "list_transit_router_vbr_attachments", cbn.ListTransitRouterVbrAttachmentsRequest(
        cen_id=ids["cen_id"], transit_router_id=router.transit_router_id))
    vpcs = call(region_lab, "cbn", "list_transit_router_vpc_attachments", cbn.ListTransitRouterVpcAttachmentsRequest(
        cen_id=ids["cen_id"], transit_router_id=router.transit_router_id))
    assert [(a.vbr_id, a.status) for a in vbrs.transit_router_attachments] == [(ids["vbr_id"], "Attached")]
    (vpc_attachment,) = vpcs.transit_router_attachments
    assert (vpc_attachment.vpc_id, vpc_attachment.status) == (ids["vpc_id"], "Attached")
    assert {m.zone_id for m in vpc_attachment.zone_mappings} == {"cn-hangzhou-h", "cn-hangzhou-i"}
    assert {a.status for a in vbrs.transit_router_attachments + vpcs.transit_router_attachments} <= CEN_CHILD_STATUSES
    (table,) = call(region_lab, "cbn", "list_transit_router_route_tables", cbn.ListTransitRouterRouteTablesRequest(
        transit_router_id=router.transit_router_id)).transit_router_route_tables
    entries = call(region_lab, "cbn", "list_transit_router_route_entries", cbn.ListTransitRouterRouteEntriesRequest(
        transit_router_route_table_id=table.transit_router_route_table_id, max_results=100)
    ).transit_router_route_entries
    toward_vpc = {e.transit_router_route_entry_destination_cidr_block for e in entries
                  if e.transit_router_route_entry_next_hop_id == vpc_attachment.transit_router_attachment_id}
    assert {"192.168.1.0/24", "192.168.2.0/24"} <= toward_vpc
    assert {e.transit_router_route_entry_next_hop_type for e in entries} == {"Attachment"}


def test_token_lists_answer_in_pages_of_max_results(region_lab: RegionLab) -> None:
    """DescribeRouteEntryList (MaxResult) and ListTransitRouterRouteEntries (MaxResults) hand out a page and a
    NextToken; following the tokens gives the whole list once, and the last page's token is empty."""
    from alibabacloud_tea_openapi.exceptions import ClientException
    from alibabacloud_vpc20160428 import models as vpc

    table = region_lab.ids()["route_table_id"]

    def page(size: int | None, token: str | None = None) -> Any:
        return call(region_lab, "vpc", "describe_route_entry_list", vpc.DescribeRouteEntryListRequest(
            region_id=REGION, route_table_id=table, max_result=size, next_token=token))

    whole = [r.destination_cidr_block for r in page(100).route_entrys.route_entry]
    assert len(whole) > 2 and not page(100).next_token
    walked, token, pages = [], None, 0
    while True:
        answer = page(2, token)
        assert len(answer.route_entrys.route_entry) <= 2
        walked += [r.destination_cidr_block for r in answer.route_entrys.route_entry]
        pages, token = pages + 1, answer.next_token
        if not token:
            break
    assert walked == whole and pages == -(-len(whole) // 2)
    assert len(page(None).route_entrys.route_entry) == min(10, len(whole))  # MaxResult's default is 10
    with pytest.raises(ClientException) as refused:
        page(2, "not-a-token-we-gave")
    assert refused.value.code == "InvalidParameter"


def test_mse_list_gateway_parses(region_lab: RegionLab) -> None:
    from alibabacloud_mse20190531 import models as mse

    body = call(region_lab, "mse", "list_gateway", mse.ListGatewayRequest(
        page_number=1, page_size=10, filter_params=mse.ListGatewayRequestFilterParams(vpc=region_lab.ids()["vpc_id"])))
    assert body.success is True and body.data.total_size == len(body.data.result)


def test_mse_list_tag_resources_parses(region_lab: RegionLab) -> None:
    from alibabacloud_mse20190531 import models as mse

    listed = call(region_lab, "mse", "list_gateway", mse.ListGatewayRequest(
        page_number=1, page_size=10, filter_params=mse.ListGatewayRequestFilterParams(name="mse-ingress")))
    ids = [g.gateway_unique_id for g in listed.data.result]
    body = call(region_lab, "mse", "list_tag_resources", mse.ListTagResourcesRequest(
        region_id="cn-hangzhou", resource_type="GATEWAY", resource_id=ids))
    keys = {(t.resource_id, t.tag_key) for t in body.tag_resources.tag_resource}
    assert ids and {(gid, "ack.aliyun.com") for gid in ids} <= keys


def test_mse_unknown_gateway_is_not_found(region_lab: RegionLab) -> None:
    from alibabacloud_mse20190531 import models as mse
    from alibabacloud_tea_openapi.exceptions import ClientException

    with pytest.raises(ClientException) as caught:
        region_lab.client("mse").get_gateway(mse.GetGatewayRequest(gateway_unique_id="gw-doesnotexist"))
    assert caught.value.status_code == 404


# -- errors ----------------------------------------------------------------------------------------

def test_wrong_secret_is_signature_does_not_match(region_lab: RegionLab) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException
    from alibabacloud_vpc20160428 import models as vpc

    for product, call_it in (
        ("vpc", lambda c: c.describe_vpcs(vpc.DescribeVpcsRequest(region_id=REGION))),
        ("cs", lambda c: c.describe_cluster_detail(region_lab.ids()["ack_cluster_id"])),
    ):
        with pytest.raises(ClientException) as caught:
            call_it(region_lab.client(product, secret="not-the-lab-secret"))
        assert (caught.value.code, caught.value.status_code) == ("SignatureDoesNotMatch", 400), product
        assert "not-the-lab-secret" not in str(caught.value)


def test_unknown_access_key_is_not_found(region_lab: RegionLab) -> None:
    from alibabacloud_tea_openapi import models as open_api_models
    from alibabacloud_tea_openapi.exceptions import ClientException
    from alibabacloud_vpc20160428 import models as vpc
    from alibabacloud_vpc20160428.client import Client

    config = region_lab.config()
    config = open_api_models.Config(access_key_id="LTAI5tSomeoneElse", access_key_secret=region_lab.secret,
                                    endpoint=config.endpoint, protocol="http", region_id=REGION,
                                    read_timeout=5000, connect_timeout=2000)
    with pytest.raises(ClientException) as caught:
        Client(config).describe_vpcs(vpc.DescribeVpcsRequest(region_id=REGION))
    assert (caught.value.code, caught.value.status_code) == ("InvalidAccessKeyId.NotFound", 404)


def test_temporary_credentials_need_their_security_token(region_lab: RegionLab) -> None:
    """An STS AccessKey ID is accepted with its token (the SDK signs it in), refused without one or with another."""
    from alibabacloud_tea_openapi import models as open_api_models
    from alibabacloud_tea_openapi.exceptions import ClientException
    from alibabacloud_vpc20160428 import models as vpc
    from alibabacloud_vpc20160428.client import Client

    from drconsole.lab.region import sts

    secret, token = sts.temporary(region_lab.secret)

    def describe(security_token: str | None) -> Any:
        config = open_api_models.Config(access_key_id=sts.ACCESS_KEY_ID, access_key_secret=secret,
                                        security_token=security_token, endpoint=region_lab.facts["endpoint"],
                                        protocol="http", region_id=REGION, read_timeout=5000, connect_timeout=2000)
        return Client(config).describe_vpcs(vpc.DescribeVpcsRequest(region_id=REGION)).body

    assert [v.vpc_id for v in describe(token).vpcs.vpc] == [region_lab.ids()["vpc_id"]]
    for wrong, code in ((None, "MissingSecurityToken"),
                        (token[:-4] + "AAAA", "InvalidSecurityToken.MismatchWithAccessKey")):
        with pytest.raises(ClientException) as caught:
            describe(wrong)
        assert (caught.value.code, caught.value.status_code) == (code, 400)
    assert token not in json.dumps(region_lab.requests())


@pytest.fixture
def region_fault(region_lab: RegionLab) -> Any:
    """Break a region fault for one test; heal it afterwards whatever happens."""
    from drconsole.lab.region import PART

    broken: list[str] = []

    def inject(name: str) -> None:
        PART.faults()[name].inject(region_lab.env)
        broken.append(name)

    yield inject
    for name in broken:
        PART.faults()[name].heal(region_lab.env)


def test_throttling_is_the_sdk_throttling_exception(region_lab: RegionLab, region_fault: Any) -> None:
    from alibabacloud_cs20151215 import models as cs
    from alibabacloud_tea_openapi.exceptions import ThrottlingException
    from alibabacloud_vpc20160428 import models as vpc

    region_fault("region-throttle")
    with pytest.raises(ThrottlingException) as caught:
        region_lab.client("vpc").describe_bgp_peers(vpc.DescribeBgpPeersRequest(region_id=REGION))
    assert caught.value.code == "Throttling.User" and caught.value.retry_after == 1000
    with pytest.raises(ThrottlingException):
        region_lab.client("cs").describe_clusters_v1(cs.DescribeClustersV1Request())


def test_5xx_is_the_sdk_server_exception(region_lab: RegionLab, region_fault: Any) -> None:
    from alibabacloud_adcp20220101 import models as adcp
    from alibabacloud_tea_openapi.exceptions import ServerException

    region_fault("region-5xx")
    with pytest.raises(ServerException) as caught:
        region_lab.client("adcp").describe_hub_clusters(adcp.DescribeHubClustersRequest())
    assert (caught.value.code, caught.value.status_code) == ("ServiceUnavailable", 503)


def test_slow_region_answers_after_seconds(region_lab: RegionLab, region_fault: Any) -> None:
    from alibabacloud_cbn20170912 import models as cbn

    region_fault("region-slow")
    started = time.monotonic()
    body = region_lab.client("cbn").describe_cens(cbn.DescribeCensRequest()).body
    assert time.monotonic() - started >= 4.5 and body.request_id


def test_request_log_records_reads_without_the_secret(region_lab: RegionLab) -> None:
    from alibabacloud_vpc20160428 import models as vpc

    before = len(region_lab.requests())
    region_lab.client("vpc").describe_bgp_peers(vpc.DescribeBgpPeersRequest(region_id=REGION))
    # the region writes its log line after it has answered
    records = wait_until(lambda: region_lab.requests()[before:], 10, "the call in the request log")
    assert [(r["product"], r["action"], r["mutating"], r["status"]) for r in records] == [
        ("vpc", "DescribeBgpPeers", False, 200)]
    text = Path(region_lab.facts["request_log"]).read_text()
    assert region_lab.secret not in text and "Signature=" not in text


def _cens(region_lab: RegionLab) -> list[str]:
    from alibabacloud_cbn20170912 import models as cbn

    body = region_lab.client("cbn").describe_cens(cbn.DescribeCensRequest(page_size=50)).body.to_map()
    return [c["CenId"] for c in body["Cens"]["Cen"]]


def test_a_repeated_client_token_returns_the_first_resource(region_lab: RegionLab) -> None:
    from alibabacloud_cbn20170912 import models as cbn

    token = f"t-{uuid.uuid4().hex}"
    first = region_lab.client("cbn").create_cen(cbn.CreateCenRequest(name="idem", client_token=token)).body
    again = region_lab.client("cbn").create_cen(cbn.CreateCenRequest(name="idem", client_token=token)).body
    other = region_lab.client("cbn").create_cen(cbn.CreateCenRequest(name="idem")).body
    assert first.cen_id == again.cen_id != other.cen_id
    assert _cens(region_lab).count(first.cen_id) == 1


def test_lost_response_commits_the_create_and_a_retry_with_its_token_gets_it(
        region_lab: RegionLab, region_fault: Any) -> None:
    from alibabacloud_cbn20170912 import models as cbn
    from Tea.exceptions import UnretryableException

    before = set(_cens(region_lab))
    token = f"t-{uuid.uuid4().hex}"
    region_fault("region-lost-response")
    with pytest.raises(UnretryableException):  # the connection closed with no answer
        region_lab.client("cbn").create_cen(cbn.CreateCenRequest(name="lost", client_token=token))
    created = set(_cens(region_lab)) - before
    assert len(created) == 1
    replayed = region_lab.client("cbn").create_cen(cbn.CreateCenRequest(name="lost", client_token=token)).body
    assert {replayed.cen_id} == created and set(_cens(region_lab)) - before == created
