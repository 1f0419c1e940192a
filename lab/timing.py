"""How fast the lab's cloud and clusters move: `real` (the figures a real account shows, each with its
source in docs/cloud-facts.md) or `fast` (the same events in the same order, scaled down for tests).

One home for every lab delay: a part that waits, sleeps or ages something reads it from `timing(env)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TimingName = Literal["real", "fast"]
TIMING_NAMES: tuple[TimingName, ...] = ("fast", "real")
AGENT_SILENT_BEATS = 3


@dataclass(frozen=True)
class Timing:
    name: TimingName
    # Extra time the region API takes to answer one call, as seen from a data center (seconds; region/server.py
    # waits it in each request's own thread).
    region_latency_s: float
    # One-way delay on the Express Connect link between the data center and the VPC (milliseconds; netem on the
    # link's veth pair, net/linkdelay.py).
    link_delay_ms: float
    # Factor applied to a real account's durations of cloud state transitions (1.0 = those times: region.py
    # *_SECONDS, ops/adcp.py DETACH_SECONDS, controllers/mse.py PHASE_SECONDS).
    transition_scale: float
    # How often the registered cluster's agent sends a heartbeat on its registration connection; a peer silent
    # for AGENT_SILENT_BEATS heartbeats is given up (seconds).
    agent_heartbeat_s: float
    # How long the agent's connection may stay down before the registered cluster turns `disconnected` (seconds).
    agent_disconnect_grace_s: float
    # A zone's nodes turn NotReady (Ready=Unknown) this long after their kubelets went silent, and their
    # pods' Ready with them (kube-controller-manager --node-monitor-grace-period).
    node_monitor_grace_s: float
    # How often the node lifecycle controller looks (--node-monitor-period); NotReady lands on its next look.
    node_monitor_period_s: float
    # The gateway applies a changed route (endpoints or Ingress) this long after it appeared.
    gateway_sync_s: float
    # How often the lab's controllers (kubelet-lite, the node monitor's looks, Argo CD, the MseIngressConfig
    # lifecycle, the gateway renderer, the agent) make one pass over the planes (seconds; controllers/controller.py).
    controller_period_s: float


TIMINGS: dict[TimingName, Timing] = {
    "real": Timing("real", region_latency_s=0.030, link_delay_ms=2.0, transition_scale=1.0,
                   agent_heartbeat_s=10.0, agent_disconnect_grace_s=60.0,
                   node_monitor_grace_s=50.0, node_monitor_period_s=5.0, gateway_sync_s=3.0,
                   controller_period_s=1.0),
    "fast": Timing("fast", region_latency_s=0.0, link_delay_ms=0.0, transition_scale=0.01,
                   agent_heartbeat_s=0.5, agent_disconnect_grace_s=2.0,
                   node_monitor_grace_s=5.0, node_monitor_period_s=0.4, gateway_sync_s=0.4,
                   controller_period_s=0.4),
}


def timing_for(name: str) -> Timing:
    try:
        return TIMINGS[name]  # type: ignore[index]
    except KeyError:
        raise ValueError(f"unknown lab timing {name!r}; choose one of {', '.join(TIMING_NAMES)}") from None
