"""The gateway's routing API against the running gateway."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.fixtures.net import ZONE_PAGE, gateway_get, zone_of

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("gateway_routing", "zone_pages")]


def served_zones(facts: dict[str, Any], n: int, headers: dict[str, str] | None = None) -> Counter[str]:
    zones: Counter[str] = Counter()
    for _ in range(n):
        reply = gateway_get(facts, headers=headers, path=ZONE_PAGE)
        assert reply.status == 200, reply
        zones[zone_of(reply)] += 1
    return zones


def test_no_route_answers_404(lab_env, net_lab: dict[str, Any]) -> None:
    from drconsole.lab.net.gateway import STATUS_PATH, Routing, apply_routing, current_routing

    apply_routing(lab_env, Routing(serve=False))
    assert current_routing(lab_env) == Routing(serve=False)
    reply = gateway_get(net_lab)
    assert reply.status == 404 and b"NoRoute" not in reply.body  # the web server's stock 404, no body of our making
    assert gateway_get(net_lab, path=STATUS_PATH).status == 404  # the lab's control path is not on the gateway


def test_active_standby_pins_zone_a(lab_env, net_lab: dict[str, Any]) -> None:
    from drconsole.lab.net.gateway import Routing, apply_routing

    apply_routing(lab_env, Routing(weights={"a": 100}, fallback=["b"]))
    assert served_zones(net_lab, 6) == Counter({"cn-hangzhou-h": 6})
    assert zone_of(gateway_get(net_lab, tls=True, path=ZONE_PAGE)) == "cn-hangzhou-h"


def test_weights_split_traffic(lab_env, net_lab: dict[str, Any]) -> None:
    from drconsole.lab.net.gateway import Routing, apply_routing

    apply_routing(lab_env, Routing(weights={"a": 1, "b": 3}))
    zones = served_zones(net_lab, 8)
    assert zones == Counter({"cn-hangzhou-h": 2, "cn-hangzhou-i": 6})  # nginx's smooth weighted round robin


def test_header_canary_goes_to_its_zone(lab_env, net_lab: dict[str, Any]) -> None:
    from drconsole.lab.net.gateway import Routing, apply_routing, current_routing

    routing = Routing(weights={"a": 100}, fallback=["b"], header=("X-Canary", "yes", "b"))
    apply_routing(lab_env, routing)
    assert current_routing(lab_env) == routing
    assert served_zones(net_lab, 3, {"X-Canary": "yes"}) == Counter({"cn-hangzhou-i": 3})
    assert served_zones(net_lab, 3, {"X-Canary": "no"}) == Counter({"cn-hangzhou-h": 3})
    assert served_zones(net_lab, 3) == Counter({"cn-hangzhou-h": 3})


def test_applying_the_same_routing_does_not_reload(lab_env, net_lab: dict[str, Any]) -> None:
    from drconsole.lab.net.gateway import Routing, apply_routing, served_generation

    apply_routing(lab_env, Routing(weights={"b": 5}))
    generation = served_generation(lab_env, _vpc(lab_env))
    apply_routing(lab_env, Routing(weights={"b": 5}))
    assert served_generation(lab_env, _vpc(lab_env)) == generation
    apply_routing(lab_env, Routing(weights={"a": 5}))
    assert served_generation(lab_env, _vpc(lab_env)) == (generation or 0) + 1


@pytest.mark.parametrize("routing_args", [
    {"weights": {"c": 1}},
    {"weights": {"a": -1}},
    {"weights": {}, "fallback": []},
    {"weights": {"a": 1}, "fallback": ["a"]},
    {"weights": {"a": 1}, "header": ("Bad Header", "x", "b")},
])
def test_bad_routing_is_refused_and_nothing_changes(lab_env, net_lab: dict[str, Any],
                                                     routing_args: dict[str, Any]) -> None:
    from drconsole.errors import LabError
    from drconsole.lab.net.gateway import Routing, apply_routing, current_routing

    before = current_routing(lab_env)
    with pytest.raises(LabError, match="gateway routing refused"):
        apply_routing(lab_env, Routing(**routing_args))
    assert current_routing(lab_env) == before


def _vpc(env) -> str | None:
    return env.netns("vpc") if env.mode == "netns" else None


def test_a_failed_zone_is_not_retried_in_the_other_unless_the_route_asks(lab_env, net_lab: dict[str, Any]) -> None:
    """Without a retry policy a request sent to a dead zone fails; with one it is tried in the other zone."""
    from drconsole.lab.net.faults import all_faults
    from drconsole.lab.net.gateway import Routing, apply_routing

    zone_a = all_faults()["zone-a"]
    apply_routing(lab_env, Routing(weights={"a": 1, "b": 1}))
    zone_a.inject(lab_env)
    try:
        statuses = Counter(gateway_get(net_lab, path=ZONE_PAGE).status for _ in range(6))
        assert statuses[200] == 3 and sum(statuses.values()) == 6, statuses  # round robin: every 2nd one fails
        apply_routing(lab_env, Routing(weights={"a": 1, "b": 1}, retry=("error timeout http_502", 1, 0)))
        assert Counter(gateway_get(net_lab, path=ZONE_PAGE).status for _ in range(6)) == Counter({200: 6})
    finally:
        zone_a.heal(lab_env)
