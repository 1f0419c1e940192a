"""The built region's answers come from the real parts: the agent's registration connection, the
Argo CD cluster Secrets on the Fleet, the BIRD session, and the MseIngressConfig on the Fleet."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from drconsole.lab.region.config import REGION
from tests.fixtures.net import wait_until
from tests.fixtures.region import RegionLab

pytestmark = [pytest.mark.lab, pytest.mark.kube]
SECRETS = "/api/v1/namespaces/argocd/secrets"


@pytest.fixture
def planes(region_live: RegionLab) -> Iterator[Any]:
    from drconsole.lab.region.kube import Plane

    opened: dict[str, Plane] = {}

    def plane(name: str) -> Plane:
        if name not in opened:
            opened[name] = Plane(region_live.env, name)
        return opened[name]

    yield plane
    for each in opened.values():
        each.close()


def _state(region: RegionLab, cluster_id: str) -> str:
    return str(region.client("cs").describe_cluster_detail(cluster_id).body.state)


def _argocd_clusters(plane: Any) -> dict[str, dict[str, Any]]:
    items = (plane("fleet").get(SECRETS) or {}).get("items") or []
    return {s["metadata"]["annotations"]["cluster_id"]: s for s in items
            if s["metadata"].get("labels", {}).get("argocd.argoproj.io/secret-type") == "cluster"}


def test_registered_cluster_follows_its_agent(lab: dict[str, Any], region_live: RegionLab, planes: Any) -> None:
    """The whole lab: the controllers run the agent's process while its Deployment exists."""
    from drconsole.lab.region import PART

    cid = region_live.ids()["registered_cluster_id"]
    assert planes("idc").get("/apis/apps/v1/namespaces/kube-system/deployments/ack-cluster-agent")
    assert _state(region_live, cid) == "running"
    fault = PART.faults()["agent"]
    fault.inject(region_live.env)
    try:
        wait_until(lambda: _state(region_live, cid) == "disconnected", 10, "registered cluster disconnected")
    finally:
        fault.heal(region_live.env)
    wait_until(lambda: _state(region_live, cid) == "running", 10, "registered cluster running again")


def test_gitops_has_a_cluster_secret_per_attached_cluster(region_live: RegionLab, planes: Any) -> None:
    ids = region_live.ids()
    found = wait_until(lambda: (lambda s: s if len(s) == 2 else None)(_argocd_clusters(planes)), 10,
                     "two Argo CD cluster secrets")
    assert set(found) == {ids["ack_cluster_id"], ids["registered_cluster_id"]}
    secret = found[ids["registered_cluster_id"]]
    name = base64.b64decode(secret["data"]["name"]).decode()
    server = base64.b64decode(secret["data"]["server"]).decode()
    assert name == f"{ids['registered_cluster_id']}-{secret['metadata']['annotations']['cluster_name']}"
    assert server == region_live.env.facts()["kube"]["servers"]["idc"]


def test_fleet_detach_fault_removes_membership_and_secret(region_live: RegionLab, planes: Any) -> None:
    from alibabacloud_adcp20220101 import models as adcp

    from drconsole.lab.region import PART

    ids = region_live.ids()
    request = adcp.DescribeManagedClustersRequest(cluster_id=ids["fleet_id"])

    def members() -> dict[str, str]:
        body = region_live.client("adcp").describe_managed_clusters(request).body
        return {c.cluster.cluster_id: c.status.state for c in body.clusters}

    fault = PART.faults()["fleet-detach"]
    fault.inject(region_live.env)
    try:
        wait_until(lambda: ids["registered_cluster_id"] not in members(), 5, "registered cluster detached")
        wait_until(lambda: ids["registered_cluster_id"] not in _argocd_clusters(planes), 10, "its secret removed")
        assert members() == {ids["ack_cluster_id"]: "Successed"}
    finally:
        fault.heal(region_live.env)
    wait_until(lambda: members().get(ids["registered_cluster_id"]) == "Successed", 10, "attached again")
    wait_until(lambda: ids["registered_cluster_id"] in _argocd_clusters(planes), 10, "its secret back")


def test_bgp_peer_status_is_the_bird_session(region_live: RegionLab) -> None:
    from alibabacloud_vpc20160428 import models as vpc

    from drconsole.lab.net.bgp import bgp_session, vbr_routes

    def peer() -> Any:
        (answer,) = region_live.client("vpc").describe_bgp_peers(vpc.DescribeBgpPeersRequest(
            region_id=REGION, bgp_peer_id=region_live.ids()["bgp_peer_id"])).body.bgp_peers.bgp_peer
        return answer

    wait_until(lambda: peer().bgp_status == "Established", 20, "BGP Established")
    live = bgp_session(region_live.env)
    answer = peer()
    assert (answer.received_route_count, answer.advertised_route_count) == (live["received"], live["advertised"])
    assert answer.advertised_route_count > 0
    assert answer.received_route_count == len(vbr_routes(region_live.env)) > 0
    assert answer.route_limit == "110"


def test_hub_kubeconfig_reaches_the_fleet_plane(region_live: RegionLab) -> None:
    import yaml
    from alibabacloud_adcp20220101 import models as adcp
    from kubernetes import client, config

    body = region_live.client("adcp").describe_hub_cluster_kubeconfig(adcp.DescribeHubClusterKubeconfigRequest(
        cluster_id=region_live.ids()["fleet_id"], private_ip_address=True)).body
    api = config.new_client_from_config_dict(yaml.safe_load(body.kubeconfig))
    try:
        names = {n.metadata.name for n in client.CoreV1Api(api).list_namespace(_request_timeout=5).items
                 if n.metadata}
    finally:
        api.close()
    assert "argocd" in names


def test_mse_gateway_follows_the_mse_ingress_config(region_live: RegionLab, planes: Any) -> None:
    from alibabacloud_mse20190531 import models as mse

    fleet = planes("fleet")
    path = "/apis/mse.alibabacloud.com/v1alpha1/mseingressconfigs/region-contract-test"
    obj = {"apiVersion": "mse.alibabacloud.com/v1alpha1", "kind": "MseIngressConfig",
           "metadata": {"name": "region-contract-test"},
           "spec": {"name": "region-test-gw", "common": {"instance": {"spec": "2c4g", "replicas": 3}},
                    "ingress": {"local": {"ingressClass": "mse"}}}}
    fleet.apply(path, obj)
    try:
        def gateway() -> Any:
            result = region_live.client("mse").list_gateway(mse.ListGatewayRequest(
                page_number=1, page_size=50)).body.data.result
            return next((g for g in result if g.name == "region-test-gw"), None)

        found = wait_until(gateway, 5, "a gateway for the MseIngressConfig")
        assert found.gateway_unique_id.startswith("gw-")
        fleet.request("PATCH", f"{path}/status", {"status": {"status": "Listening"}},
                      "application/merge-patch+json")
        listening = wait_until(lambda: (lambda g: g if g and g.status == 2 else None)(gateway()), 5, "running")
        # no privateSLBSpec: only the Internet-facing SLB (publicSLBSpec defaults to slb.s2.small)
        assert [(s.type, s.slb_spec) for s in listening.slb] == [("PUB_NET", "slb.s2.small")]
        assert [e.net_type for e in listening.gateway_entry] == ["Internet"]
        fleet.request("PATCH", path, {"spec": {"common": {"network": {"privateSLBSpec": "slb.s1.small"}}}},
                      "application/merge-patch+json")
        address = region_live.env.facts()["net"]["gateway"]["address"]
        private = wait_until(lambda: [s for s in gateway().slb if s.type == "PRIVATE_NET"], 5, "an internal SLB")
        assert [(s.slb_ip, s.slb_spec) for s in private] == [(address, "slb.s1.small")]
        assert [e.ip_list for e in gateway().gateway_entry if e.net_type == "Intranet"] == [[address]]
        tags = region_live.client("mse").list_tag_resources(mse.ListTagResourcesRequest(
            region_id=REGION, resource_type="GATEWAY", resource_id=[found.gateway_unique_id])).body
        assert {t.tag_key: t.tag_value for t in tags.tag_resources.tag_resource}[
            "ingress.k8s.alibaba/MseIngressConfig"] == "region-contract-test"
        detail = region_live.client("mse").get_gateway(mse.GetGatewayRequest(
            gateway_unique_id=found.gateway_unique_id)).body.data
        assert (detail.status, detail.name) == (2, "region-test-gw")
    finally:
        fleet.delete(path)


def _table(region: RegionLab, table_id: str) -> list[Any]:
    from alibabacloud_vpc20160428 import models as vpc

    return list(region.client("vpc").describe_route_entry_list(vpc.DescribeRouteEntryListRequest(
        region_id=REGION, route_table_id=table_id, max_result=100)).body.route_entrys.route_entry or [])


def test_vpc_learns_the_idc_route_only_while_bgp_is_up(region_live: RegionLab) -> None:
    from drconsole.lab.net import PART as NET
    from drconsole.lab.net.bgp import vbr_routes

    ids = region_live.ids()

    def learnt() -> set[str]:
        return {r.destination_cidr_block for r in _table(region_live, ids["route_table_id"]) if r.type == "CEN"}

    wait_until(lambda: bool(learnt()), 20, "the IDC route learnt over BGP")
    from_bird = vbr_routes(region_live.env)
    assert learnt() == set(from_bird) == set(region_live.env.facts()["net"]["cidrs"]["idc"])
    hops = {h.next_hop_type for r in _table(region_live, ids["route_table_id"])
            if r.type == "CEN" for h in r.next_hops.next_hop}
    assert hops == {"Attachment"}  # the VPC's transit-router attachment, as DescribeRouteEntryList documents
    fault = NET.faults()["bgp"]
    fault.inject(region_live.env)
    try:
        wait_until(lambda: not learnt(), 15, "the IDC route withdrawn with the BGP session")
        assert vbr_routes(region_live.env) == []
    finally:
        fault.heal(region_live.env)
    wait_until(lambda: learnt() == set(from_bird), 30, "the IDC route back")


def test_vpc_loses_the_idc_route_when_the_data_center_stops_announcing(region_live: RegionLab) -> None:
    from alibabacloud_vpc20160428 import models as vpc

    from drconsole.lab.net import PART as NET

    ids = region_live.ids()

    def peer() -> Any:
        (answer,) = region_live.client("vpc").describe_bgp_peers(vpc.DescribeBgpPeersRequest(
            region_id=REGION, bgp_peer_id=ids["bgp_peer_id"])).body.bgp_peers.bgp_peer
        return answer

    def cen_routes() -> set[str]:
        return {r.destination_cidr_block for r in _table(region_live, ids["route_table_id"]) if r.type == "CEN"}

    wait_until(lambda: peer().received_route_count > 0 and cen_routes(), 20, "the IDC route learnt")
    fault = NET.faults()["idc-routes"]
    fault.inject(region_live.env)
    try:
        wait_until(lambda: not cen_routes(), 10, "the IDC route gone from the VPC table")
        answer = peer()
        assert (answer.bgp_status, answer.received_route_count) == ("Established", 0)
        assert answer.advertised_route_count > 0
    finally:
        fault.heal(region_live.env)
    wait_until(lambda: peer().received_route_count == len(cen_routes()) > 0, 20, "the IDC route back")


def test_vbr_route_table_has_both_sides(region_live: RegionLab) -> None:
    from alibabacloud_vpc20160428 import models as vpc

    from drconsole.lab.net import PART as NET
    from drconsole.lab.net.bgp import vbr_routes

    ids = region_live.ids()
    (vbr,) = region_live.client("vpc").describe_virtual_border_routers(vpc.DescribeVirtualBorderRoutersRequest(
        region_id=REGION)).body.virtual_border_router_set.virtual_border_router_type
    table = vbr.route_table_id
    assert table != ids["route_table_id"]

    def rows() -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for r in _table(region_live, table):
            assert not r.next_hops.next_hop  # no next-hop shape is documented for a VBR's table
            found.setdefault(r.type, set()).add(r.destination_cidr_block)
        return found

    vswitches = region_live.client("vpc").describe_vswitches(vpc.DescribeVSwitchesRequest(
        region_id=REGION, vpc_id=ids["vpc_id"])).body.v_switches.v_switch
    wait_until(lambda: "BGP" in rows(), 20, "the VBR's BGP routes")
    seen = rows()
    assert seen["BGP"] == set(vbr_routes(region_live.env))
    assert seen["CEN"] == {v.cidr_block for v in vswitches}
    fault = NET.faults()["bgp"]
    fault.inject(region_live.env)
    try:
        wait_until(lambda: "BGP" not in rows(), 15, "the VBR's BGP routes withdrawn")
        assert "CEN" in rows()  # the CEN still gives it the VPC's
    finally:
        fault.heal(region_live.env)
    wait_until(lambda: "BGP" in rows(), 30, "the VBR's BGP routes back")
