"""Issue 5, "Done when": the whole hybrid zone-DR procedure on a fresh lab, through nothing but the
official Alibaba Cloud SDKs and the kubernetes client, the way an operator's script would do it:

create the Fleet; register the data center's cluster and apply its agent there (it stays `waiting`: the
agent has no path to ACK yet); build the network (VBR, BGP group and peer, CEN with the VBR and the VPC),
over which the agent registers; attach both clusters; enable GitOps; create
the ApplicationSet; create the MseIngressConfig and the active-standby Ingress on the Fleet.
It ends with every resource in its documented healthy state and the app served from zone A through
the gateway, as seen from the data center; then zone A's backend is broken and the documented
fallback moves the traffic to zone B.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from drconsole.lab.env import LabEnv
from drconsole.lab.region.config import REGION
from tests.fixtures.net import wait_until
from tests.lab.region_support import attach_through_transit_router, transit_statuses

pytestmark = [pytest.mark.lab, pytest.mark.kube]

MANAGER = "procedure-test"
PEERING_MASK = "255.255.255.248"  # the lab's /29 between the VBR and the data-center router
VLAN_ID = 100


class Cloud:
    """One official SDK client per product, all pointed at the lab's region endpoint."""

    def __init__(self, facts: dict[str, Any], secret: str) -> None:
        from alibabacloud_adcp20220101.client import Client as Adcp
        from alibabacloud_cbn20170912.client import Client as Cbn
        from alibabacloud_cs20151215.client import Client as Cs
        from alibabacloud_mse20190531.client import Client as Mse
        from alibabacloud_tea_openapi.models import Config
        from alibabacloud_vpc20160428.client import Client as Vpc

        region = facts["region"]

        def config() -> Config:
            return Config(access_key_id=region["access_key_id"], access_key_secret=secret,
                          endpoint=region["endpoint"], protocol="http", region_id=REGION,
                          read_timeout=10_000, connect_timeout=3_000)

        self.cs, self.adcp, self.vpc = Cs(config()), Adcp(config()), Vpc(config())
        self.cbn, self.mse = Cbn(config()), Mse(config())


def kube_client(config: dict[str, Any], context: str | None = None) -> Any:
    """A kubernetes DynamicClient for a kubeconfig (as a dict), every request bounded."""
    from kubernetes import config as kube_config
    from kubernetes.dynamic import DynamicClient

    api = kube_config.new_client_from_config_dict(config, context=context)
    api.rest_client.pool_manager.connection_pool_kw.update(retries=False, timeout=5.0)
    return DynamicClient(api)


def apply(kube: Any, document: dict[str, Any]) -> None:
    """Server-side apply of one object (what `kubectl apply --server-side` sends)."""
    resource = kube.resources.get(api_version=document["apiVersion"], kind=document["kind"])
    metadata = document["metadata"]
    kube.server_side_apply(resource, body=document, name=metadata["name"], namespace=metadata.get("namespace"),
                           field_manager=MANAGER, force_conflicts=True)


def objects(kube: Any, api_version: str, kind: str, namespace: str | None = None) -> list[dict[str, Any]]:
    resource = kube.resources.get(api_version=api_version, kind=kind)
    return [item.to_dict() for item in kube.get(resource, namespace=namespace).items]


def served_from(env: LabEnv) -> str | None:
    """The zone ("a"/"b") whose copy of the app answered through the gateway, asked from the data center's
    namespace (the vantage); the lab tells the zone from the page each zone publishes."""
    from drconsole.lab.net.zonepages import zone_of_page
    from drconsole.vantage import run_in

    net = env.facts()["net"]
    gateway = net["gateway"]

    def get() -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(gateway["address"], gateway["http_port"], timeout=2.0)
        try:
            connection.request("GET", "/", headers={"Host": gateway["host"]})
            reply = connection.getresponse()
            return reply.status, reply.read()
        finally:
            connection.close()

    try:
        status, body = run_in(net["vantage_netns"], get, timeout=5.0)
    except (OSError, TimeoutError):
        return None
    return zone_of_page(env, body) if status == 200 else None


@pytest.fixture
def procedure_lab(fresh_lab: LabEnv) -> Iterator[LabEnv]:
    """The fresh lab; zone A's backend is healed afterwards whatever happened."""
    from drconsole.lab.lab import Lab

    yield fresh_lab
    if "zone-a" in fresh_lab.broken():
        Lab(fresh_lab).heal("zone-a")


def test_the_procedure_from_a_fresh_lab_to_zone_failover(procedure_lab: LabEnv) -> None:
    from alibabacloud_adcp20220101 import models as adcp
    from alibabacloud_cbn20170912 import models as cbn
    from alibabacloud_cs20151215 import models as cs
    from alibabacloud_mse20190531 import models as mse
    from alibabacloud_vpc20160428 import models as vpc

    from drconsole.lab.lab import Lab

    env = procedure_lab
    facts = env.facts()
    assert env.access_key_secret
    cloud = Cloud(facts, env.access_key_secret)
    ids, net = facts["region"]["ids"], facts["net"]
    vpc_id, vswitches, ack_id = ids["vpc_id"], ids["vswitches"], ids["ack_cluster_id"]
    zone_a, zone_b = net["zones"]["a"]["zone_id"], net["zones"]["b"]["zone_id"]

    # Before the procedure: no Fleet, no registered cluster, no VBR, no CEN.
    assert cloud.adcp.describe_hub_clusters(adcp.DescribeHubClustersRequest()).body.clusters == []
    assert [c.cluster_type for c in cloud.cs.describe_clusters_v1(cs.DescribeClustersV1Request()).body.clusters] \
        == ["ManagedKubernetes"]
    assert served_from(env) is None

    # Step 1: the Fleet, in the VPC.
    fleet_id = cloud.adcp.create_hub_cluster(adcp.CreateHubClusterRequest(
        region_id=REGION, vpc_id=vpc_id, v_switches=json.dumps([vswitches["fleet"]]), name="dr-fleet",
        profile="Default", api_server_public_eip=False)).body.cluster_id
    fleet_details = adcp.DescribeHubClusterDetailsRequest(cluster_id=fleet_id)

    def fleet_info() -> Any:
        return cloud.adcp.describe_hub_cluster_details(fleet_details).body.cluster.cluster_info

    wait_until(lambda: fleet_info().state == "running", 15, "Fleet ClusterInfo.State running")

    # Step 2: the registered cluster for the data center's Kubernetes, in zone B; its agent applied there.
    created = cloud.cs.create_cluster(cs.CreateClusterRequest(
        name="idc-k8s", region_id=REGION, cluster_type="ExternalKubernetes", vpcid=vpc_id,
        vswitch_ids=[vswitches[zone_b]])).body
    registered_id = created.cluster_id
    wait_until(lambda: cloud.cs.describe_task_info(created.task_id).body.state == "success", 15,
               "CreateCluster task success")
    assert cloud.cs.describe_cluster_detail(registered_id).body.state == "waiting"
    agent_yaml = cloud.cs.describe_external_agent(registered_id, cs.DescribeExternalAgentRequest(
        private_ip_address="true")).body.config
    kube = facts["kube"]
    idc = kube_client(yaml.safe_load(Path(kube["kubeconfig"]).read_text()), kube["contexts"]["idc"])
    agent_documents = [d for d in yaml.safe_load_all(agent_yaml) if d]
    assert any(d["kind"] == "Deployment" and d["metadata"]["name"] == "ack-cluster-agent" for d in agent_documents)
    for document in agent_documents:
        apply(idc, document)
    # the agent dials the private registration endpoint, which nothing routes the data center to yet
    assert cloud.cs.describe_cluster_detail(registered_id).body.state == "waiting"

    # Step 3: the data center's network: VBR on the circuit, BGP group and peer, CEN with VBR and VPC.
    bgp = net["bgp"]
    vbr_id = cloud.vpc.create_virtual_border_router(vpc.CreateVirtualBorderRouterRequest(
        region_id=REGION, physical_connection_id=ids["physical_connection_id"], vlan_id=VLAN_ID,
        local_gateway_ip=bgp["vbr_ip"], peer_gateway_ip=bgp["idc_ip"], peering_subnet_mask=PEERING_MASK,
        name="idc-vbr")).body.vbr_id
    group_id = cloud.vpc.create_bgp_group(vpc.CreateBgpGroupRequest(
        region_id=REGION, router_id=vbr_id, peer_asn=bgp["idc_asn"], name="idc-bgp")).body.bgp_group_id
    peer_id = cloud.vpc.create_bgp_peer(vpc.CreateBgpPeerRequest(
        region_id=REGION, bgp_group_id=group_id, peer_ip_address=bgp["idc_ip"])).body.bgp_peer_id
    cen_id = cloud.cbn.create_cen(cbn.CreateCenRequest(name="dr-cen")).body.cen_id
    attach_through_transit_router(cloud.cbn, cen_id, REGION, vbr_id, vpc_id,
                                  {vswitches[zone]: zone for zone in (zone_a, zone_b)})

    def bgp_peer() -> Any:
        peers = cloud.vpc.describe_bgp_peers(vpc.DescribeBgpPeersRequest(
            region_id=REGION, bgp_peer_id=peer_id)).body.bgp_peers.bgp_peer
        return peers[0] if peers else None

    def cen_children() -> dict[str, str]:
        return transit_statuses(cloud.cbn, cen_id)

    # Step 4: both clusters join the Fleet.
    cloud.adcp.attach_cluster_to_hub(adcp.AttachClusterToHubRequest(
        cluster_id=fleet_id, cluster_ids=json.dumps([ack_id, registered_id]), attach_to_mesh=False))

    def managed() -> dict[str, str]:
        clusters = cloud.adcp.describe_managed_clusters(adcp.DescribeManagedClustersRequest(
            cluster_id=fleet_id)).body.clusters
        return {c.cluster.cluster_id: c.status.state for c in clusters}

    wait_until(lambda: managed() == {ack_id: "Successed", registered_id: "Successed"}, 15,
               "both managed clusters Status.State Successed")

    # Step 5: GitOps and the multi-cluster gateway feature on the Fleet, then the ApplicationSet.
    cloud.adcp.update_hub_cluster_feature(adcp.UpdateHubClusterFeatureRequest(
        cluster_id=fleet_id, argo_cdenabled=True, gateway_enabled=True))
    assert fleet_info().meta_data.ackone.git_ops.enabled is True
    fleet_kubeconfig = cloud.adcp.describe_hub_cluster_kubeconfig(adcp.DescribeHubClusterKubeconfigRequest(
        cluster_id=fleet_id, private_ip_address=True)).body.kubeconfig
    fleet = kube_client(yaml.safe_load(fleet_kubeconfig))
    wait_until(lambda: {s["metadata"]["annotations"]["cluster_id"] for s in objects(fleet, "v1", "Secret", "argocd")
                        if s["metadata"].get("labels", {}).get("argocd.argoproj.io/secret-type") == "cluster"}
               == {ack_id, registered_id}, 15, "Argo CD cluster secrets for both clusters")
    repo_url = f"file://{facts['controllers']['git_repo']}"
    apply(fleet, yaml.safe_load(APPLICATION_SET.replace("REPO_URL", repo_url)))

    # Step 6: the gateway: MseIngressConfig with both clusters, the active-standby Ingress pinned to zone A.
    apply(fleet, yaml.safe_load(NAMESPACE))
    apply(fleet, yaml.safe_load(MSE_INGRESS_CONFIG.replace("CLUSTER_IDS", f"{ack_id},{registered_id}")))
    apply(fleet, yaml.safe_load(INGRESS.replace("HOST", net["gateway"]["host"]).replace("PRIMARY", ack_id)))

    # Every resource in its documented healthy state.
    assert fleet_info().state == "running"
    wait_until(lambda: cloud.cs.describe_cluster_detail(registered_id).body.state == "running", 30,
               "registered cluster state running once BGP routes the VPC to the data center")
    assert managed() == {ack_id: "Successed", registered_id: "Successed"}
    def established() -> Any:
        peer = bgp_peer()
        return peer if peer is not None and peer.bgp_status == "Established" else None

    peer = wait_until(established, 20, "BgpStatus Established")
    assert peer.received_route_count >= 1 and peer.advertised_route_count >= 1
    wait_until(lambda: cen_children() == {vbr_id: "Attached", vpc_id: "Attached"}, 15, "TR attachments Attached")
    mse_path = ("mse.alibabacloud.com/v1alpha1", "MseIngressConfig")
    wait_until(lambda: [(c.get("status") or {}).get("status") for c in objects(fleet, *mse_path)] == ["Listening"],
               20, "MseIngressConfig Listening")

    def applications() -> dict[str, tuple[str | None, str | None]]:
        return {a["metadata"]["name"]: (((a.get("status") or {}).get("sync") or {}).get("status"),
                                        ((a.get("status") or {}).get("health") or {}).get("status"))
                for a in objects(fleet, "argoproj.io/v1alpha1", "Application", "argocd")}

    def synced_and_healthy() -> dict[str, tuple[str | None, str | None]] | None:
        apps = applications()
        return apps if len(apps) == 2 and set(apps.values()) == {("Synced", "Healthy")} else None

    wait_until(synced_and_healthy, 30, "two Applications Synced/Healthy")
    gateways = {g.gateway_unique_id: g for g in cloud.mse.list_gateway(mse.ListGatewayRequest(
        page_number=1, page_size=10)).body.data.result}
    ours = gateways[ids["gateway_id"]]  # the VPC also holds another team's `mse-ingress` gateway
    assert len(gateways) == 2 and ours.status == 2
    assert [e.ip_list for e in ours.gateway_entry if e.net_type == "Intranet"] == [[net["gateway"]["address"]]]
    wait_until(lambda: served_from(env) == "a", 30, f"the app served from zone A ({zone_a})")

    # Zone A's backend goes down: the pinned Ingress falls back to the other cluster, zone B.
    lab = Lab(env)
    lab.break_("zone-a")
    try:
        wait_until(lambda: served_from(env) == "b", 20, f"fallback to zone B ({zone_b})")
    finally:
        lab.heal("zone-a")
    wait_until(lambda: served_from(env) == "a", 20, "back to zone A after the heal")


# The objects an operator writes for the Fleet (ackone-facts §B.2, §B.3, §C).
APPLICATION_SET = """
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: web-demo, namespace: argocd}
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - clusters: {selector: {matchLabels: {argocd.argoproj.io/secret-type: cluster}}}
  template:
    metadata: {name: '{{.metadata.annotations.cluster_id}}-web-demo'}
    spec:
      project: default
      source:
        repoURL: REPO_URL
        targetRevision: main
        path: manifests/helm/web-demo
        helm:
          parameters:
          - {name: clusterId, value: '{{.metadata.annotations.cluster_id}}'}
          - {name: envCluster, value: '{{.metadata.annotations.cluster_name}}'}
      destination: {server: '{{.server}}', namespace: demo}
      syncPolicy:
        automated: {prune: true, selfHeal: true}
        syncOptions: [CreateNamespace=true]
"""

NAMESPACE = """
apiVersion: v1
kind: Namespace
metadata: {name: demo}
"""

MSE_INGRESS_CONFIG = """
apiVersion: mse.alibabacloud.com/v1alpha1
kind: MseIngressConfig
metadata:
  name: ackone-gateway-cn-hangzhou
  annotations:
    mse.alibabacloud.com/remote-clusters: CLUSTER_IDS
spec:
  name: mse-ingress
  common:
    instance: {spec: 2c4g, replicas: 3}
    network: {privateSLBSpec: slb.s2.small}
  ingress:
    local: {ingressClass: mse}
"""

INGRESS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web-demo
  namespace: demo
  annotations:
    mse.ingress.kubernetes.io/service-subset: ""
    mse.ingress.kubernetes.io/subset-labels: topology.istio.io/cluster PRIMARY
spec:
  ingressClassName: mse
  rules:
  - host: HOST
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: service1, port: {number: 80}}
"""
