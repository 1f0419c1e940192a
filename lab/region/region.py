"""One running region: its config, its resources, and its view of the lab's other parts."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from drconsole.lab.region.config import RegionConfig, read_flags
from drconsole.lab.region.kube import Plane, PlaneUnavailable
from drconsole.lab.region.store import Store

# How long the asynchronous things take in the lab (seconds).
TASK_SECONDS = 1.5
FLEET_CREATE_SECONDS = 2.0
ATTACH_SECONDS = 1.5
CEN_ATTACH_SECONDS = 1.0
TR_ATTACH_SECONDS = 1.0
ROUTE_SERVICE_SECONDS = 1.0
PEER_CREATE_SECONDS = 1.0


def settled(since: float, seconds: float, now: float | None = None) -> bool:
    return (now or time.time()) - since >= seconds


class Region:
    def __init__(self, region_dir: Path, config: RegionConfig, secret: str) -> None:
        self.dir = region_dir
        self.config = config
        self.secret = secret
        self.env = config.lab_env()
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
