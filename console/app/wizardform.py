"""The wizard's answers, validated section by section with the profile's own models (no Textual here)."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError

from drconsole import regions
from drconsole.profile import NAME_RE, Bgp, Cloud, Profile, RegionId, VbrId


def split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


def _message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    return str(first["msg"]).removeprefix("Value error, ")


def check_name(value: str) -> str | None:
    return None if NAME_RE.fullmatch(value) else "lower-case letters, digits, '-' or '_' (start with a letter/digit)"


def check_region(value: str) -> str | None:
    try:
        TypeAdapter(RegionId).validate_python(value)
    except ValidationError as exc:
        return _message(exc)
    return None


def check_endpoint(value: str) -> str | None:
    if not value:
        return None
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        return "an endpoint is host:port, e.g. 127.0.0.1:18400"
    return None


def check_cidrs(value: str, *, required: bool = True) -> str | None:
    import ipaddress

    parts = split(value)
    if required and not parts:
        return "at least one CIDR block, e.g. 192.168.0.0/16"
    for part in parts:
        try:
            ipaddress.IPv4Network(part)
        except ValueError as exc:
            return f"{part!r} is not an IPv4 CIDR block ({exc})"
    return None


def check_addresses(value: str, *, required: bool = False) -> str | None:
    import ipaddress

    parts = split(value)
    if required and not parts:
        return "at least one IPv4 address"
    for part in parts:
        try:
            ipaddress.IPv4Address(part)
        except ValueError:
            return f"{part!r} is not an IPv4 address"
    return None


def check_vbr(value: str) -> str | None:
    if not value:
        return None
    try:
        TypeAdapter(VbrId).validate_python(value)
    except ValidationError as exc:
        return _message(exc)
    return None


def check_bgp(answers: dict[str, str]) -> dict[str, str]:
    """Errors by field (vbr_asn, idc_asn, vbr_peer_ip, idc_peer_ip) from the Bgp model itself."""
    data = {key: answers.get(key, "").strip() for key in ("vbr_asn", "idc_asn", "vbr_peer_ip", "idc_peer_ip")}
    try:
        Bgp.model_validate({k: v for k, v in data.items() if v})
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "idc_asn"
            message = "required" if err["type"] == "missing" else str(err["msg"]).removeprefix("Value error, ")
            errors.setdefault(field, message)
        return errors
    return {}


def region_defaults(region: str) -> dict[str, str]:
    return {"oss_endpoint": regions.oss_internal_endpoint(region),
            "acr_endpoint": regions.acr_personal_endpoint(region), "vbr_asn": str(regions.VBR_DEFAULT_ASN)}


def build_profile(a: dict[str, Any]) -> Profile:
    """The whole profile from the wizard's answers; raises ValidationError with located problems."""
    from drconsole.app.discovery import PRODUCTS_ALL

    endpoint = a.get("endpoint") or None
    cloud = Cloud.model_validate({
        "region": a["region"], "access_key_id": a.get("access_key_id") or None,
        "endpoints": {p: endpoint for p in PRODUCTS_ALL} if endpoint else {}, "protocol": a.get("protocol", "https"),
    })
    ack, registered, fleet = a.get("ack") or {}, a.get("registered") or {}, a.get("fleet") or {}
    vswitches = {}
    for cluster in (ack, registered):
        if cluster.get("zone") and cluster.get("vswitch_ids"):
            vswitches[cluster["zone"]] = cluster["vswitch_ids"][0]
    vbr = a.get("vbr") or {}
    data = {
        "name": a["name"],
        "cloud": cloud.model_dump(mode="json"),
        "network": {
            "vpc_id": fleet.get("vpc_id") or ack.get("vpc_id") or a.get("vpc_id"),
            "vswitch_ids": vswitches,
            "vpc_cidrs": split(a.get("vpc_cidrs", "")), "idc_cidrs": split(a.get("idc_cidrs", "")),
            "vbr_id": vbr.get("id"), "physical_connection_id": vbr.get("pc_id"),
            "cen_id": (a.get("cen") or {}).get("id"),
            "resolvers": split(a.get("resolvers", "")),
            "bgp": {"vbr_asn": a.get("vbr_asn") or regions.VBR_DEFAULT_ASN, "idc_asn": a.get("idc_asn"),
                    "vbr_peer_ip": a.get("vbr_peer_ip"), "idc_peer_ip": a.get("idc_peer_ip")},
        },
        "clusters": {
            "kubeconfig": a.get("kubeconfig") or None,
            "fleet": {"id": fleet.get("id"), "name": fleet.get("name"), "context": a.get("fleet_context")},
            "ack": {"id": ack.get("id"), "name": ack.get("name"), "context": a.get("ack_context"),
                    "zone": ack.get("zone")},
            "registered": {"id": registered.get("id"), "name": registered.get("name"),
                           "context": a.get("registered_context"), "zone": registered.get("zone")},
        },
        "services": {"acr": {"endpoint": a.get("acr_endpoint") or None},
                     "oss": {"endpoint": a.get("oss_endpoint") or None}},
        "gateway": {"host": a.get("gateway_host")},
    }
    return Profile.model_validate(_drop_none(data))


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    return value


def problems(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors()[:10]:
        where = ".".join(str(p) for p in err["loc"]) or "profile"
        message = "required" if err["type"] == "missing" else str(err["msg"]).removeprefix("Value error, ")
        out.append(f"{where}: {message}")
    return out
