"""The lab's Alibaba Cloud region: one HTTP service speaking the cs, adcp, vpc, cbn and mse wire
protocols to the official SDKs, its answers derived from the lab's real parts."""

from drconsole.lab.region.part import RegionPart

PART = RegionPart()

__all__ = ["PART"]
