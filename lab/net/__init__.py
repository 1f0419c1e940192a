"""The lab's network: BGP (BIRD), DNS (dnsmasq), private endpoints and the zone gateway (nginx)."""

from drconsole.lab.net.part import NetPart

PART = NetPart()

__all__ = ["PART"]
