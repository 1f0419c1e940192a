"""Which zone served a reply through the gateway: the one attribution, used by the checks, the traffic
actions, the safety rules and the dashboard's zone probes.

Neither the MSE gateway nor a stock application says which cluster answered, so the operator names the
marker in the profile (`[attribution]`): a response header whose value names the zone or cluster, or a
body regex whose one capture group does, asked at a path (the application's, or the drconsole beacon's).
The captured value is matched against each zone's ID, cluster ID and cluster name."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from drconsole.zones import Zone

if TYPE_CHECKING:
    from drconsole.profile import Profile

SAMPLE_BYTES = 160  # how much of an unmatched answer the evidence shows


@dataclass(frozen=True)
class Marker:
    """Where a reply names who served it: exactly one of `header` and `body_regex` (one capture group)."""

    path: str = "/"
    header: str | None = None
    body_regex: str | None = None

    def describe(self) -> str:
        what = f"header {self.header}" if self.header else f"body regex {self.body_regex!r}"
        return f"{what} at {self.path}"


@dataclass(frozen=True)
class Served:
    """The attribution: the zone, when the reply names one of ours, and what the reply said (None when
    the marker matched nothing)."""

    zone: Zone | None
    reported: str | None

    @property
    def matched(self) -> bool:
        return self.reported is not None


def marker_of(profile: Profile) -> Marker:
    """The profile's marker (profile.attribution; its default is the drconsole beacon)."""
    setting = profile.attribution
    return Marker(path=setting.path, header=setting.header.lower() if setting.header else None,
                  body_regex=setting.body_regex)


def served_by(headers: Mapping[str, str], body: bytes, zones: Iterable[Zone], marker: Marker) -> Served:
    """Which of `zones` served a reply with these (lower-case) headers and body, by `marker`."""
    reported = _reported(headers, body, marker)
    if reported is None:
        return Served(None, None)
    zone = next((z for z in zones if reported in (z.zone_id, z.cluster_id, z.cluster_name)), None)
    return Served(zone, reported)


def unmatched_sample(headers: Mapping[str, str], body: bytes) -> dict[str, object]:
    """What an answer the marker did not match looked like: its header names and its first bytes."""
    return {"header_names": sorted(headers), "first_bytes": body[:SAMPLE_BYTES].decode("utf-8", "replace")}


def _reported(headers: Mapping[str, str], body: bytes, marker: Marker) -> str | None:
    if marker.header:
        value = headers.get(marker.header, "").strip()
        return value or None
    if not marker.body_regex:
        return None
    found = _compiled(marker.body_regex).search(body.decode("utf-8", "replace"))
    if found is None or not found.group(1):
        return None
    return found.group(1).strip() or None


@lru_cache(maxsize=16)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
