"""The region's view of the lab network: the real BGP session of the VBR, read from BIRD through
the network part. Without that part, sessions read as Idle with a note saying why."""

from __future__ import annotations

from dataclasses import dataclass, field

from drconsole.lab.env import LabEnv


@dataclass(frozen=True)
class Session:
    status: str  # the API's BgpStatus word
    received: int = 0
    advertised: int = 0
    note: str = ""
    prefixes: list[str] = field(default_factory=list)  # what the VBR learnt from the data center


def session(env: LabEnv, with_prefixes: bool = False) -> Session:
    """The VBR's session; `with_prefixes` also lists what it learnt (one more BIRD query)."""
    if "net" not in env.facts():
        return Session("Idle", note="lab: the network part is not running, so there is no BGP session")
    try:
        from drconsole.lab.net.bgp import bgp_session, vbr_routes

        live = bgp_session(env)
        learning = with_prefixes and live["state"] == "Established"
        prefixes = sorted(set(vbr_routes(env, timeout=1.5))) if learning else []
    except Exception as exc:  # BIRD gone, socket missing: the session is unavailable
        return Session("Down", note=f"lab: BIRD on the VBR did not answer ({type(exc).__name__})")
    return Session(str(live["state"]), int(live["received"]), int(live["advertised"]),
                   note=str(live.get("info", "")), prefixes=prefixes)


def enable_peer(env: LabEnv) -> str:
    """Turn the VBR's session toward the data center on (what CreateBgpPeer configures).
    Returns a note when the network part is absent."""
    if "net" not in env.facts():
        return "lab: the network part is not running; no BGP session was configured"
    from drconsole.lab.net.bgp import set_peer_enabled

    set_peer_enabled(env, True)
    return ""


def announce_services(env: LabEnv, ranges: list[str]) -> None:
    """Make the VBR announce exactly these cloud-service ranges to the data center (no-op without
    the network part, or when it already does)."""
    if "net" not in env.facts():
        return
    from drconsole.lab.net.bgp import service_routes, set_service_routes

    if sorted(service_routes(env)) != sorted(ranges):
        set_service_routes(env, ranges)


def peering(env: LabEnv) -> tuple[str, str, str]:
    """(VBR address, data-center router address, netmask) of the lab's peering subnet."""
    bgp = (env.facts().get("net") or {}).get("bgp") or {}
    return str(bgp.get("vbr_ip", "10.200.0.1")), str(bgp.get("idc_ip", "10.200.0.2")), "255.255.255.248"


def vpc_cidr(env: LabEnv) -> str:
    cidrs = (env.facts().get("net") or {}).get("cidrs") or {}
    return str((cidrs.get("vpc") or ["192.168.0.0/16"])[0])


def gateway_address(env: LabEnv) -> str:
    return str(((env.facts().get("net") or {}).get("gateway") or {}).get("address", ""))
