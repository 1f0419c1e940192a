"""The `lab` profile: what the running lab's parts report, in the shape an operator's profile has."""

from __future__ import annotations

from typing import Any

from drconsole import secrets
from drconsole.lab.env import LabEnv
from drconsole.profile import (
    Attribution,
    Bgp,
    Capacity,
    Cloud,
    Cluster,
    Clusters,
    Gateway,
    LabLink,
    Network,
    ObjectStorage,
    Profile,
    Registry,
    Services,
    save_profile,
)

LAB_PROFILE = "lab"
PRODUCTS = ("cs", "adcp", "vpc", "cbn", "mse")
# The demo application's page names its ENV_NAME, which the GitOps step sets to the cluster ID (README).
DEMO_MARKER = r"\b(c[0-9a-f]{32})\b"


def lab_profile(env: LabEnv, name: str = LAB_PROFILE) -> Profile:
    facts = env.facts()
    net, kube, region = facts["net"], facts["kube"], facts["region"]
    app: dict[str, Any] = facts.get("controllers", {}).get("app", {})
    ids: dict[str, Any] = region["ids"]
    bgp = net["bgp"]
    zones = kube["zones"]
    return Profile(
        name=name,
        description=f"The local lab ({env.mode} mode, started {env.start_state}) at {env.root}",
        cloud=Cloud(region=region["region"], access_key_id=region["access_key_id"],
                    endpoints={product: region["endpoint"] for product in PRODUCTS},
                    protocol=region["protocol"], timeout_s=5.0),
        network=Network(
            vpc_id=ids["vpc_id"],
            vswitch_ids={zone: vsw for zone, vsw in ids["vswitches"].items() if zone in zones.values()},
            vpc_cidrs=net["cidrs"]["vpc"], idc_cidrs=net["cidrs"]["idc"],
            physical_connection_id=ids.get("physical_connection_id"), vbr_id=ids.get("vbr_id"),
            bgp_group_id=ids.get("bgp_group_id"), bgp_peer_id=ids.get("bgp_peer_id"), cen_id=ids.get("cen_id"),
            route_table_id=ids.get("route_table_id"),
            resolvers=net["dns"]["servers"], resolver_port=net["dns"]["port"],
            vantage_netns=net.get("vantage_netns"),
            bgp=Bgp(vbr_asn=bgp["vbr_asn"], idc_asn=bgp["idc_asn"], vbr_peer_ip=bgp["vbr_ip"],
                    idc_peer_ip=bgp["idc_ip"], port=bgp["vbr_port"]),
        ),
        clusters=Clusters(
            kubeconfig=kube["kubeconfig"],
            fleet=Cluster(id=ids.get("fleet_id"), context=kube["contexts"]["fleet"]),
            ack=Cluster(id=ids.get("ack_cluster_id"), context=kube["contexts"]["ack"], zone=zones["ack"]),
            registered=Cluster(id=ids.get("registered_cluster_id"), context=kube["contexts"]["idc"],
                               zone=zones["idc"]),
        ),
        services=Services(
            acr=Registry(endpoint=net["names"]["acr"], enterprise_instance=_instance(net["names"].get("acr_ee")),
                         vip_ranges=_vip_ranges(net, "acr_vip", "acr", "acr_ee"), port=net["endpoints"]["acr"]["port"]),
            oss=ObjectStorage(endpoint=net["names"]["oss"], vip_ranges=_vip_ranges(net, "oss_vip", "oss"),
                              port=net["endpoints"]["oss"]["port"]),
            ca_file=net["ca_file"],
        ),
        gateway=Gateway(
            host=net["gateway"]["host"], address=net["gateway"]["address"],
            http_port=net["gateway"]["http_port"], https_port=net["gateway"]["https_port"],
            namespace=app.get("namespace", "demo"), ingress=app.get("ingress", "web-demo"),
            service=app.get("service", "service1"),
            mse_ingress_config=app.get("mse_ingress_config", "ackone-gateway-cn-hangzhou"),
            zone_backends={zone: info["backend"] for zone, info in net.get("zones", {}).items()},
        ),
        attribution=Attribution(path="/", body_regex=DEMO_MARKER),
        capacity=Capacity(ecs_node_pools=True if ids.get("node_pool_id") else None,
                          eci=True if ids.get("virtual_node") else None),
        lab=LabLink(dir=env.root, mode=env.mode),
    )


def _vip_ranges(net: dict[str, Any], cidrs: str, *endpoints: str) -> list[str]:
    """The region's VIP ranges; in loopback mode the stand-ins answer on 127.x addresses instead,
    so those addresses are the ranges the lab's names must resolve into."""
    if net["mode"] == "loopback":
        return [f"{net['endpoints'][name]['address']}/32" for name in endpoints]
    return list(net["cidrs"][cidrs])


def _instance(acr_ee_host: str | None) -> str | None:
    """`drlab-registry-vpc.cn-hangzhou.cr.aliyuncs.com` -> `drlab`."""
    if not acr_ee_host or "-registry-vpc." not in acr_ee_host:
        return None
    return acr_ee_host.split("-registry-vpc.", 1)[0]


def write_lab_profile(env: LabEnv, name: str = LAB_PROFILE) -> Profile:
    """Save the lab profile and put the lab's AccessKey secret in the keyring under it."""
    profile = lab_profile(env, name)
    save_profile(profile)
    if env.access_key_secret and profile.cloud.access_key_id:
        secrets.store_secret(name, profile.cloud.access_key_id, env.access_key_secret)
    return profile
