"""Which zone served a reply through the gateway: the one attribution, used by the checks, the traffic
actions and the dashboard's zone probes.

The marker says where a reply names its zone. Today it is the headers and JSON body keys the lab's
gateway and demo app set (a zone ID, or a cluster ID); a site configures its own marker."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from drconsole.zones import Zone


@dataclass(frozen=True)
class Marker:
    """Where a reply names the zone (or cluster) that served it, first match wins."""

    zone_headers: tuple[str, ...] = ("x-served-zone", "x-zone")  # carry a zone ID
    zone_keys: tuple[str, ...] = ("zone", "zone_id")  # JSON body keys carrying a zone ID
    cluster_keys: tuple[str, ...] = ("cluster", "clusterId", "cluster_id")  # JSON body keys carrying a cluster ID


DEFAULT_MARKER = Marker()


@dataclass(frozen=True)
class Served:
    """The attribution: the zone, when the reply names one of ours, and what the reply said."""

    zone: Zone | None
    reported: str | None  # the zone or cluster ID as the reply gave it


def served_by(headers: dict[str, str], body: bytes, zones: Iterable[Zone], marker: Marker = DEFAULT_MARKER) -> Served:
    """Which of `zones` served a reply with these (lower-case) headers and body."""
    known = list(zones)
    by_zone_id = {z.zone_id: z for z in known if z.zone_id}
    by_cluster = {z.cluster_id: z for z in known if z.cluster_id}
    for header in marker.zone_headers:
        if header in headers:
            return Served(by_zone_id.get(headers[header]), headers[header])
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return Served(None, None)
    if not isinstance(data, dict):
        return Served(None, None)
    for keys, index in ((marker.zone_keys, by_zone_id), (marker.cluster_keys, by_cluster)):
        for key in keys:
            if data.get(key):
                return Served(index.get(str(data[key])), str(data[key]))
    return Served(None, None)
