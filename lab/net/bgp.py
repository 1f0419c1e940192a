"""Two BIRD 2 speakers: the VBR (AS 45104, `vpc` side) and the data-center router (AS 65001).

The VBR announces the VPC CIDR and, while the cloud routes a service range to it (a CEN route
service or a transit-router route, kept by the region in `bgp-state.json`), that OSS/ACR VIP range:
static routes that live in BIRD only, one protocol per range so each is switched on its own (the
VBR namespace's kernel is untouched). It learns the data center's prefixes (at most
`ROUTE_LIMIT`, like a cloud BGP peer) from its one configured peer, the data-center router; like
CreateBgpPeer, it has no passive or probe neighbour (docs/cloud-facts.md). The data-center router
originates its aggregate (the IDC CIDRs, discard routes in BIRD only, the way an edge router
originates an aggregate) and installs what it learns into the `idc` namespace's kernel table
(namespace mode only).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any

from drconsole.errors import LabError
from drconsole.lab.env import LabEnv
from drconsole.lab.net.layout import (
    ACR_VIP_CIDRS,
    IDC_ASN,
    IDC_CIDRS,
    OSS_VIP_CIDRS,
    VBR_ASN,
    VPC_CIDRS,
    Layout,
    layout,
)

# BIRD protocol names other code may look for.
VBR_PROTOCOL = "idc_router"  # the VBR's session toward the data-center router
VPC_ROUTES = "vpc_routes"  # static: the VPC CIDR
SERVICE_ROUTES = "service_routes"  # static, one protocol per OSS or ACR VIP range: service_routes_<n>
SERVICE_RANGES = OSS_VIP_CIDRS + ACR_VIP_CIDRS
IDC_PROTOCOL = "vbr"  # the data-center router's session toward the VBR
IDC_ROUTES = "idc_routes"  # static on the data-center router: the IDC CIDRs it announces
ROUTE_LIMIT = 110  # dynamic routes a VBR accepts per BGP peer; more are dropped (the lab keeps the session)

VBR_DAEMON = "net-bird-vbr"
IDC_DAEMON = "net-bird-idc"

# BIRD's BGP states -> the API's BgpStatus words.
_STATUS = {"Established": "Established", "Connect": "Connect", "Active": "Active",
           "OpenSent": "Active", "OpenConfirm": "Active"}

_TIMERS = """\
  connect delay time 1;
  connect retry time 2;
  error wait time 1, 2;
  hold time 3;
  keepalive time 1;"""


def ctl_path(env: LabEnv, side: str) -> Path:
    return env.part_dir("net") / f"{side}.ctl"


def _state_path(env: LabEnv) -> Path:
    return env.part_dir("net") / "bgp-state.json"


def _state(env: LabEnv) -> dict[str, Any]:
    try:
        return dict(json.loads(_state_path(env).read_text()))
    except (OSError, ValueError, TypeError):
        return {}


def _save_state(env: LabEnv, **changes: Any) -> None:
    _state_path(env).write_text(json.dumps({**_state(env), **changes}))


def peer_enabled(env: LabEnv) -> bool:
    """Whether the VBR's session toward the data center is configured (CreateBgpPeer ran)."""
    return bool(_state(env).get("peer_enabled", env.start_state == "built"))


def service_routes(env: LabEnv) -> list[str]:
    """The service ranges the cloud routes to the VBR (all of them in `built`, none in `fresh`)."""
    default = SERVICE_RANGES if env.start_state == "built" else []
    return [c for c in _state(env).get("service_routes", default) if c in SERVICE_RANGES]


def service_protocol(cidr: str) -> str:
    return f"{SERVICE_ROUTES}_{SERVICE_RANGES.index(cidr)}"


def set_service_routes(env: LabEnv, ranges: list[str]) -> None:
    """Announce exactly these service ranges to the data center (kept across restarts); the
    `bgp-routes` fault in force keeps them all withdrawn until it is healed."""
    wanted = [c for c in SERVICE_RANGES if c in ranges]
    _save_state(env, service_routes=wanted)
    (env.part_dir("net") / "vbr.conf").write_text(vbr_config(env, layout(env)))
    withdrawn = "bgp-routes" in env.broken()
    for cidr in SERVICE_RANGES:
        set_protocol(env, service_protocol(cidr), cidr in wanted and not withdrawn)


def _speaker(local_ip: str, local_port: int, local_as: int, peer_ip: str, peer_port: int | None,
             peer_as: int, loopback: bool) -> str:
    local = f"local {local_ip}" + (f" port {local_port}" if loopback else "") + f" as {local_as};"
    neighbor = f"neighbor {peer_ip}" + (f" port {peer_port}" if loopback and peer_port else "") + f" as {peer_as};"
    extra = "\n  strict bind on;\n  multihop;" if loopback else ""
    return f"  {local}\n  {neighbor}{extra}"


def vbr_config(env: LabEnv, lay: Layout) -> str:
    loopback = lay.mode == "loopback"
    nexthop = " next hop self;" if loopback else ""
    statics_vpc = "\n".join(f"  route {c} blackhole;" for c in VPC_CIDRS)
    announced = service_routes(env)
    statics_svc = "\n".join(
        f"protocol static {service_protocol(c)} {{\n{'' if c in announced else '  disabled;' + chr(10)}  ipv4;\n"
        f"  route {c} blackhole;\n}}" for c in SERVICE_RANGES)
    disabled = "" if peer_enabled(env) else "  disabled;\n"
    return f"""\
# The VBR (Alibaba Cloud side, AS {VBR_ASN}). Written by drconsole's lab; rewritten on every start.
log stderr all;
router id {lay.vbr_ip};
protocol device {{}}
protocol static {VPC_ROUTES} {{
  ipv4;
{statics_vpc}
}}
{statics_svc}
protocol bgp {VBR_PROTOCOL} {{
{disabled}{_speaker(lay.vbr_ip, lay.vbr_port, VBR_ASN, lay.idc_ip, lay.idc_port, IDC_ASN, loopback)}
{_TIMERS}
  ipv4 {{ import all; import limit {ROUTE_LIMIT} action block; export where source = RTS_STATIC;{nexthop} }};
}}
"""


def idc_config(lay: Layout) -> str:
    loopback = lay.mode == "loopback"
    nexthop = " next hop self;" if loopback else ""
    kernel = "" if loopback else (
        "protocol kernel kernel4 {\n  ipv4 { import none; export where source = RTS_BGP; };\n}\n")
    # The aggregate is a discard route in BIRD only (never exported to the kernel), so the
    # connected peering /29 inside it keeps carrying the session.
    aggregate = "\n".join(f"  route {c} blackhole;" for c in IDC_CIDRS)
    return f"""\
# The data-center edge router (AS {IDC_ASN}). Written by drconsole's lab; rewritten on every start.
log stderr all;
router id {lay.idc_ip};
protocol device {{}}
{kernel}protocol static {IDC_ROUTES} {{
  ipv4;
{aggregate}
}}
protocol bgp {IDC_PROTOCOL} {{
{_speaker(lay.idc_ip, lay.idc_port, IDC_ASN, lay.vbr_ip, lay.vbr_port, VBR_ASN, loopback)}
{_TIMERS}
  ipv4 {{ import all; export where proto = "{IDC_ROUTES}";{nexthop} }};
}}
"""


def birdc(env: LabEnv, side: str, *command: str, timeout: float = 3.0) -> str:
    """Run one birdc command against the `vbr` or `idc` speaker and return its output."""
    ctl = ctl_path(env, side)
    try:
        proc = subprocess.run(["birdc", "-s", str(ctl), *command], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise LabError(f"BIRD ({side}) did not answer within {timeout} s", where=str(ctl),
                       fix="`drconsole lab status`; `drconsole lab heal link` if the lab link is broken") from None
    if proc.returncode != 0 or "Unable to connect" in proc.stdout:
        raise LabError(f"BIRD ({side}) control socket not answering: {(proc.stdout + proc.stderr).strip()}",
                       where=str(ctl), fix="start the lab with `drconsole lab up`")
    return proc.stdout


def parse_protocol(text: str, name: str) -> dict[str, Any]:
    """Parse `show protocols all <name>` into state, info, route counts and since."""
    row = re.search(rf"^{re.escape(name)}[ \t]+\S+[ \t]+\S+[ \t]+(\S+)[ \t]+(\S+(?: \S+)?)[ \t]*([^\n]*)$",
                    text, re.M)
    if row is None:
        raise LabError(f"BIRD has no protocol named {name!r}", fix="`drconsole lab down` then `lab up`")
    proto_state, since, info = row.group(1), row.group(2).strip(), row.group(3).strip()
    bgp_state = re.search(r"BGP state:\s+(\S+)", text)
    bird_state = bgp_state.group(1) if bgp_state else info.split(" ")[0] or proto_state
    routes = re.search(r"Routes:\s+(\d+) imported, (?:\d+ filtered, )?(\d+) exported", text)
    last_error = re.search(r"Last error:\s+(.+)$", text, re.M)
    details = info
    if last_error and last_error.group(1).strip() not in details:
        details = f"{details} (last error: {last_error.group(1).strip()})".strip()
    return {
        "state": _STATUS.get(bird_state, "Idle"),
        "bird_state": bird_state,
        "protocol_state": proto_state,
        "info": details,
        "received": int(routes.group(1)) if routes else 0,
        "advertised": int(routes.group(2)) if routes else 0,
        "since": since,
    }


def bgp_session(env: LabEnv) -> dict[str, Any]:
    """The VBR's session toward the data center, as BIRD on the VBR reports it.
    `state` uses the API's BgpStatus words (Idle/Connect/Active/Established).

    In loopback mode the `link` fault freezes the VBR's BIRD, so it cannot answer; the session is
    then read from the data-center router's side (its counts swapped to the VBR's viewpoint)."""
    try:
        return parse_protocol(birdc(env, "vbr", "show", "protocols", "all", VBR_PROTOCOL, timeout=1.5),
                              VBR_PROTOCOL)
    except LabError:
        if env.mode != "loopback":
            raise
    view = parse_protocol(birdc(env, "idc", "show", "protocols", "all", IDC_PROTOCOL), IDC_PROTOCOL)
    view["received"], view["advertised"] = view["advertised"], view["received"]
    view["info"] = f"VBR not answering; seen from the data-center router: {view['info']}"
    return view


def set_peer_enabled(env: LabEnv, enabled: bool) -> None:
    """Configure (or remove) the VBR's BGP peer toward the data center. Kept across restarts;
    a `bgp` fault in force keeps the session down until it is healed."""
    _save_state(env, peer_enabled=enabled)
    (env.part_dir("net") / "vbr.conf").write_text(vbr_config(env, layout(env)))
    if enabled and "bgp" in env.broken():
        return
    set_protocol(env, VBR_PROTOCOL, enabled)


def set_protocol(env: LabEnv, name: str, enabled: bool, side: str = "vbr") -> None:
    """Enable or disable one of the VBR's (or the data-center router's) protocols at run time."""
    birdc(env, side, "enable" if enabled else "disable", name)


def _prefixes(text: str) -> list[str]:
    return re.findall(r"^(\d+\.\d+\.\d+\.\d+/\d+)\s", text, re.M)


def idc_routes(env: LabEnv) -> list[str]:
    """Prefixes the data-center router learnt over BGP, from BIRD's own table."""
    return _prefixes(birdc(env, "idc", "show", "route", "protocol", IDC_PROTOCOL))


def vbr_routes(env: LabEnv, timeout: float = 3.0) -> list[str]:
    """Prefixes the VBR learnt from the data center over BGP, from BIRD's own table."""
    return _prefixes(birdc(env, "vbr", "show", "route", "protocol", VBR_PROTOCOL, timeout=timeout))


def wait_for(predicate: Any, timeout: float, what: str, where: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if predicate():
                return
        except LabError:
            pass
        if time.monotonic() > deadline:
            raise LabError(f"{what} did not happen within {timeout:.0f} s", where=where,
                           fix="read the log named above and clear what it reports")
        time.sleep(0.05)
