"""Kernel route decisions from a vantage namespace, against real routes in namespaces made here and
against `ip route get` asked of the same kernel."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator

import pytest

from drconsole.vantage import Route, VantageError, route_get, route_get_many

pytestmark = [pytest.mark.root, pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root")]

PREFIX = "drcrsx-"  # the namespaces these tests make (and remove)
EXTRA_ROUTES = 2_000
SETUP = """\
link add v0 type veth peer name v1
addr add 10.9.0.1/24 dev v0
addr add 10.8.0.1/24 dev v1
addr add 2001:db8::1/64 dev v0 nodad
link set lo up
link set v0 up
link set v1 up
route add default via 10.8.0.2
route add 192.168.0.0/16 via 10.9.0.2
route add 100.118.28.0/24 via 10.9.0.2
route add 100.118.28.128/25 via 10.8.0.2
route add unreachable 203.0.113.0/24
route add blackhole 198.51.100.0/24
route add prohibit 198.18.0.0/15
route add 2001:db8:5::/48 via 2001:db8::2
"""
DESTINATIONS = ["192.168.10.10", "100.118.28.1", "100.118.28.200", "8.8.8.8", "10.9.0.5", "10.9.0.1",
                "203.0.113.9", "198.51.100.1", "198.18.0.1", "172.16.0.1", "2001:db8:5::1", "2001:db9::1"]


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=60)


@pytest.fixture(scope="module")
def routed() -> Iterator[str]:
    """A namespace with connected, specific, default, unreachable, blackhole, prohibit and IPv6 routes,
    and EXTRA_ROUTES /29s under 172.16.0.0/12."""
    name = f"{PREFIX}{os.getpid()}"
    extra = "".join(f"route add 172.16.{i // 32}.{i % 32 * 8}/29 via 10.9.0.2\n" for i in range(EXTRA_ROUTES))
    ip("netns", "add", name)
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".batch") as batch:
            batch.write(SETUP + extra)
            batch.flush()
            ip("-n", name, "-batch", batch.name)
        yield name
    finally:
        ip("netns", "delete", name, check=False)


@pytest.fixture
def bare() -> Iterator[str]:
    """A namespace with no routes at all."""
    name = f"{PREFIX}{os.getpid()}-bare"
    ip("netns", "add", name)
    try:
        yield name
    finally:
        ip("netns", "delete", name, check=False)


def as_ip_says(namespace: str | None, destination: str) -> Route:
    """The decision as `ip route get` (and `ip route get fibmatch`) print it, in `namespace` or here."""
    where = ["-n", namespace] if namespace else []
    plain = ip("-j", *where, "route", "get", destination, check=False)
    if plain.returncode:
        return Route(destination, reachable=False, error=plain.stderr.strip().removeprefix("RTNETLINK answers: "))
    found = json.loads(plain.stdout)[0]
    entry = json.loads(ip("-j", *where, "route", "get", "fibmatch", destination).stdout)[0]["dst"]
    host_bits = 128 if ":" in destination else 32
    matched = entry if entry == "default" or "/" in entry else f"{entry}/{host_bits}"
    return Route(destination, reachable=True, gateway=found.get("gateway"), interface=found["dev"],
                 source=found.get("prefsrc"), matched=matched)


def test_every_decision_is_the_one_ip_route_get_prints(routed: str) -> None:
    decisions = route_get_many(routed, DESTINATIONS)
    assert [d.destination for d in decisions] == DESTINATIONS
    assert decisions == [as_ip_says(routed, d) for d in DESTINATIONS]


def test_longest_prefix_default_connected_and_refused(routed: str) -> None:
    by_destination = {d.destination: d for d in route_get_many(routed, DESTINATIONS)}
    assert by_destination["100.118.28.1"].matched == "100.118.28.0/24"
    assert by_destination["100.118.28.1"].gateway == "10.9.0.2"
    assert by_destination["100.118.28.200"].matched == "100.118.28.128/25"
    assert by_destination["100.118.28.200"].gateway == "10.8.0.2"
    assert by_destination["172.16.0.1"].matched == "172.16.0.0/29"
    default = by_destination["8.8.8.8"]
    assert (default.matched, default.gateway, default.interface, default.source) == ("default", "10.8.0.2", "v1",
                                                                                      "10.8.0.1")
    connected = by_destination["10.9.0.5"]
    assert (connected.gateway, connected.interface, connected.matched) == (None, "v0", "10.9.0.0/24")
    assert by_destination["10.9.0.1"].interface == "lo"
    assert by_destination["2001:db8:5::1"].gateway == "2001:db8::2"
    refused = {d: by_destination[d].error for d in ("203.0.113.9", "198.51.100.1", "198.18.0.1", "2001:db9::1")}
    assert refused == {"203.0.113.9": "No route to host", "198.51.100.1": "Invalid argument",
                       "198.18.0.1": "Permission denied", "2001:db9::1": "Network is unreachable"}
    assert all(not by_destination[d].reachable for d in refused)
    assert all(d.ms is not None and d.ms >= 0 for d in by_destination.values())


def test_one_lookup_is_the_batch_of_one(routed: str) -> None:
    assert route_get(routed, "100.118.28.200") == route_get_many(routed, ["100.118.28.200"])[0]
    assert route_get_many(routed, []) == []


def test_without_any_route_the_network_is_unreachable(bare: str) -> None:
    decision = route_get(bare, "8.8.8.8")
    assert not decision.reachable and decision.error == "Network is unreachable"
    assert decision.describe() == "no route to 8.8.8.8 (Network is unreachable)"


def test_a_namespace_made_again_under_its_name_is_the_one_asked(bare: str) -> None:
    """The resident thread of a vantage follows the namespace the name stands for now, not the one it joined."""
    assert route_get(bare, "10.7.0.9").error == "Network is unreachable"
    ip("netns", "delete", bare)
    ip("netns", "add", bare)
    ip("-n", bare, "link", "set", "lo", "up")
    ip("-n", bare, "addr", "add", "10.7.0.1/24", "dev", "lo")
    again = route_get(bare, "10.7.0.9")
    assert again == as_ip_says(bare, "10.7.0.9") and again.reachable


def test_no_vantage_asks_this_process_namespace() -> None:
    assert route_get(None, "127.0.0.1") == as_ip_says(None, "127.0.0.1")
    assert route_get(None, "8.8.8.8") == as_ip_says(None, "8.8.8.8")


def test_a_missing_namespace_or_a_bad_address_is_refused(routed: str) -> None:
    with pytest.raises(VantageError, match="does not exist"):
        route_get(f"{PREFIX}no-such-namespace", "8.8.8.8")
    with pytest.raises(ValueError):
        route_get_many(routed, ["8.8.8.8", "not-an-address"])
