"""The kernel's route decisions from a vantage, for whole ranges: one address inside each, asked in one batch."""

from __future__ import annotations

import ipaddress

from drconsole import vantage


def probe_address(network: ipaddress.IPv4Network) -> str:
    """An address inside the range: the address itself for a /32, else the first host."""
    return str(network.network_address if network.num_addresses == 1 else network.network_address + 1)


def decisions(where: str | None,
              networks: list[ipaddress.IPv4Network]) -> list[tuple[ipaddress.IPv4Network, vantage.Route]]:
    """How the kernel at `where` routes each range (one entry into the namespace, one netlink socket)."""
    routes = vantage.route_get_many(where, [probe_address(network) for network in networks])
    return list(zip(networks, routes, strict=True))
