"""A profile describes one environment: where the clouds, clusters and network are.

Profiles are TOML files in the config dir (`profiles/<name>.toml`). They hold IDs, addresses and
names — never a secret: the AccessKey secret lives in the OS keyring (see secrets.py).
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from drconsole import paths, regions
from drconsole.errors import ProfileError

PROFILE_ENV = "DRCONSOLE_PROFILE"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
Product = Literal["cs", "adcp", "vpc", "cbn", "mse"]


def _shaped(pattern: str, example: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"expected an ID shaped like {example!r}, got {value!r}")
        return value

    return AfterValidator(check)


VpcId = Annotated[str, _shaped(r"vpc-[0-9a-z]{6,40}", "vpc-bp1...")]
VSwitchId = Annotated[str, _shaped(r"vsw-[0-9a-z]{6,40}", "vsw-bp1...")]
VbrId = Annotated[str, _shaped(r"vbr-[0-9a-z]{6,40}", "vbr-bp1...")]
CenId = Annotated[str, _shaped(r"cen-[0-9a-z]{6,40}", "cen-...")]
ClusterId = Annotated[str, _shaped(r"c[0-9a-z]{10,40}", "c0123456789abcdef (c + letters/digits)")]
PhysicalConnectionId = Annotated[str, _shaped(r"pc-[0-9a-z]{6,40}", "pc-bp1...")]
BgpGroupId = Annotated[str, _shaped(r"bgpg-[0-9a-z]{6,40}", "bgpg-...")]
BgpPeerId = Annotated[str, _shaped(r"bgp-[0-9a-z]{6,40}", "bgp-...")]
RouteTableId = Annotated[str, _shaped(r"vtb-[0-9a-z]{6,40}|rtb-[0-9a-z]{6,40}", "vtb-...")]
RegionId = Annotated[str, _shaped(r"[a-z]{2}-[a-z0-9-]+", "cn-hangzhou")]
Asn = Annotated[int, Field(ge=1, le=4294967295)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Cloud(Section):
    region: RegionId
    access_key_id: str | None = Field(default=None, description="AccessKey ID; the secret is in the keyring")
    endpoints: dict[Product, str] = Field(default_factory=dict,
                                          description="per-product endpoint overrides (host:port)")
    protocol: Literal["https", "http"] = "https"
    timeout_s: float = Field(default=10.0, gt=0, le=120)


class Bgp(Section):
    vbr_asn: Asn = regions.VBR_DEFAULT_ASN
    idc_asn: Asn
    vbr_peer_ip: ipaddress.IPv4Address = Field(description="the VBR's address as the data center sees it")
    idc_peer_ip: ipaddress.IPv4Address = Field(description="the data-center router's address")
    port: int = Field(default=179, ge=1, le=65535)
    probe_source_ip: ipaddress.IPv4Address | None = Field(
        default=None, description="off unless set: source address for the BGP OPEN probe, a BGP peer configured "
        "on the VBR for the probe (CreateBgpPeer has no passive mode), never the live router's address")

    @model_validator(mode="after")
    def _asns(self) -> Bgp:
        if self.idc_asn == 65025:
            raise ValueError("idc_asn 65025 is reserved by Alibaba Cloud; pick another private ASN")
        if self.idc_asn == self.vbr_asn:
            raise ValueError("idc_asn equals vbr_asn; the data center and the VBR need different ASNs (eBGP)")
        return self


class Network(Section):
    vpc_id: VpcId
    vswitch_ids: dict[str, VSwitchId] = Field(default_factory=dict, description="zone ID -> vSwitch ID")
    vpc_cidrs: list[ipaddress.IPv4Network]
    idc_cidrs: list[ipaddress.IPv4Network]
    physical_connection_id: PhysicalConnectionId | None = None
    vbr_id: VbrId | None = None
    bgp_group_id: BgpGroupId | None = None
    bgp_peer_id: BgpPeerId | None = None
    cen_id: CenId | None = None
    route_table_id: RouteTableId | None = None
    resolvers: list[ipaddress.IPv4Address] = Field(default_factory=list,
                                                   description="DNS servers the data center uses")
    resolver_port: int = Field(default=53, ge=1, le=65535)
    vantage_netns: str | None = Field(default=None,
                                      description="network namespace to probe from (the lab's data center)")
    bgp: Bgp


class Cluster(Section):
    id: ClusterId | None = None
    name: str | None = None
    context: str = Field(description="kube context of this cluster in the kubeconfig")
    zone: str | None = None


class Clusters(Section):
    kubeconfig: Path | None = Field(default=None, description="kubeconfig file; default: the files $KUBECONFIG "
                                                              "lists, merged as kubectl merges them, or ~/.kube/config")
    fleet: Cluster
    ack: Cluster
    registered: Cluster


class Registry(Section):
    endpoint: str | None = None
    enterprise_instance: str | None = None
    vip_ranges: list[ipaddress.IPv4Network] = Field(default_factory=list)
    port: int = Field(default=443, ge=1, le=65535, description="HTTPS port of the registry's VPC endpoints")


class ObjectStorage(Section):
    endpoint: str | None = None
    vip_ranges: list[ipaddress.IPv4Network] = Field(default_factory=list)
    port: int = Field(default=443, ge=1, le=65535, description="HTTPS port of the OSS internal endpoint")


class Services(Section):
    acr: Registry = Field(default_factory=Registry)
    oss: ObjectStorage = Field(default_factory=ObjectStorage)
    ca_file: Path | None = Field(default=None, description="CA bundle to verify the private endpoints with")


class Capacity(Section):
    """Which of step 2's optional elastic capacity the registered cluster uses; unset means not used,
    and the checks and the action for it stand aside."""

    ecs_node_pools: bool | None = Field(default=None, description="ECS node pools join the registered cluster")
    eci: bool | None = Field(default=None, description="pods run on ECI through a virtual node in the registered "
                                                        "cluster")


class Gateway(Section):
    host: str
    address: ipaddress.IPv4Address | None = None
    http_port: int = Field(default=80, ge=1, le=65535)
    https_port: int = Field(default=443, ge=1, le=65535)
    namespace: str = "demo"
    ingress: str = "web-demo"
    service: str = "service1"
    mse_ingress_config: str = "ackone-gateway"
    mode: Literal["active-standby", "active-active"] = "active-standby"
    primary: Literal["ack", "registered"] = "ack"
    zone_backends: dict[Literal["a", "b"], str] = Field(
        default_factory=dict, description="host:port where the data center reaches each zone's copy of the app "
                                          "directly (zone a = the ACK cluster's, b = the registered cluster's)")


BEACON_PATH = "/drconsole-beacon/"
BEACON_REGEX = r"drconsole-beacon cluster=(c[0-9a-z]{10,40})"


class Attribution(Section):
    """Which answer says which zone served it (drconsole.probes.attribution): a response header, or a body
    regex with one capture group, asked at `path`. The default is the drconsole zone beacon."""

    path: str = Field(default=BEACON_PATH, description="the path asked through the gateway (and at each zone)")
    header: str | None = Field(default=None, description="a response header whose value is the zone or cluster "
                                                         "ID (or cluster name)")
    body_regex: str | None = Field(default=None, description="a regex whose one capture group is the zone or "
                                                             "cluster ID (or cluster name) in the answer's body")

    @property
    def uses_beacon(self) -> bool:
        return self.path.startswith(BEACON_PATH)

    @model_validator(mode="after")
    def _one_marker(self) -> Attribution:
        if not self.path.startswith("/"):
            raise ValueError(f"path {self.path!r} must start with '/' (e.g. \"/\" or \"{BEACON_PATH}\")")
        if self.header is None and self.body_regex is None:
            if "path" in self.model_fields_set and self.path != BEACON_PATH:
                raise ValueError("set one of header or body_regex (neither is set)")
            self.body_regex = BEACON_REGEX
        if self.header is not None and self.body_regex is not None:
            raise ValueError("set header or body_regex, not both")
        if self.header is not None and not re.fullmatch(r"[A-Za-z0-9-]+", self.header):
            raise ValueError(f"header {self.header!r} is not a header name (letters, digits and '-')")
        if self.body_regex is not None:
            try:
                groups = re.compile(self.body_regex).groups
            except re.error as exc:
                raise ValueError(f"body_regex {self.body_regex!r} is not a valid regex: {exc}") from None
            if groups != 1:
                raise ValueError(f"body_regex {self.body_regex!r} has {groups} capture groups; it needs exactly one "
                                 "(around the zone or cluster ID), e.g. 'cluster=(c[0-9a-f]{32})'")
        return self


class JournalSettings(Section):
    keep_sweep_days: int | None = Field(
        default=None, ge=1, description="`drconsole journal prune` deletes check results of sweeps older than this "
                                        "(runs with actions or confirmations are kept whole); unset: never")


class LabLink(Section):
    dir: Path
    mode: Literal["netns", "loopback"]


class Coordination(Section):
    """Locks and the shared record on the Fleet (drconsole.coordination)."""

    enabled: bool = True
    namespace: str = Field(default="drconsole", description="namespace of drconsole's Leases and Events on the Fleet")
    lease_s: int = Field(default=15, ge=2, le=600, description="a lock expires this long after its holder stops")
    poll_s: float = Field(default=1.0, gt=0, le=60, description="how often the shared record is read")


class Profile(Section):
    name: str
    description: str = ""
    production: bool = False
    read_only: bool = False
    cloud: Cloud
    network: Network
    clusters: Clusters
    services: Services = Field(default_factory=Services)
    gateway: Gateway
    attribution: Attribution = Field(default_factory=Attribution)
    journal: JournalSettings | None = None
    capacity: Capacity = Field(default_factory=Capacity)
    lab: LabLink | None = None
    coordination: Coordination = Field(default_factory=Coordination)

    @model_validator(mode="after")
    def _defaults_and_rules(self) -> Profile:
        if not NAME_RE.fullmatch(self.name):
            raise ValueError(f"profile name {self.name!r} must be lower-case letters, digits, '-' or '_'")
        region = self.cloud.region
        acr, oss = self.services.acr, self.services.oss
        acr.endpoint = acr.endpoint or regions.acr_personal_endpoint(region)
        oss.endpoint = oss.endpoint or regions.oss_internal_endpoint(region)
        if not oss.vip_ranges:
            oss.vip_ranges = [ipaddress.IPv4Network(c) for c in regions.OSS_VIP_RANGES.get(region, [])]
        if not acr.vip_ranges:
            acr.vip_ranges = [ipaddress.IPv4Network(c) for c in regions.ACR_VIP_RANGES.get(region, [])]
        if self.clusters.ack.zone and self.clusters.ack.zone == self.clusters.registered.zone:
            raise ValueError("clusters.ack.zone and clusters.registered.zone are the same; "
                             "zone-disaster recovery needs the two clusters in different zones")
        return self

    def acr_enterprise_host(self) -> str | None:
        instance = self.services.acr.enterprise_instance
        return regions.acr_enterprise_endpoint(instance, self.cloud.region) if instance else None

    def to_toml(self) -> str:
        import tomli_w

        return tomli_w.dumps(_drop_none(self.model_dump(mode="json")))


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


# -- files ---------------------------------------------------------------------------------------

def profile_path(name: str) -> Path:
    return paths.profiles_dir() / f"{name}.toml"


def list_profiles() -> list[str]:
    return sorted(p.stem for p in paths.profiles_dir().glob("*.toml"))


def active_profile_name(explicit: str | None = None) -> str | None:
    """The profile to use: --profile, then $DRCONSOLE_PROFILE, then the only one there is."""
    if explicit:
        return explicit
    if os.environ.get(PROFILE_ENV):
        return os.environ[PROFILE_ENV]
    names = list_profiles()
    return names[0] if len(names) == 1 else None


def load_profile(name_or_path: str | Path) -> Profile:
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = profile_path(str(name_or_path))
    if not path.is_file():
        known = ", ".join(list_profiles()) or "none yet"
        raise ProfileError(f"no profile at {path}", where=str(path),
                           fix=f"run `drconsole setup` or `drconsole lab up`; known profiles: {known}")
    text = path.read_text(encoding="utf-8", errors="replace")
    return parse_profile(text, source=str(path), default_name=path.stem)


def parse_profile(text: str, *, source: str, default_name: str = "default") -> Profile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"not valid TOML: {exc}", where=source,
                           fix="correct the syntax at the line and column named") from None
    data.setdefault("name", default_name)
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise profile_error_from(exc, text, source) from None


def save_profile(profile: Profile, path: Path | None = None) -> Path:
    target = path or profile_path(profile.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".toml.tmp")
    tmp.write_text(profile.to_toml(), encoding="utf-8")
    tmp.replace(target)
    return target


def profile_error_from(exc: ValidationError, text: str, source: str) -> ProfileError:
    """Turn pydantic's errors into one message naming the file, line and key of each problem."""
    lines = []
    for err in exc.errors()[:8]:
        loc = [str(part) for part in err["loc"]]
        key = ".".join(loc) or "(top level)"
        line = _toml_line_of(text, loc)
        where = f"{source}:{line}" if line else source
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r} (check its spelling)"
        elif err["type"] == "missing":
            message = "required but missing"
        lines.append(f"{where}: {key}: {message}")
    more = len(exc.errors()) - 8
    if more > 0:
        lines.append(f"... and {more} more")
    return ProfileError("invalid profile\n  " + "\n  ".join(lines), where=None,
                        fix="edit the keys named above (`drconsole profile show` prints a valid profile's shape)")


def _toml_line_of(text: str, loc: list[str]) -> int | None:
    """Best-effort line of a key path in TOML text: the key under its [table], else the table header."""
    keys = [part for part in loc if not part.isdigit()]
    if not keys:
        return None
    table, key = keys[:-1], keys[-1]
    current: list[str] = []
    header_line = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("[") and not line.startswith("[["):
            current = [part.strip().strip('"') for part in line.strip("[]").split(".")]
            if current == keys:
                header_line = number
            continue
        if current == table and re.match(rf'^"?{re.escape(key)}"?\s*=', line):
            return number
    return header_line
