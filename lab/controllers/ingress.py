"""How the MSE multi-cluster gateway routes a Fleet Ingress (ackone-facts §B.3), as a pure function.

Inputs are the Ingress objects for the gateway's host and, per member cluster, the labels of the
ready pods behind the backend Service. The answer says which gateway zones get traffic and how much:

* plain Ingress: every cluster with ready endpoints, weighted by its ready pod count;
* `service-subset` (+ `subset-labels`): only pods matching the subset; when no such pod is ready,
  all pods of the Service (the documented fallback). Rendered as the matching zones in `weights`
  and every other zone in `fallback` (the fallback happens when the endpoints change, not per request);
* a second Ingress with `canary: "true"`: `canary-by-header`(+`-value`) gives a header rule to the
  canary's zone, `canary-weight` (of `canary-weight-total`, default 100) shifts that share of
  traffic to it. Cookie and query canaries are not modelled by the lab gateway.
* retries within one request only when the primary Ingress asks (`proxy-next-upstream`, `-tries`,
  `-timeout`, with the nginx or the mse prefix; MSE lists them as supported): then 3 retries on connection
  errors, timeouts and 5xx answers unless they say otherwise, as Higress (MSE Ingress's open-source core)
  implements them; `off` turns them off.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MSE = "mse.ingress.kubernetes.io/"
NGINX = "nginx.ingress.kubernetes.io/"
CLUSTER_LABEL = "topology.istio.io/cluster"

Labels = Mapping[str, str]


@dataclass(frozen=True)
class ClusterEndpoints:
    """One member cluster as the gateway sees it: its zone and the labels of its ready pods."""

    zone: str
    ready_pods: Sequence[Labels] = ()


@dataclass
class RoutePlan:
    """Same fields as drconsole.lab.net.gateway.Routing."""

    weights: dict[str, int] = field(default_factory=dict)
    fallback: list[str] = field(default_factory=list)
    header: tuple[str, str, str] | None = None
    serve: bool = True
    retry: tuple[str, int, int] | None = None


RETRY_KEYS = ("proxy-next-upstream", "proxy-next-upstream-tries", "proxy-next-upstream-timeout")
DEFAULT_RETRIES = 3
SERVER_ERRORS = "error timeout http_500 http_502 http_503 http_504"  # what the gateway counts as 5xx


def retry_policy(ingress: Mapping[str, Any]) -> tuple[str, int, int] | None:
    """(nginx conditions, retries, per-try timeout s) the Ingress asks for, or None without retry annotations."""
    notes = _annotations(ingress)

    def note(key: str) -> str | None:
        return next((notes[p + key].strip() for p in (MSE, NGINX) if p + key in notes), None)

    if all(note(key) is None for key in RETRY_KEYS):
        return None
    retries = _int(note("proxy-next-upstream-tries"))
    timeout = _int(note("proxy-next-upstream-timeout")) or 0
    conditions = (note("proxy-next-upstream") or "").replace(",", " ").split()
    if "off" in conditions:
        return None
    chosen: list[str] = []
    if not conditions or {"error", "timeout", "invalid_header"} & set(conditions):
        chosen += SERVER_ERRORS.split()
    chosen += [c for c in conditions if c.startswith("http_") or c == "non_idempotent"]
    tries = DEFAULT_RETRIES if retries is None else retries
    return (" ".join(dict.fromkeys(chosen)), tries, timeout) if tries > 0 and chosen else None


def backend_service(ingress: Mapping[str, Any], host: str) -> str | None:
    """The Service name of the first path of the rule for `host` (or of a rule without a host)."""
    for rule in ingress.get("spec", {}).get("rules") or []:
        if rule.get("host") not in (None, "", host):
            continue
        for path in (rule.get("http") or {}).get("paths") or []:
            service = (path.get("backend") or {}).get("service") or {}
            if service.get("name"):
                return str(service["name"])
    default = ((ingress.get("spec", {}).get("defaultBackend") or {}).get("service") or {}).get("name")
    return str(default) if default else None


def is_canary(ingress: Mapping[str, Any]) -> bool:
    return _annotations(ingress).get(NGINX + "canary", "").strip().lower() == "true"


def plan_routing(ingresses: Sequence[Mapping[str, Any]], host: str,
                 clusters: Mapping[str, ClusterEndpoints]) -> RoutePlan:
    """Route `host` given the Ingresses that serve it and the clusters (by cluster ID) behind it."""
    serving = [ing for ing in ingresses if backend_service(ing, host)]
    primary = [ing for ing in serving if not is_canary(ing)]
    if not primary or not clusters:
        return RoutePlan(serve=False)
    primary_ing = min(primary, key=_age_key)
    weights = _select(primary_ing, clusters)
    header: tuple[str, str, str] | None = None
    for canary in sorted((ing for ing in serving if is_canary(ing)), key=_age_key):
        notes = _annotations(canary)
        canary_weights = _select(canary, clusters)
        by_header = notes.get(NGINX + "canary-by-header", "").strip()
        if by_header and header is None:
            zone = max(sorted(canary_weights), key=lambda z: canary_weights[z])
            header = (by_header, notes.get(NGINX + "canary-by-header-value", "always").strip() or "always", zone)
        share = _int(notes.get(NGINX + "canary-weight"))
        if share is not None:
            total = _int(notes.get(NGINX + "canary-weight-total")) or 100
            weights = _mix(weights, canary_weights, min(max(share, 0), total), total)
    zones = sorted({c.zone for c in clusters.values()})
    return RoutePlan(weights=_reduce(weights), fallback=[z for z in zones if z not in weights], header=header,
                     retry=retry_policy(primary_ing))


def _select(ingress: Mapping[str, Any], clusters: Mapping[str, ClusterEndpoints]) -> dict[str, int]:
    """Zone -> ready pod count for the pods this Ingress targets (with the subset fallback)."""
    everyone = _count(clusters, lambda labels: True)
    subset = _subset_predicate(ingress)
    if subset is not None:
        chosen = _count(clusters, subset)
        if chosen:
            return chosen
    if everyone:
        return everyone
    # Nothing is ready anywhere: keep every zone in play so service resumes as soon as one answers.
    return {c.zone: 1 for c in clusters.values()}


def _count(clusters: Mapping[str, ClusterEndpoints], match: Callable[[Labels], bool]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for cluster in clusters.values():
        n = sum(1 for labels in cluster.ready_pods if match(labels))
        if n:
            counts[cluster.zone] = counts.get(cluster.zone, 0) + n
    return counts


def _subset_predicate(ingress: Mapping[str, Any]) -> Callable[[Labels], bool] | None:
    notes = _annotations(ingress)
    if MSE + "service-subset" not in notes:
        return None
    wanted = parse_subset_labels(notes.get(MSE + "subset-labels", ""))
    if wanted is None:  # not `key value` lines: no pod matches, so the documented fallback (all pods) applies
        return lambda labels: False
    if wanted:
        return lambda labels: all(labels.get(k) == v for k, v in wanted.items())
    subset = notes[MSE + "service-subset"].strip()
    if subset in ("", "base"):
        return lambda labels: not any(k.startswith("opensergo.io/canary") for k in labels)
    return lambda labels: labels.get(f"opensergo.io/canary-{subset}") == subset


def parse_subset_labels(text: str) -> dict[str, str] | None:
    """`key value` per line (a space, not a colon; several lines allowed, as with a YAML `|` block), as
    the MSE annotation is documented; None when a line is not of that form (e.g. `key: value`)."""
    labels: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2 or parts[0].endswith(":"):
            return None
        labels[parts[0]] = parts[1]
    return labels


def _mix(primary: dict[str, int], canary: dict[str, int], share: int, total: int) -> dict[str, int]:
    mixed: dict[str, int] = {}
    for weights, portion in ((primary, total - share), (canary, share)):
        for zone, w in _scale(weights, portion).items():
            mixed[zone] = mixed.get(zone, 0) + w
    return {z: w for z, w in mixed.items() if w > 0}


def _scale(weights: dict[str, int], portion: int) -> dict[str, int]:
    """Split `portion` across zones in proportion to `weights` (largest remainder)."""
    total = sum(weights.values())
    if portion <= 0 or total <= 0:
        return {}
    exact = {z: portion * w / total for z, w in weights.items()}
    scaled = {z: int(v) for z, v in exact.items()}
    for z in sorted(exact, key=lambda z: (scaled[z] - exact[z], z))[: portion - sum(scaled.values())]:
        scaled[z] += 1
    return scaled


def _reduce(weights: dict[str, int]) -> dict[str, int]:
    divisor = math.gcd(*weights.values()) if weights else 1
    return {z: w // divisor for z, w in sorted(weights.items())}


def _annotations(ingress: Mapping[str, Any]) -> dict[str, str]:
    return dict((ingress.get("metadata") or {}).get("annotations") or {})


def _age_key(ingress: Mapping[str, Any]) -> tuple[str, str]:
    meta = ingress.get("metadata") or {}
    return (str(meta.get("creationTimestamp", "")), str(meta.get("name", "")))


def _int(text: str | None) -> int | None:
    try:
        return int(str(text).strip()) if text is not None else None
    except ValueError:
        return None
