"""The lab network's faults: each breaks one real thing and heals it, waiting until the part
is healthy again."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable

from drconsole.errors import LabError
from drconsole.lab.env import CallbackFault, LabEnv
from drconsole.lab.net import bgp, gateway, resolver, services
from drconsole.lab.net.layout import layout
from drconsole.lab.net.topology import VBR_LINK

LINK_TABLE = "drclab_link"


def _stop(daemon: str) -> Callable[[LabEnv], None]:
    def stop(env: LabEnv) -> None:
        env.supervisor.stop(daemon)
    return stop


def _restart(daemon: str) -> Callable[[LabEnv], None]:
    def restart(env: LabEnv) -> None:
        services.start(env, daemon)
    return restart


# -- BGP --------------------------------------------------------------------------

def _bgp_down(env: LabEnv) -> None:
    bgp.set_protocol(env, bgp.VBR_PROTOCOL, False)


def _bgp_up(env: LabEnv) -> None:
    if bgp.peer_enabled(env):
        bgp.set_protocol(env, bgp.VBR_PROTOCOL, True)
    services.wait_bgp_healthy(env)


def _routes_withdrawn(env: LabEnv) -> None:
    for cidr in bgp.SERVICE_RANGES:
        bgp.set_protocol(env, bgp.service_protocol(cidr), False)


def _routes_announced(env: LabEnv) -> None:
    for cidr in bgp.service_routes(env):
        bgp.set_protocol(env, bgp.service_protocol(cidr), True)
    services.wait_bgp_healthy(env)


def _idc_routes_withdrawn(env: LabEnv) -> None:
    bgp.set_protocol(env, bgp.IDC_ROUTES, False, side="idc")


def _idc_routes_announced(env: LabEnv) -> None:
    bgp.set_protocol(env, bgp.IDC_ROUTES, True, side="idc")
    services.wait_bgp_healthy(env)


# -- the link between the data center and the VBR ----------------------------------

def _nft(env: LabEnv, script: str) -> None:
    proc = subprocess.run(["ip", "netns", "exec", env.netns("vpc"), "nft", "-f", "-"], input=script,
                          capture_output=True, text=True, timeout=10)
    if proc.returncode != 0:
        raise LabError(f"nftables refused the link rule: {proc.stderr.strip()}", where=env.netns("vpc"),
                       fix="check that nftables works in network namespaces on this kernel")


def link_cut(env: LabEnv) -> bool:
    """Whether the silent-drop rule is in force (namespace mode) / the VBR is frozen (loopback)."""
    if env.mode != "netns":
        return _stopped(env, bgp.VBR_DAEMON)
    proc = subprocess.run(["ip", "netns", "exec", env.netns("vpc"), "nft", "list", "table", "inet", LINK_TABLE],
                          capture_output=True, text=True, timeout=10)
    return proc.returncode == 0


ZONE_BEHIND_LINK = "b"  # the registered cluster's copy of the app runs in the data center


def _link_cut(env: LabEnv) -> None:
    """Silently drop everything crossing the VBR's link: the peer goes quiet instead of refusing. Zone B's copy
    of the app lives in the data center, so the gateway's requests to it go quiet too (its backend sits in the
    VPC namespace for simplicity; the rule drops what would have crossed the link).
    In loopback mode (no nftables without root) the VBR's BIRD and zone B's backend are frozen with SIGSTOP."""
    if env.mode != "netns":
        env.supervisor.signal(bgp.VBR_DAEMON, signal.SIGSTOP)
        env.supervisor.signal(gateway.ZONE_DAEMONS[ZONE_BEHIND_LINK], signal.SIGSTOP)
        return
    if link_cut(env):
        return
    address, port = layout(env).zone_backend(ZONE_BEHIND_LINK)
    _nft(env, f"""table inet {LINK_TABLE} {{
  chain input {{ type filter hook input priority -10; policy accept; iifname "{VBR_LINK}" drop;
    ip daddr {address} tcp dport {port} drop; }}
  chain output {{ type filter hook output priority -10; policy accept; oifname "{VBR_LINK}" drop; }}
}}
""")


def _link_restored(env: LabEnv) -> None:
    if env.mode != "netns":
        env.supervisor.signal(bgp.VBR_DAEMON, signal.SIGCONT)
        env.supervisor.signal(gateway.ZONE_DAEMONS[ZONE_BEHIND_LINK], signal.SIGCONT)
    elif link_cut(env):
        _nft(env, f"delete table inet {LINK_TABLE}\n")
    services.wait_bgp_healthy(env)


# -- DNS ---------------------------------------------------------------------------

def _dns_lies(env: LabEnv) -> None:
    env.supervisor.stop(resolver.DNS_DAEMON)
    if "dns" not in env.broken():
        services.start(env, resolver.DNS_DAEMON, wrong_dns=True)


def _dns_truthful(env: LabEnv) -> None:
    env.supervisor.stop(resolver.DNS_DAEMON)
    if "dns" not in env.broken():
        services.start(env, resolver.DNS_DAEMON, wrong_dns=False)


# -- a hung zone -------------------------------------------------------------------

def _stopped(env: LabEnv, daemon: str) -> bool:
    """Whether the daemon's process is stopped by a signal (state T)."""
    pid = env.supervisor.pid(daemon)
    if pid is None:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] in ("T", "t")
    except OSError:
        return False


def _signal(daemon: str, sig: int) -> Callable[[LabEnv], None]:
    def send(env: LabEnv) -> None:
        env.supervisor.signal(daemon, sig)
    return send


def all_faults() -> dict[str, CallbackFault]:
    zone_a = gateway.ZONE_DAEMONS["a"]
    faults = [
        CallbackFault("bgp", "the VBR's BGP session toward the data center is shut down", _bgp_down, _bgp_up),
        CallbackFault("bgp-routes", "the VBR stops announcing the OSS and ACR VIP ranges",
                 _routes_withdrawn, _routes_announced),
        CallbackFault("idc-routes", "the data-center router stops announcing the IDC CIDRs",
                 _idc_routes_withdrawn, _idc_routes_announced),
        CallbackFault("link", "packets between the data center and the VBR are silently dropped",
                 _link_cut, _link_restored),
        CallbackFault("dns", "the data center's resolver is down", _stop(resolver.DNS_DAEMON),
                 _restart(resolver.DNS_DAEMON)),
        CallbackFault("dns-wrong", "the resolver answers the registry's private name with a public address",
                 _dns_lies, _dns_truthful),
        CallbackFault("zone-a-hang", "zone A's backend stops answering (connections hang)",
                 _signal(zone_a, signal.SIGSTOP), _signal(zone_a, signal.SIGCONT)),
    ]
    stops = {"endpoint-acr": "the ACR private endpoint is down", "endpoint-oss": "the OSS private endpoint is down",
             "zone-a": "zone A's backend is down", "zone-b": "zone B's backend is down"}
    for name, description in stops.items():
        daemon = services.STOPPED_BY[name]
        faults.append(CallbackFault(name, description, _stop(daemon), _restart(daemon)))
    return {fault.name: fault for fault in faults}


def frozen(env: LabEnv, daemon: str) -> bool:
    return _stopped(env, daemon)
