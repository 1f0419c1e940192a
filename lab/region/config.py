"""What the region process is started with: `config.json` in the region directory (no secret;
the secret comes only through the environment variable SECRET_ENV)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from drconsole.lab.env import LabEnv, Mode, StartState, replace_json
from drconsole.lab.timing import TimingName

SECRET_ENV = "DRCONSOLE_LAB_REGION_SECRET"
ACCESS_KEY_ID = "LTAI5tDrLabAccessKey0001"
REGION = "cn-hangzhou"
ZONE_A = f"{REGION}-h"
ZONE_B = f"{REGION}-i"


@dataclass(frozen=True)
class RegionConfig:
    lab_root: str
    mode: Mode
    lab_id: str
    start_state: StartState
    port: int
    access_key_id: str = ACCESS_KEY_ID
    region: str = REGION
    timing: TimingName = "fast"  # see drconsole.lab.timing
    legacy_cen: bool = False  # the account already has a CEN built before transit routers (Basic Edition)

    @staticmethod
    def path(region_dir: Path) -> Path:
        return region_dir / "config.json"

    @classmethod
    def load(cls, region_dir: Path) -> RegionConfig:
        return cls(**json.loads(cls.path(region_dir).read_text()))

    def save(self, region_dir: Path) -> None:
        self.path(region_dir).write_text(json.dumps(asdict(self), indent=2))

    def lab_env(self) -> LabEnv:
        return LabEnv(root=Path(self.lab_root), mode=self.mode, lab_id=self.lab_id, start_state=self.start_state,
                      timing_name=self.timing)


# The faults that change how the region's API answers every call (the rest change what it holds).
API_FAULTS = frozenset({"region-throttle", "region-5xx", "region-slow", "region-lost-response", "clock-skew"})


def flags_path(region_dir: Path) -> Path:
    """Faults in force that the region process itself acts on (read on every request)."""
    return region_dir / "faults.json"


def read_flags(region_dir: Path) -> set[str]:
    try:
        return set(json.loads(flags_path(region_dir).read_text()))
    except (OSError, ValueError):
        return set()


def set_flag(region_dir: Path, name: str, on: bool) -> None:
    flags = read_flags(region_dir)
    (flags.add if on else flags.discard)(name)
    replace_json(flags_path(region_dir), sorted(flags))
