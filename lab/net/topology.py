"""The namespaces of namespace mode: `idc` (data center) and `vpc` (VBR + VPC services),
joined by a veth pair on the peering subnet; `idc` also gets a default route to an
"internet" that leads nowhere, so traffic without a BGP route visibly leaves that way."""

from __future__ import annotations

import subprocess

from drconsole.errors import LabError
from drconsole.lab.env import LabEnv
from drconsole.lab.net.layout import INTERNET_ADDR, INTERNET_GATEWAY, PEERING_PREFIX, Layout
from drconsole.lab.net.netns import netns_exists

IDC_LINK = "veth-idc"
VBR_LINK = "veth-vbr"
INTERNET_LINK = "inet0"


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10)
    if check and proc.returncode != 0:
        raise LabError(f"`ip {' '.join(args)}` failed: {proc.stderr.strip()}",
                       fix="run `drconsole lab down` then `drconsole lab up`")
    return proc


def namespaces(env: LabEnv) -> tuple[str, str]:
    return env.netns("idc"), env.netns("vpc")


def exists(env: LabEnv) -> bool:
    return all(netns_exists(ns) for ns in namespaces(env))


def create(env: LabEnv, lay: Layout) -> None:
    """Create both namespaces and their links from scratch."""
    idc, vpc = namespaces(env)
    delete(env)
    ip("netns", "add", idc)
    ip("netns", "add", vpc)
    ip("-n", idc, "link", "add", IDC_LINK, "type", "veth", "peer", "name", VBR_LINK, "netns", vpc)
    ip("-n", idc, "link", "add", INTERNET_LINK, "type", "veth", "peer", "name", f"{INTERNET_LINK}-far")
    for ns in (idc, vpc):
        ip("-n", ns, "link", "set", "lo", "up")
    ip("-n", idc, "addr", "add", f"{lay.idc_ip}/{PEERING_PREFIX}", "dev", IDC_LINK)
    for extra in (lay.probe_ip, lay.dns_ip):
        ip("-n", idc, "addr", "add", f"{extra}/{PEERING_PREFIX}", "dev", IDC_LINK)
    ip("-n", idc, "addr", "add", INTERNET_ADDR, "dev", INTERNET_LINK)
    for link in (IDC_LINK, INTERNET_LINK, f"{INTERNET_LINK}-far"):
        ip("-n", idc, "link", "set", link, "up")
    ip("-n", idc, "route", "add", "default", "via", INTERNET_GATEWAY, "dev", INTERNET_LINK)
    ip("-n", vpc, "addr", "add", f"{lay.vbr_ip}/{PEERING_PREFIX}", "dev", VBR_LINK)
    ip("-n", vpc, "link", "set", VBR_LINK, "up")
    for address in lay.vpc_service_ips:
        ip("-n", vpc, "addr", "add", f"{address}/32", "dev", "lo")


def delete(env: LabEnv) -> None:
    for ns in namespaces(env):
        if netns_exists(ns):
            ip("netns", "del", ns)


def routes(ns: str) -> list[dict[str, object]]:
    """The namespace's IPv4 main routing table (`ip -j route`)."""
    import json

    return list(json.loads(ip("-j", "-n", ns, "route", "show").stdout or "[]"))
