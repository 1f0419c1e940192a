"""The lab's failure chain as pure logic: a lost zone's nodes turn NotReady only after the node monitor grace
period, the gateway's retry policy comes only from the Ingress's annotations, and the fast timing keeps the
real timing's order of events."""

from __future__ import annotations

import pytest

from drconsole.lab.controllers.ingress import RoutePlan, plan_routing, retry_policy
from drconsole.lab.controllers.nodelife import NodeLifecycle
from drconsole.lab.timing import TIMINGS
from tests.lab.test_controllers_pure import HOST, clusters, ingress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nodes_stay_ready_through_the_grace_period_and_recover_at_once() -> None:
    clock = Clock()
    life = NodeLifecycle(grace_s=50.0, period_s=5.0, clock=clock)
    assert life.observe(True)
    seen = []
    for _ in range(12):  # silent for 55 s, looked at every 5 s
        seen.append(life.observe(False))
        clock.now += 5.0
    assert seen.index(False) == 10  # the first look after 50 s of silence
    assert life.observe(True)  # the kubelet posts again: Ready at once


def test_notready_waits_for_the_controllers_next_look() -> None:
    clock = Clock()
    life = NodeLifecycle(grace_s=50.0, period_s=5.0, clock=clock)
    life.observe(False)
    clock.now += 51.0
    assert not life.observe(False)
    clock.now += 1.0
    assert life.observe(True)
    life.observe(False)  # silent again: a new grace period
    clock.now += 3.0
    assert life.observe(False)


def test_no_retry_without_an_annotation() -> None:
    assert retry_policy(ingress("web")) is None
    assert plan_routing([ingress("web")], HOST, clusters(1, 1)).retry is None


@pytest.mark.parametrize(("notes", "expected"), [
    ({"nginx.ingress.kubernetes.io/proxy-next-upstream-tries": "2"},
     ("error timeout http_500 http_502 http_503 http_504", 2, 0)),
    ({"mse.ingress.kubernetes.io/proxy-next-upstream": "http_503"}, ("http_503", 3, 0)),
    ({"nginx.ingress.kubernetes.io/proxy-next-upstream": "error,timeout",
      "nginx.ingress.kubernetes.io/proxy-next-upstream-timeout": "4"},
     ("error timeout http_500 http_502 http_503 http_504", 3, 4)),
    ({"nginx.ingress.kubernetes.io/proxy-next-upstream": "off"}, None),
    ({"nginx.ingress.kubernetes.io/proxy-next-upstream-tries": "0"}, None),
])
def test_retry_as_the_ingress_asks(notes: dict[str, str], expected: tuple[str, int, int] | None) -> None:
    assert retry_policy(ingress("web", notes)) == expected
    plan = plan_routing([ingress("web", notes)], HOST, clusters(1, 1))
    assert plan == RoutePlan(weights={"a": 1, "b": 1}, retry=expected)


@pytest.mark.parametrize("name", sorted(TIMINGS))
def test_each_timing_detects_on_the_users_side_before_kubernetes(name: str) -> None:
    """The dashboard's zone probes run every second; the endpoints turn unready only after the grace period
    (and the node controller's next look), and the gateway follows after its sync interval."""
    timing = TIMINGS[name]
    assert timing.node_monitor_grace_s > 1.0 + timing.node_monitor_period_s
    assert timing.gateway_sync_s < timing.node_monitor_grace_s
