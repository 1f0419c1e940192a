"""The two zones, defined once: zone a is the ACK cluster's, zone b the registered cluster's. Their cloud
zone IDs and cluster IDs come from the profile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from drconsole.profile import Profile

ZoneKey = Literal["a", "b"]
Role = Literal["ack", "registered"]
ROLES: dict[ZoneKey, Role] = {"a": "ack", "b": "registered"}
KEYS: tuple[ZoneKey, ...] = ("a", "b")
LABELS: dict[ZoneKey, str] = {"a": "Zone A · ACK", "b": "Zone B · registered"}


@dataclass(frozen=True)
class Zone:
    key: ZoneKey
    role: Role  # the cluster that runs there
    zone_id: str | None  # the cloud zone ID, e.g. cn-hangzhou-h
    cluster_id: str | None
    cluster_name: str | None = None  # the cluster's name, as the profile gives it

    @property
    def name(self) -> str:
        """How messages name it: "zone a (cn-hangzhou-h)"."""
        return f"zone {self.key} ({self.zone_id})" if self.zone_id else f"zone {self.key}"


def zone(profile: Profile, key: ZoneKey) -> Zone:
    cluster = getattr(profile.clusters, ROLES[key])
    return Zone(key=key, role=ROLES[key], zone_id=cluster.zone, cluster_id=cluster.id, cluster_name=cluster.name)


def zones(profile: Profile) -> tuple[Zone, Zone]:
    return zone(profile, "a"), zone(profile, "b")


def key_of(role: Role) -> ZoneKey:
    """The zone a cluster runs in."""
    return next(key for key, r in ROLES.items() if r == role)


def primary(profile: Profile) -> Zone:
    """The zone the gateway prefers (gateway.primary names its cluster)."""
    return zone(profile, key_of(profile.gateway.primary))
