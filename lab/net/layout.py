"""Where every piece of the lab network lives: names, addresses, ports and ranges.

Namespace mode uses the real-looking addresses (VIPs in the `vpc` namespace, the peering
subnet 10.200.0.0/29) and well-known ports. Loopback mode puts the same pieces on 127.0.x.y
with unprivileged ports picked once per lab and kept in `layout.json`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from drconsole.lab.env import LabEnv, free_ports

REGION = "cn-hangzhou"
VBR_ASN = 45104
IDC_ASN = 65001
ACR_EE_INSTANCE = "drlab"

NAMES = {
    "acr": f"registry-vpc.{REGION}.aliyuncs.com",
    "acr_ee": f"{ACR_EE_INSTANCE}-registry-vpc.{REGION}.cr.aliyuncs.com",
    "oss": f"oss-{REGION}-internal.aliyuncs.com",
    "gateway": "app.drlab.example.com",
    # ACK's private registration endpoint: the agent's ALI_STUB_REGISTER_ADDR (PrivateIpAddress=true)
    "cs_register": f"cs-anony-vpc.{REGION}.aliyuncs.com",
}
REGISTER_PORT = 5533
# Where the registration endpoint sits in the VPC (zone B's vSwitch); loopback mode serves it on 127.0.2.20.
REGISTER_VPC_IP = "192.168.2.20"
GATEWAY_ZONE = "drlab.example.com"

VPC_CIDRS = ["192.168.0.0/16"]
IDC_CIDRS = ["10.200.0.0/16"]
OSS_VIP_CIDRS = ["100.118.28.0/24", "100.114.102.0/24", "100.98.170.0/24", "100.118.31.0/24"]
ACR_VIP_CIDRS = ["100.103.9.188/32", "100.103.7.181/32"]

ZONES = {
    "a": {"zone_id": f"{REGION}-h", "cluster": "ack"},
    "b": {"zone_id": f"{REGION}-i", "cluster": "idc"},
}

# The "internet" of the data-center namespace: a veth pair that leads nowhere (TEST-NET-3).
INTERNET_ADDR = "203.0.113.1/24"
INTERNET_GATEWAY = "203.0.113.254"
# What the `dns-wrong` fault answers for the registry name. Only ever a DNS answer.
WRONG_ANSWER = {"netns": "47.96.0.10", "loopback": "198.51.100.10"}

PEERING_PREFIX = 29


@dataclass(frozen=True)
class Layout:
    mode: str
    vbr_ip: str
    vbr_port: int
    idc_ip: str
    idc_port: int
    probe_ip: str  # a host address in the data center (no BGP role: the VBR's only peer is idc_ip)
    dns_ip: str
    dns_port: int
    acr_ip: str
    acr_ee_ip: str
    acr_port: int
    oss_ip: str
    oss_https_port: int
    oss_http_port: int
    gateway_ip: str
    gateway_http_port: int
    gateway_https_port: int
    # The lab's own control listener of the gateway process (the routing generation it serves): on the loopback
    # (of the gateway's namespace in netns mode), never on the gateway's address that clients use.
    gateway_status_port: int
    zone_a_ip: str
    zone_b_ip: str
    zone_port_a: int
    zone_port_b: int
    register_ip: str
    register_port: int

    def zone_backend(self, zone: str) -> tuple[str, int]:
        return (self.zone_a_ip, self.zone_port_a) if zone == "a" else (self.zone_b_ip, self.zone_port_b)

    @property
    def vpc_service_ips(self) -> list[str]:
        """Addresses the `vpc` side answers on (namespace mode: put on its loopback device)."""
        return [self.acr_ip, self.acr_ee_ip, self.oss_ip, self.gateway_ip, self.zone_a_ip, self.zone_b_ip,
                self.register_ip]


GATEWAY_STATUS_IP = "127.0.0.1"  # the gateway's control listener: loopback of its own namespace (or host)


def _netns_layout() -> Layout:
    return Layout(
        mode="netns", vbr_ip="10.200.0.1", vbr_port=179, idc_ip="10.200.0.2", idc_port=179,
        probe_ip="10.200.0.3", dns_ip="10.200.0.4", dns_port=53,
        acr_ip="100.103.9.188", acr_ee_ip="100.103.7.181", acr_port=443,
        oss_ip="100.118.28.1", oss_https_port=443, oss_http_port=80,
        gateway_ip="192.168.10.10", gateway_http_port=80, gateway_https_port=443, gateway_status_port=8079,
        zone_a_ip="192.168.1.10", zone_b_ip="192.168.2.10", zone_port_a=8080, zone_port_b=8080,
        register_ip=REGISTER_VPC_IP, register_port=REGISTER_PORT,
    )


def _loopback_layout() -> Layout:
    ips = {"vbr": "127.0.0.2", "idc": "127.0.0.3", "dns": "127.0.0.5", "acr": "127.0.9.188",
           "acr_ee": "127.0.7.181", "oss": "127.0.28.1", "gw": "127.0.10.10",
           "zone_a": "127.0.1.10", "zone_b": "127.0.2.10", "register": "127.0.2.20", "control": GATEWAY_STATUS_IP}
    keys = ["vbr", "idc", "dns", "acr", "oss", "oss", "gw", "gw", "control", "zone_a", "zone_b", "register"]
    (vbr, idc, dns, acr, oss_https, oss_http, gw_http, gw_https, gw_status, zone_a, zone_b,
     register) = free_ports([ips[k] for k in keys])
    return Layout(
        mode="loopback", vbr_ip=ips["vbr"], vbr_port=vbr, idc_ip=ips["idc"], idc_port=idc,
        probe_ip="127.0.0.4", dns_ip=ips["dns"], dns_port=dns,
        acr_ip=ips["acr"], acr_ee_ip=ips["acr_ee"], acr_port=acr,
        oss_ip=ips["oss"], oss_https_port=oss_https, oss_http_port=oss_http,
        gateway_ip=ips["gw"], gateway_http_port=gw_http, gateway_https_port=gw_https, gateway_status_port=gw_status,
        zone_a_ip=ips["zone_a"], zone_b_ip=ips["zone_b"], zone_port_a=zone_a, zone_port_b=zone_b,
        register_ip=ips["register"], register_port=register,
    )


def layout(env: LabEnv) -> Layout:
    """The lab's layout, made on first use and stable afterwards."""
    path: Path = env.part_dir("net") / "layout.json"
    try:
        saved = Layout(**json.loads(path.read_text()))
        if saved.mode == env.mode:
            return saved
    except (OSError, ValueError, TypeError):
        pass
    fresh = _netns_layout() if env.mode == "netns" else _loopback_layout()
    path.write_text(json.dumps(asdict(fresh), indent=2))
    return fresh
