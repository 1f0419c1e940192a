"""One running region: its config, its resources, and its view of the lab's other parts."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from drconsole.lab.region.config import RegionConfig, read_flags
from drconsole.lab.region.kube import Plane, PlaneUnavailable
from drconsole.lab.region.store import Store
from drconsole.lab.timing import Timing

# How long the asynchronous things take on a real account (seconds; each figure's source, or UNCONFIRMED, is in
# docs/cloud-facts.md). The region waits them times its timing's transition_scale (drconsole.lab.timing).
TASK_SECONDS = 150.0
FLEET_CREATE_SECONDS = 200.0
ATTACH_SECONDS = 150.0
CEN_ATTACH_SECONDS = 100.0
TR_ATTACH_SECONDS = 100.0
ROUTE_SERVICE_SECONDS = 100.0
PEER_CREATE_SECONDS = 100.0


class _Transitions:
    """This process's transition_scale (1.0, a real account's times, until `use_timing`)."""

    scale = 1.0


def use_timing(timing: Timing) -> None:
    """Judge transitions at `timing`'s scale in this process: every process that reads the region's transitions
    (the region itself, the controllers) calls it once with its lab's timing."""
    _Transitions.scale = timing.transition_scale


def lasts(seconds: float) -> float:
    """How long a transition that takes `seconds` on a real account takes in this lab."""
    return seconds * _Transitions.scale


def settled(since: float, seconds: float, now: float | None = None) -> bool:
    """Whether a transition that takes `seconds` on a real account, begun at `since`, is over in this lab."""
    return (now or time.time()) - since >= lasts(seconds)


class Region:
    def __init__(self, region_dir: Path, config: RegionConfig, secret: str) -> None:
        self.dir = region_dir
        self.config = config
        self.secret = secret
        self.env = config.lab_env()
        use_timing(self.env.timing)
        self.store = Store(region_dir / "state.json")
        self._planes: dict[str, Plane] = {}
        self._planes_lock = threading.Lock()

    @property
    def region_id(self) -> str:
        return self.config.region

    def flags(self) -> set[str]:
        return read_flags(self.dir)

    def plane(self, name: str) -> Plane:
        """A client for a kube plane (raises PlaneUnavailable when the kube part is absent)."""
        with self._planes_lock:
            if name not in self._planes:
                self._planes[name] = Plane(self.env, name)
            return self._planes[name]

    def forget_plane(self, name: str) -> None:
        """Drop a cached client (its plane was restarted on another port, or went away)."""
        with self._planes_lock:
            plane = self._planes.pop(name, None)
        if plane is not None:
            plane.close()

    def facts(self, part: str) -> dict[str, Any]:
        return dict(self.env.facts().get(part) or {})


__all__ = ["PlaneUnavailable", "Region", "settled"]
