"""BGP between the data center and the VBR: the session as the API reports it, TCP 179 from the
data center's side, and (only when the operator names a probe peer) a real BGP OPEN exchange."""

from __future__ import annotations

import ipaddress
from typing import Any

from pydantic import BaseModel, ConfigDict

from drconsole.checks import _cloud
from drconsole.context import Context
from drconsole.probes import bgp
from drconsole.registry import check
from drconsole.results import Evidence, Outcome


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PeerParams(Params):
    vbr_id: str
    peer_ip: ipaddress.IPv4Address  # the data-center router's address, as the VBR's peer
    bgp_peer_id: str | None = None


class ReachParams(Params):
    peer_ip: ipaddress.IPv4Address  # the VBR's address as the data center sees it
    port: int = 179


class OpenParams(ReachParams):
    local_asn: int
    expected_asn: int


# -- from the API -------------------------------------------------------------------------------

@check("bgp.peer-established", family="bgp", title="VBR BGP session is Established (API)", timeout=_cloud.CLOUD_TIMEOUT)
async def peer_established(ctx: Context, params: PeerParams) -> Outcome:
    body, evidence = await _cloud.ask(
        ctx, "vpc", "DescribeBgpPeers",
        lambda c, m: c.describe_bgp_peers(m.DescribeBgpPeersRequest(
            region_id=ctx.profile.cloud.region, router_id=params.vbr_id, bgp_peer_id=params.bgp_peer_id)),
        asked=f"RouterId={params.vbr_id}" + (f" BgpPeerId={params.bgp_peer_id}" if params.bgp_peer_id else ""))
    peers: list[dict[str, Any]] = (body.get("BgpPeers") or {}).get("BgpPeer") or []
    evidence.answer = [{k: p.get(k) for k in PEER_FIELDS} for p in peers]
    return judge_session(peers, params.vbr_id, str(params.peer_ip), evidence)


def judge_session(peers: list[dict[str, Any]], vbr_id: str, peer_ip: str, evidence: Evidence) -> Outcome:
    """The VBR's peer for the data-center router must be Established."""
    peer = next((p for p in peers if p.get("PeerIpAddress") == peer_ip), None)
    if peer is None:
        listed = ", ".join(str(p.get("PeerIpAddress")) for p in peers) or "none"
        return Outcome.failed("BGP-PEER-MISSING", f"the VBR {vbr_id} has no BGP peer {peer_ip} (peers: {listed})",
                              evidence, peer=peer_ip)
    counts = f"{peer.get('ReceivedRouteCount')} routes received, {peer.get('AdvertisedRouteCount')} advertised"
    state = peer.get("BgpStatus")
    if state != "Established":
        return Outcome.failed(STATE_FINDINGS.get(str(state), "BGP-PEER-NOT-ESTABLISHED"),
                              f"BGP session with {peer_ip} is {state} ({counts})", evidence, peer=peer_ip, state=state)
    return Outcome.passed(f"BGP session with {peer_ip} is Established ({counts})", evidence)


PEER_FIELDS = ("BgpPeerId", "PeerIpAddress", "PeerAsn", "BgpStatus", "Status", "ReceivedRouteCount",
               "AdvertisedRouteCount")


# BgpStatus values other than Established (docs/ackone-facts.md)
STATE_FINDINGS = {"Idle": "BGP-PEER-IDLE", "Connect": "BGP-PEER-CONNECT", "Active": "BGP-PEER-ACTIVE",
                  "Down": "BGP-PEER-DOWN"}


# -- TCP 179 from the data center ----------------------------------------------------------------

@check("bgp.peer-tcp", family="bgp", title="VBR answers on TCP 179 from the data center", timeout=5.0)
async def peer_tcp(ctx: Context, params: ReachParams) -> Outcome:
    where = ctx.profile.network.vantage_netns
    source = _source(ctx)
    peer = str(params.peer_ip)
    target = f"{peer}:{params.port}"
    asked = f"TCP connect to {target}" + (f" from {source}" if source else "") + _in(where)

    try:
        ms = await ctx.blocking(bgp.reach, where, source, peer, params.port)
    except OSError as exc:
        code, why = connect_failure(exc)
        return Outcome.failed(code, f"{target} {why}", Evidence(source="tcp", asked=asked, answer=why), target=target)
    return Outcome.passed(f"{target} accepts TCP connections ({ms} ms)",
                          Evidence(source="tcp", asked=asked, answer="connected", ms=ms))


def connect_failure(exc: OSError) -> tuple[str, str]:
    """(finding code, what happened) for a failed TCP connect to the VBR."""
    if isinstance(exc, TimeoutError):
        return "BGP-TCP-TIMEOUT", f"did not answer within {bgp.CONNECT_TIMEOUT:g} s"
    if isinstance(exc, ConnectionRefusedError):
        return "BGP-TCP-REFUSED", "refused the connection"
    return "BGP-TCP-UNREACHABLE", f"is unreachable: {exc.strerror or exc}"


def _source(ctx: Context) -> str | None:
    source = ctx.profile.network.bgp.probe_source_ip
    return str(source) if source else None


def _in(where: str | None) -> str:
    return f" (in network namespace {where})" if where else ""


# -- the BGP OPEN exchange --------------------------------------------------------------------------

@check("bgp.open-probe", family="bgp", title="VBR completes a BGP OPEN exchange with the operator's probe peer",
       timeout=8.0)
async def open_probe(ctx: Context, params: OpenParams) -> Outcome:
    """Off unless the profile names a probe peer (network.bgp.probe_source_ip). A VBR speaks BGP only
    with the peers configured on it, and CreateBgpPeer has no passive or probe mode, so the probe
    needs a BGP peer the network team configured on the VBR for it — never the live router's
    address, whose session a second OPEN would disturb."""
    source = _source(ctx)
    if source is None:
        return Outcome.skipped("BGP-PROBE-UNCONFIGURED", "the BGP OPEN probe is off: no probe peer in "
                               "network.bgp.probe_source_ip (a VBR speaks BGP only with its configured peers)")
    where = ctx.profile.network.vantage_netns
    peer = str(params.peer_ip)
    target = f"{peer}:{params.port}"
    asked = (f"BGP OPEN as AS {params.local_asn} (hold {bgp.OUR_HOLD_TIME} s, router ID {source}) "
             f"from {source} to {target}{_in(where)}; then Cease")
    try:
        seen = await ctx.blocking(bgp.exchange, where, source, peer, params.port, params.local_asn)
    except OSError as exc:
        code, why = connect_failure(exc)
        return Outcome.failed(code, f"BGP probe: {target} {why}", Evidence(source="bgp", asked=asked, answer=why),
                              target=target)
    evidence = Evidence(source="bgp", asked=asked, ms=seen.ms, answer={
        "peer_open": seen.peer_open, "accepted": seen.accepted, "notification": seen.notification,
        "ended": seen.ended or None, "messages": seen.log})
    return judge_open(seen, params, source, target, evidence)


def judge_open(seen: bgp.Exchange, params: OpenParams, source: str, target: str, evidence: Evidence) -> Outcome:
    note = seen.notification
    if seen.peer_open is None and note is None:
        what = "closed the connection" if seen.ended == "eof" else "sent nothing"
        return Outcome.failed("BGP-PROBE-NO-OPEN", f"BGP probe: {target} {what} without an OPEN", evidence,
                              source=source)
    if note is not None:
        return Outcome.failed(_notification_finding(note), f"BGP probe: {target} refused our OPEN: {note['words']}",
                              evidence, local_asn=params.local_asn, words=note["words"])
    assert seen.peer_open is not None
    asn = seen.peer_open["asn"]
    summary = (f"AS {asn}, hold time {seen.peer_open['hold_time']} s, router ID {seen.peer_open['router_id']}")
    if asn != params.expected_asn:
        return Outcome.failed("BGP-PROBE-WRONG-AS", f"BGP probe: {target} speaks as AS {asn}, expected AS "
                              f"{params.expected_asn}", evidence, asn=asn, expected=params.expected_asn)
    if not seen.accepted:
        return Outcome.failed("BGP-PROBE-UNCONFIRMED",
                              f"BGP probe: {target} sent its OPEN ({summary}) but did not confirm ours", evidence)
    return Outcome.passed(f"BGP OPEN exchange with {target}: {summary}", evidence)


def _notification_finding(note: dict[str, Any]) -> str:
    """The finding for a NOTIFICATION (RFC 4271 6.2: OPEN errors 2/2 bad peer AS, 2/6 hold time; 6 Cease)."""
    code, subcode = note["code"], note["subcode"]
    if (code, subcode) == (2, 2):
        return "BGP-PROBE-BAD-PEER-AS"
    if (code, subcode) == (2, 6):
        return "BGP-PROBE-BAD-HOLD-TIME"
    return "BGP-PROBE-CEASE" if code == 6 else "BGP-PROBE-NOTIFICATION"


