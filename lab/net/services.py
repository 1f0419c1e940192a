"""The lab network's processes: how each is started, when it counts as ready, and when the
BGP side counts as healthy."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from drconsole.lab.env import LabEnv
from drconsole.lab.net import bgp, endpoints, gateway, register, resolver, topology
from drconsole.lab.net.layout import IDC_CIDRS, VPC_CIDRS, Layout, layout
from drconsole.lab.net.probe import tcp_open
from drconsole.lab.supervisor import Daemon

# The fault that keeps each process stopped while it is in force.
STOPPED_BY = {"dns": resolver.DNS_DAEMON, "endpoint-acr": endpoints.ACR_DAEMON,
              "endpoint-oss": endpoints.OSS_DAEMON, "zone-a": gateway.ZONE_DAEMONS["a"],
              "zone-b": gateway.ZONE_DAEMONS["b"]}


def idc_ns(env: LabEnv) -> str | None:
    return env.netns("idc") if env.mode == "netns" else None


def vpc_ns(env: LabEnv) -> str | None:
    return env.netns("vpc") if env.mode == "netns" else None


def _bird_ready(env: LabEnv, side: str) -> Callable[[], bool]:
    def ready() -> bool:
        if not bgp.ctl_path(env, side).exists():
            return False
        try:
            return "Daemon is up and running" in bgp.birdc(env, side, "show", "status", timeout=1.0)
        except Exception:
            return False
    return ready


def _dns_ready(lay: Layout, ns: str | None) -> Callable[[], bool]:
    def ready() -> bool:
        import dns.message
        import dns.query
        import dns.rcode

        from drconsole.lab.net.layout import NAMES
        from drconsole.lab.net.netns import run_in_netns

        query = dns.message.make_query(NAMES["oss"], "A")
        try:
            reply = run_in_netns(ns, lambda: dns.query.udp(query, lay.dns_ip, port=lay.dns_port, timeout=0.3),
                                 timeout=2.0)
        except Exception:
            return False
        return reply.rcode() == dns.rcode.NOERROR
    return ready


def _listening(ns: str | None, address: str, port: int) -> Callable[[], bool]:
    return lambda: tcp_open(ns, address, port, timeout=0.3)


def specs(env: LabEnv, wrong_dns: bool | None = None) -> dict[str, Daemon]:
    """Write every config and describe every process, in start order."""
    lay = layout(env)
    net_dir = env.part_dir("net")
    vpc, idc = vpc_ns(env), idc_ns(env)
    (net_dir / "vbr.conf").write_text(bgp.vbr_config(env, lay))
    (net_dir / "idc.conf").write_text(bgp.idc_config(lay))
    result: dict[str, Daemon] = {}
    for name, side, ns in ((bgp.VBR_DAEMON, "vbr", vpc), (bgp.IDC_DAEMON, "idc", idc)):
        result[name] = Daemon(name=name, netns=ns, ready=_bird_ready(env, side), argv=[
            "bird", "-f", "-c", str(net_dir / f"{side}.conf"), "-s", str(bgp.ctl_path(env, side))])
    if wrong_dns is None:
        wrong_dns = "dns-wrong" in env.broken()
    dnsmasq = resolver.daemon(net_dir, lay, idc, wrong=wrong_dns)
    dnsmasq.ready = _dns_ready(lay, idc)
    result[dnsmasq.name] = dnsmasq
    acr, oss = endpoints.daemons(net_dir, lay, vpc)
    acr.ready = _listening(vpc, lay.acr_ip, lay.acr_port)
    oss.ready = _listening(vpc, lay.oss_ip, lay.oss_https_port)
    gw, zone_a, zone_b = gateway.daemons(env, vpc)
    zone_a.ready = _listening(vpc, *lay.zone_backend("a"))
    zone_b.ready = _listening(vpc, *lay.zone_backend("b"))
    gw.ready = lambda: gateway.served_generation(env, vpc) is not None
    cs_register = register.daemon(env, lay, vpc)
    cs_register.ready = _listening(vpc, lay.register_ip, lay.register_port)
    for daemon in (acr, oss, cs_register, zone_a, zone_b, gw):
        result[daemon.name] = daemon
    return result


def start(env: LabEnv, name: str, wrong_dns: bool | None = None) -> int:
    return env.supervisor.start(specs(env, wrong_dns)[name])


def kernel_prefixes(env: LabEnv) -> set[str]:
    """Prefixes BIRD installed in the `idc` kernel table (namespace mode)."""
    ns = idc_ns(env)
    if ns is None:
        return set()
    found = set()
    for route in topology.routes(ns):
        if route.get("protocol") == "bird":
            dst = str(route["dst"])
            found.add(str(ipaddress.ip_network(dst if "/" in dst else dst + "/32")))
    return found


def bgp_healthy(env: LabEnv) -> bool:
    """Session Established (when the peer is configured) and every announced prefix learnt: the
    cloud's in the `idc` kernel table (namespace mode) or BIRD's table (loopback mode), the data
    center's in the VBR's BIRD table."""
    if not bgp.peer_enabled(env):
        return True
    if bgp.bgp_session(env)["state"] != "Established":
        return False
    learnt = kernel_prefixes(env) if env.mode == "netns" else set(bgp.idc_routes(env))
    announced = VPC_CIDRS + bgp.service_routes(env)
    return set(announced) <= learnt and set(IDC_CIDRS) <= set(bgp.vbr_routes(env))


def wait_bgp_healthy(env: LabEnv, timeout: float = 15.0) -> None:
    bgp.wait_for(lambda: bgp_healthy(env), timeout, "BGP Established with every route learnt",
                 str(bgp.ctl_path(env, "vbr")))
