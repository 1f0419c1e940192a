"""A zone's error share as users meet it through the gateway, derived honestly.

A failed request carries no marker, so nobody can say which zone failed it. What is known: the share of
requests the gateway is asked to send to each zone (the DR Ingress: pinned to one cluster, or spread by the
ready endpoints each cluster has), and which zone each successful answer came from (the attribution). A zone
that should have served `expected` of `n` requests but answered only `served` failed the rest:

    failed(z) = max(0, share(z) * n - served(z)),   error share(z) = failed(z) / (share(z) * n)

With one zone routed that is exact. With two it is an estimate: the gateway's round robin makes it close
over a handful of requests, and the per-zone direct probes say which zone is the one failing. For the seconds
the gateway takes to apply an Ingress change (its sync interval), the shares are those the Ingress already asks
for, not those the gateway still uses: the next probe round settles it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

FAILING_SHARE = 0.2  # a zone failing at least this share of its requests is failing users


@dataclass(frozen=True)
class Sample:
    """One request through the gateway: whether it succeeded and the zone the answer named (None: unknown)."""

    ok: bool
    zone: str | None


@dataclass(frozen=True)
class ZoneShare:
    zone: str
    routed: float  # the share of requests the gateway is asked to send here (0..1)
    expected: float  # requests that should have gone here
    served: int  # successful answers attributed here
    failed: float  # requests estimated to have failed here

    @property
    def error_share(self) -> float:
        return self.failed / self.expected if self.expected else 0.0

    @property
    def failing(self) -> bool:
        return self.routed > 0 and self.error_share >= FAILING_SHARE


def routing_shares(pinned: str | None, ready: Mapping[str, int]) -> dict[str, float]:
    """Zone -> share of requests the DR Ingress asks the gateway to send there: all to the pinned zone, else
    in proportion to each zone's ready endpoints (the gateway spreads by endpoint). No ready endpoint
    anywhere: an even spread (the gateway keeps every zone in play). A pinned zone without ready endpoints
    gets nothing: the gateway falls back to the others (once it has seen the endpoints change)."""
    if pinned is not None and ready.get(pinned, 0) > 0:
        return {zone: float(zone == pinned) for zone in ready}
    total = sum(max(n, 0) for n in ready.values())
    if total == 0:
        return {zone: 1 / len(ready) for zone in ready} if ready else {}
    return {zone: max(n, 0) / total for zone, n in ready.items()}


def zone_shares(samples: Sequence[Sample], shares: Mapping[str, float]) -> dict[str, ZoneShare]:
    n = len(samples)
    found = {}
    for zone, routed in shares.items():
        served = sum(1 for s in samples if s.ok and s.zone == zone)
        expected = routed * n
        found[zone] = ZoneShare(zone, routed, expected, served, max(0.0, expected - served))
    return found


def pinned_cluster(annotations: Mapping[str, str]) -> str | None:
    """The cluster ID the DR Ingress pins traffic to (service-subset with `topology.istio.io/cluster <id>`)."""
    from drconsole.actions.kube_setup import CLUSTER_LABEL, MSE

    if MSE + "service-subset" not in annotations:
        return None
    labels = dict(line.split(None, 1) for line in annotations.get(MSE + "subset-labels", "").splitlines()
                  if len(line.split()) == 2)
    return labels.get(CLUSTER_LABEL)
