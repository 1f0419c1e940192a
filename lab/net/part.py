"""The lab network as one part: start it, report it, stop it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drconsole.lab.env import Component, Fault, LabEnv
from drconsole.lab.net import bgp, endpoints, faults, gateway, linkdelay, register, resolver, services, topology
from drconsole.lab.net.layout import (
    ACR_VIP_CIDRS,
    IDC_ASN,
    IDC_CIDRS,
    NAMES,
    OSS_VIP_CIDRS,
    REGION,
    VBR_ASN,
    VPC_CIDRS,
    WRONG_ANSWER,
    ZONES,
    layout,
)
from drconsole.lab.net.packages import ensure_programs

DAEMONS = (bgp.VBR_DAEMON, bgp.IDC_DAEMON, resolver.DNS_DAEMON, endpoints.ACR_DAEMON, endpoints.OSS_DAEMON,
           register.REGISTER_DAEMON, gateway.ZONE_DAEMONS["a"], gateway.ZONE_DAEMONS["b"], gateway.GATEWAY_DAEMON)

BGP_FAULTS = {"bgp", "bgp-routes", "idc-routes", "link"}


class NetPart:
    name = "net"

    def up(self, env: LabEnv) -> dict[str, Any]:
        """Start the network (idempotent); a half-dead network is torn down and rebuilt."""
        ensure_programs(env.mode)
        wanted = [name for name in DAEMONS if not self._held_down(env, name)]
        running = [name for name in wanted if env.supervisor.pid(name) is not None]
        intact = env.mode != "netns" or topology.exists(env)
        if not (intact and len(running) == len(wanted)):
            self._rebuild(env)
        if not self._bgp_faulted(env):
            services.wait_bgp_healthy(env)
        facts = self.facts(env)
        env.set_facts(self.name, facts)
        return facts

    @staticmethod
    def _held_down(env: LabEnv, daemon: str) -> bool:
        return any(services.STOPPED_BY[f] == daemon for f in env.broken() if f in services.STOPPED_BY)

    @staticmethod
    def _bgp_faulted(env: LabEnv) -> bool:
        return bool(BGP_FAULTS & env.broken())

    def _rebuild(self, env: LabEnv) -> None:
        self.down(env)
        for fault in faults.all_faults():
            env.mark_broken(fault, False)
        if env.mode == "netns":
            topology.create(env, layout(env))
            linkdelay.apply(env)
        for daemon in services.specs(env).values():
            env.supervisor.start(daemon)

    def down(self, env: LabEnv) -> None:
        for name in reversed(DAEMONS):
            env.supervisor.stop(name)
        if env.mode == "netns":
            topology.delete(env)

    def facts(self, env: LabEnv) -> dict[str, Any]:
        lay = layout(env)
        idc = services.idc_ns(env)
        return {
            "mode": env.mode,
            "vantage_netns": idc,
            "idc_host_ip": lay.probe_ip,
            "region": REGION,
            "bgp": {"vbr_ip": lay.vbr_ip, "vbr_asn": VBR_ASN, "vbr_port": lay.vbr_port,
                    "idc_ip": lay.idc_ip, "idc_asn": IDC_ASN, "idc_port": lay.idc_port,
                    "vbr_ctl": str(bgp.ctl_path(env, "vbr")), "idc_ctl": str(bgp.ctl_path(env, "idc")),
                    "vbr_protocol": bgp.VBR_PROTOCOL,
                    "idc_protocol": bgp.IDC_PROTOCOL},
            "routes": {"kernel_table": env.mode == "netns", "netns": idc},
            "link_delay": linkdelay.facts(env),
            "dns": {"servers": [lay.dns_ip], "port": lay.dns_port, "wrong_answer": WRONG_ANSWER[env.mode]},
            "names": dict(NAMES),
            "endpoints": {"acr": {"address": lay.acr_ip, "port": lay.acr_port},
                          "acr_ee": {"address": lay.acr_ee_ip, "port": lay.acr_port},
                          "oss": {"address": lay.oss_ip, "port": lay.oss_https_port,
                                  "http_port": lay.oss_http_port},
                          "cs_register": {"address": lay.register_ip, "port": lay.register_port}},
            "ca_file": str(env.part_dir("net") / "ca.crt"),
            "cidrs": {"vpc": list(VPC_CIDRS), "idc": list(IDC_CIDRS), "oss_vip": list(OSS_VIP_CIDRS),
                      "acr_vip": list(ACR_VIP_CIDRS)},
            "gateway": {"address": lay.gateway_ip, "http_port": lay.gateway_http_port,
                        "https_port": lay.gateway_https_port, "host": NAMES["gateway"]},
            "zones": {key: {"zone_id": info["zone_id"], "cluster": info["cluster"],
                            "backend": "{}:{}".format(*lay.zone_backend(key))} for key, info in ZONES.items()},
        }

    def status(self, env: LabEnv) -> list[Component]:
        lay = layout(env)
        broken = env.broken()
        addresses = {
            bgp.VBR_DAEMON: f"{lay.vbr_ip}:{lay.vbr_port}", bgp.IDC_DAEMON: f"{lay.idc_ip}:{lay.idc_port}",
            resolver.DNS_DAEMON: f"{lay.dns_ip}:{lay.dns_port}",
            endpoints.ACR_DAEMON: f"{lay.acr_ip}:{lay.acr_port},{lay.acr_ee_ip}:{lay.acr_port}",
            endpoints.OSS_DAEMON: f"{lay.oss_ip}:{lay.oss_https_port}",
            register.REGISTER_DAEMON: f"{lay.register_ip}:{lay.register_port}",
            gateway.GATEWAY_DAEMON: f"{lay.gateway_ip}:{lay.gateway_http_port}",
            gateway.ZONE_DAEMONS["a"]: "{}:{}".format(*lay.zone_backend("a")),
            gateway.ZONE_DAEMONS["b"]: "{}:{}".format(*lay.zone_backend("b")),
        }
        faulted = {daemon: fault for fault, daemon in services.STOPPED_BY.items() if fault in broken}
        if "dns-wrong" in broken:
            faulted[resolver.DNS_DAEMON] = "dns-wrong"
        if "zone-a-hang" in broken or faults.frozen(env, gateway.ZONE_DAEMONS["a"]):
            faulted[gateway.ZONE_DAEMONS["a"]] = "zone-a-hang"
        if "link" in broken and env.mode != "netns":
            faulted[bgp.VBR_DAEMON] = "link"
        components = []
        for name in DAEMONS:
            pid = env.supervisor.pid(name)
            state = "broken" if name in faulted else ("up" if pid else "down")
            detail = f"fault {faulted[name]} in force" if name in faulted else ""
            components.append(Component(self.name, name.removeprefix("net-"), state,
                                        pid, addresses[name], detail))
        components.append(self._session_component(env, broken))
        return components

    def _session_component(self, env: LabEnv, broken: set[str]) -> Component:
        lay = layout(env)
        address = f"{lay.vbr_ip} AS{VBR_ASN} <-> {lay.idc_ip} AS{IDC_ASN}"
        try:
            session = bgp.bgp_session(env)
        except Exception as exc:
            return Component(self.name, "bgp-session", "down", None, address, str(exc).splitlines()[0])
        in_force = sorted(BGP_FAULTS & broken)
        healthy = session["state"] == "Established"
        state = "broken" if in_force else ("up" if healthy or not bgp.peer_enabled(env) else "down")
        detail = f"{session['state']} ({session['bird_state']}), {session['advertised']} routes advertised"
        if not bgp.peer_enabled(env):
            detail += "; no BGP peer configured yet"
        if in_force:
            detail += f"; fault {', '.join(in_force)} in force"
        return Component(self.name, "bgp-session", state, None, address, detail)

    def faults(self) -> Mapping[str, Fault]:
        return faults.all_faults()
