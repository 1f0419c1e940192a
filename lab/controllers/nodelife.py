"""A zone's nodes as the node lifecycle controller sees them when the zone is lost.

The kubelets of a lost zone stop posting status. kube-controller-manager looks every node monitor period and
marks a node NotReady (Ready=Unknown) once it has been silent longer than the node monitor grace period; only
then are its pods' Ready conditions set to False, which takes them out of the EndpointSlices. A kubelet that
comes back posts Ready at once. Durations come from drconsole.lab.timing (sources in docs/cloud-facts.md)."""

from __future__ import annotations

import time
from collections.abc import Callable


class NodeLifecycle:
    def __init__(self, grace_s: float, period_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.grace_s = grace_s
        self.period_s = period_s
        self._clock = clock
        self._silent_since: float | None = None
        self._last_look = float("-inf")
        self.nodes_ready = True

    def observe(self, kubelets_posting: bool) -> bool:
        """Record whether the zone's kubelets post status now; whether the zone's nodes count as Ready."""
        now = self._clock()
        if kubelets_posting:
            self._silent_since = None
            self.nodes_ready = True
            return True
        if self._silent_since is None:
            self._silent_since = now
        if now - self._last_look >= self.period_s:
            self._last_look = now
            if now - self._silent_since >= self.grace_s:
                self.nodes_ready = False
        return self.nodes_ready
