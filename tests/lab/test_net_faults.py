"""Every fault of the lab network: break it, see the real effect, heal it, see the recovery."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.fixtures.net import (
    ZONE_PAGE,
    bgp_open,
    gateway_get,
    https,
    kernel_routes,
    resolve,
    route_get,
    wait_until,
    zone_of,
)

pytestmark = [pytest.mark.lab]

SERVICE_PREFIXES = ["100.118.28.0/24", "100.114.102.0/24", "100.98.170.0/24", "100.118.31.0/24",
                    "100.103.9.188", "100.103.7.181"]
INTERNET = "203.0.113.254"


@contextmanager
def broken(env, name: str) -> Iterator[None]:
    from drconsole.lab.lab import Lab
    from drconsole.lab.net import PART

    lab = Lab(env, parts=[PART])
    lab.break_(name)
    try:
        yield
    finally:
        lab.heal(name)


def component(env, name: str):
    from drconsole.lab.net import PART

    return next(c for c in PART.status(env) if c.name == name)


def learnt(env, facts: dict[str, Any]) -> set[str]:
    """What the data center learnt over BGP: kernel routes (namespace mode) or BIRD's table."""
    if facts["routes"]["kernel_table"]:
        return set(kernel_routes(facts))
    from drconsole.lab.net.bgp import idc_routes

    return {p.removesuffix("/32") for p in idc_routes(env)}


def session_state(env) -> str:
    from drconsole.lab.net.bgp import bgp_session

    return str(bgp_session(env)["state"])


def test_vbr_speaks_bgp_only_with_its_configured_peer(net_lab: dict[str, Any]) -> None:
    """CreateBgpPeer has no passive or probe mode: an OPEN from another data-center host gets no OPEN back."""
    try:
        reply = bgp_open(net_lab)
    except ConnectionError:
        reply = None
    assert not reply or reply[18] != 1, reply


def vbr_learnt(env) -> list[str]:
    from drconsole.lab.net.bgp import vbr_routes

    return vbr_routes(env)


def test_bgp_session_down_withdraws_every_route(lab_env, net_lab: dict[str, Any]) -> None:
    assert "192.168.0.0/16" in learnt(lab_env, net_lab)
    assert vbr_learnt(lab_env) == net_lab["cidrs"]["idc"]
    with broken(lab_env, "bgp"):
        wait_until(lambda: "192.168.0.0/16" not in learnt(lab_env, net_lab), 5, "VPC route withdrawn")
        assert session_state(lab_env) == "Idle"
        assert not set(SERVICE_PREFIXES) & learnt(lab_env, net_lab)
        assert vbr_learnt(lab_env) == []  # and the VBR forgets the data center's
        if net_lab["routes"]["kernel_table"]:
            assert route_get(net_lab, "100.118.28.1")["gateway"] == INTERNET
        assert component(lab_env, "bgp-session").state == "broken"
    assert session_state(lab_env) == "Established"
    assert set(SERVICE_PREFIXES) | {"192.168.0.0/16"} <= learnt(lab_env, net_lab)
    assert vbr_learnt(lab_env) == net_lab["cidrs"]["idc"]
    assert component(lab_env, "bgp-session").state == "up"


def test_bgp_routes_fault_withdraws_only_the_service_ranges(lab_env, net_lab: dict[str, Any]) -> None:
    with broken(lab_env, "bgp-routes"):
        wait_until(lambda: not set(SERVICE_PREFIXES) & learnt(lab_env, net_lab), 5, "OSS/ACR routes withdrawn")
        assert "192.168.0.0/16" in learnt(lab_env, net_lab)
        assert session_state(lab_env) == "Established"
        if net_lab["routes"]["kernel_table"]:
            assert route_get(net_lab, "100.118.28.1")["gateway"] == INTERNET
            assert route_get(net_lab, "100.103.9.188")["gateway"] == INTERNET
            assert route_get(net_lab, "192.168.10.10")["gateway"] == net_lab["bgp"]["vbr_ip"]
    assert set(SERVICE_PREFIXES) <= learnt(lab_env, net_lab)
    if net_lab["routes"]["kernel_table"]:
        assert route_get(net_lab, "100.118.28.1")["gateway"] == net_lab["bgp"]["vbr_ip"]


def test_idc_routes_fault_withdraws_only_the_data_centers_prefixes(lab_env, net_lab: dict[str, Any]) -> None:
    from drconsole.lab.net.bgp import bgp_session

    with broken(lab_env, "idc-routes"):
        wait_until(lambda: not vbr_learnt(lab_env), 5, "IDC prefixes withdrawn from the VBR")
        session = bgp_session(lab_env)
        assert (session["state"], session["received"]) == ("Established", 0)
        assert set(SERVICE_PREFIXES) | {"192.168.0.0/16"} <= learnt(lab_env, net_lab)
        assert component(lab_env, "bgp-session").state == "broken"
    assert vbr_learnt(lab_env) == net_lab["cidrs"]["idc"]
    assert bgp_session(lab_env)["received"] == 1


def test_link_fault_makes_the_peer_go_quiet(lab_env, net_lab: dict[str, Any]) -> None:
    with broken(lab_env, "link"):
        cut = time.monotonic()
        assert bgp_open(net_lab, timeout=1.0) is None  # silence: no refusal, no OPEN
        wait_until(lambda: session_state(lab_env) != "Established", 8, "the VBR noticing the dead peer")
        vbr_noticed = time.monotonic() - cut
        wait_until(lambda: "192.168.0.0/16" not in learnt(lab_env, net_lab), 8, "routes withdrawn")
        withdrawn = time.monotonic() - cut
        if net_lab["routes"]["kernel_table"]:  # (a frozen loopback VBR cannot be asked)
            assert vbr_learnt(lab_env) == []
        # hold time 3 s, keepalive 1 s: each side gives up a few seconds after the last keepalive
        assert vbr_noticed < 5.0 and withdrawn < 8.0, (vbr_noticed, withdrawn)
    assert session_state(lab_env) == "Established"
    assert "192.168.0.0/16" in learnt(lab_env, net_lab)
    assert vbr_learnt(lab_env) == net_lab["cidrs"]["idc"]


def test_dns_down_times_out(lab_env, net_lab: dict[str, Any]) -> None:
    import dns.exception
    import dns.resolver

    with broken(lab_env, "dns"):
        with pytest.raises((dns.exception.Timeout, dns.resolver.NoNameservers)):
            resolve(net_lab, net_lab["names"]["oss"], lifetime=0.6)
        assert component(lab_env, "dnsmasq").state == "broken"
    assert resolve(net_lab, net_lab["names"]["oss"]) == [net_lab["endpoints"]["oss"]["address"]]


def test_dns_wrong_answers_a_public_address(lab_env, net_lab: dict[str, Any]) -> None:
    names = net_lab["names"]
    with broken(lab_env, "dns-wrong"):
        assert resolve(net_lab, names["acr"]) == [net_lab["dns"]["wrong_answer"]]
        assert resolve(net_lab, names["oss"]) == [net_lab["endpoints"]["oss"]["address"]]
    assert resolve(net_lab, names["acr"]) == [net_lab["endpoints"]["acr"]["address"]]


@pytest.mark.parametrize(("fault", "down", "still_up"), [("endpoint-acr", "acr", "oss"),
                                                          ("endpoint-oss", "oss", "acr")])
def test_endpoint_down_refuses(lab_env, net_lab: dict[str, Any], fault: str, down: str, still_up: str) -> None:
    expected = {"acr": 401, "oss": 403}
    with broken(lab_env, fault):
        with pytest.raises(ConnectionRefusedError):
            https(net_lab, down, "/v2/")
        assert https(net_lab, still_up, "/v2/").status == expected[still_up]
    assert https(net_lab, down, "/v2/").status == expected[down]


@pytest.mark.usefixtures("gateway_routing", "zone_pages")
def test_zone_a_down_fails_over_or_502(lab_env, net_lab: dict[str, Any]) -> None:
    from drconsole.lab.net.gateway import Routing, apply_routing

    with broken(lab_env, "zone-a"):
        # no retry into the fallback zone within one request: the fallback is a new route, planned once
        # Kubernetes marks zone A's endpoints unready
        apply_routing(lab_env, Routing(weights={"a": 100}, fallback=["b"]))
        assert gateway_get(net_lab, path=ZONE_PAGE).status == 502
        apply_routing(lab_env, Routing(weights={"b": 1}, fallback=["a"]))
        reply = gateway_get(net_lab, path=ZONE_PAGE)
        assert reply.status == 200 and zone_of(reply) == "cn-hangzhou-i"
    apply_routing(lab_env, Routing(weights={"a": 100}, fallback=["b"]))
    # The lab's gateway controller (when it runs) also reroutes on the break and the heal, a moment later:
    # what must hold is that zone A serves again once healed.
    wait_until(lambda: (reply := gateway_get(net_lab, path=ZONE_PAGE)).status == 200
               and zone_of(reply) == "cn-hangzhou-h",
               8, "zone A serving again")


@pytest.mark.usefixtures("gateway_routing", "zone_pages")
def test_zone_b_down_gives_502_for_zone_b_only(lab_env, net_lab: dict[str, Any]) -> None:
    from drconsole.lab.net.gateway import Routing, apply_routing

    with broken(lab_env, "zone-b"):
        apply_routing(lab_env, Routing(weights={"b": 1}))
        assert gateway_get(net_lab, path=ZONE_PAGE).status == 502
        apply_routing(lab_env, Routing(weights={"a": 1}))
        assert zone_of(gateway_get(net_lab, path=ZONE_PAGE)) == "cn-hangzhou-h"
        assert component(lab_env, "nginx-zone-b").state == "broken"
    apply_routing(lab_env, Routing(weights={"b": 1}))
    wait_until(lambda: gateway_get(net_lab, path=ZONE_PAGE).status == 200, 4, "zone B back")


@pytest.mark.usefixtures("gateway_routing", "zone_pages")
def test_zone_a_hang_gives_504_in_about_two_seconds(lab_env, net_lab: dict[str, Any]) -> None:
    from drconsole.lab.net.gateway import Routing, apply_routing

    apply_routing(lab_env, Routing(weights={"a": 100}))
    with broken(lab_env, "zone-a-hang"):
        reply = gateway_get(net_lab, path=ZONE_PAGE)
        assert reply.status == 504
        assert 1.5 < reply.elapsed < 3.5, reply.elapsed
        assert component(lab_env, "nginx-zone-a").state == "broken"
        apply_routing(lab_env, Routing(weights={"b": 1}, fallback=["a"]))
        assert zone_of(gateway_get(net_lab, path=ZONE_PAGE)) == "cn-hangzhou-i"
    apply_routing(lab_env, Routing(weights={"a": 100}))
    wait_until(lambda: (reply := gateway_get(net_lab, path=ZONE_PAGE)).status == 200
               and zone_of(reply) == "cn-hangzhou-h",
               4, "zone A answering again")
    assert gateway_get(net_lab, path=ZONE_PAGE).elapsed < 0.5
