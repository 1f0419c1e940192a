"""Zone B's headroom for a failover: could the registered cluster take zone A's load?

Zone A's load is what the ACK cluster's pods request (outside kube-system, which does not move).
Zone B's firm room is the allocatable CPU and memory of the registered cluster's Ready real nodes
(on-premises and ECS) minus what their pods already request; its elastic room is ECI through a
Ready virtual node. `judge` is pure; `measure` reads both clusters. No Textual here."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode

from drconsole.checks._nodes import FINISHED_PHASES, NODES, NodeView, counts_as_load, parse_nodes, pod_requests

if TYPE_CHECKING:
    from drconsole.context import Context

STAYS_IN_ZONE = ("kube-system",)
# The pods that may still hold their requests (counts_as_load), chosen by the API server (a field selector)
HOLDING_PODS = "/api/v1/pods?" + urlencode({"fieldSelector": ",".join(f"status.phase!={phase}"
                                                                     for phase in FINISHED_PHASES)})
GIB = 2**30
Verdict = Literal["enough", "elastic", "short"]


@dataclass(frozen=True)
class Resources:
    cpu: float  # cores
    memory: float  # bytes

    def covers(self, other: Resources) -> bool:
        return self.cpu >= other.cpu and self.memory >= other.memory

    def minus(self, other: Resources) -> Resources:
        return Resources(self.cpu - other.cpu, self.memory - other.memory)

    def text(self) -> str:
        return f"{self.cpu:.1f} CPU / {self.memory / GIB:.1f} GiB"


@dataclass(frozen=True)
class Headroom:
    load_a: Resources  # what zone A's pods request
    free_b: Resources  # zone B's real nodes: allocatable minus requests
    nodes_b: int  # Ready real nodes in zone B
    ecs_b: int  # of which from ECS node pools
    virtual_b: tuple[str, ...]  # Ready virtual nodes (ECI)
    verdict: Verdict

    def text(self) -> str:
        head = {"enough": "zone B can take zone A's load",
                "elastic": "zone B needs ECI to take zone A's load",
                "short": "zone B cannot take zone A's load"}[self.verdict]
        elastic = f"ECI via {', '.join(self.virtual_b)}" if self.virtual_b else "no Ready virtual node"
        missing = self.load_a.minus(self.free_b)
        gap = f" (short by {max(missing.cpu, 0):.1f} CPU / {max(missing.memory, 0) / GIB:.1f} GiB)" \
            if self.verdict != "enough" else ""
        return (f"{head}{gap}: zone A requests {self.load_a.text()}; zone B has {self.free_b.text()} free on "
                f"{self.nodes_b} Ready nodes ({self.ecs_b} ECS); {elastic}")


@dataclass
class Cadence:
    """When the headroom is measured again: after a sweep the operator asked for, else at most every `period_s`
    (it lists two clusters' pods, which a dashboard refreshing every few seconds should not do each time)."""

    period_s: float = 30.0
    last: float | None = None  # time.monotonic() of the last measurement

    def due(self, now: float, *, asked: bool) -> bool:
        """Whether to measure now; when it says so, the measurement is counted as made at `now`."""
        if asked or self.last is None or now - self.last >= self.period_s:
            self.last = now
            return True
        return False


def total(pods: list[Mapping[str, Any]]) -> Resources:
    cpu = mem = 0.0
    for pod in pods:
        pcpu, pmem = pod_requests(pod)
        cpu, mem = cpu + pcpu, mem + pmem
    return Resources(cpu, mem)


def judge(ack_pods: list[Mapping[str, Any]], nodes_b: list[NodeView], pods_b: list[Mapping[str, Any]]) -> Headroom:
    moving = [p for p in ack_pods if counts_as_load(p)
              and (p.get("metadata") or {}).get("namespace") not in STAYS_IN_ZONE]
    real = [n for n in nodes_b if n.is_ready and not n.virtual]
    names = {n.name for n in real}
    used = total([p for p in pods_b if counts_as_load(p) and (p.get("spec") or {}).get("nodeName") in names])
    free = Resources(sum(n.cpu for n in real), sum(n.memory for n in real)).minus(used)
    load = total(moving)
    virtual = tuple(sorted(n.name for n in nodes_b if n.is_ready and n.virtual))
    verdict: Verdict = "enough" if free.covers(load) else ("elastic" if virtual else "short")
    return Headroom(load_a=load, free_b=free, nodes_b=len(real), ecs_b=sum(1 for n in real if n.pool),
                    virtual_b=virtual, verdict=verdict)


async def measure(ctx: Context) -> Headroom:
    """Read the ACK cluster's pods and the registered cluster's nodes and pods, then judge. Pods that finished are
    left out by the API server (a field selector), and every list is read in pages, as kubectl reads it."""
    from drconsole.checks import _k8s

    (ack_pods, _), (nodes, _), (pods_b, _) = await asyncio.gather(
        _k8s.get_list(ctx, "ack", HOLDING_PODS), _k8s.get_list(ctx, "registered", NODES),
        _k8s.get_list(ctx, "registered", HOLDING_PODS))
    return judge(ack_pods, parse_nodes(nodes), pods_b)
