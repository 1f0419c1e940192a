"""The region part: start the region API under the lab supervisor and tell the others its facts."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from drconsole.lab.env import Component, Fault, LabEnv, free_port
from drconsole.lab.region.config import REGION, SECRET_ENV, RegionConfig
from drconsole.lab.supervisor import Daemon

PART_NAME = "region"
DAEMON = "region-api"


def access_key_secret(env: LabEnv) -> str:
    """The lab AccessKey secret: the env's own, else the one made up for this lab (drconsole.lab.key)."""
    from drconsole.lab import key

    return env.access_key_secret or key.ensure(env.root)


def _listening(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True


def region_dir(env: LabEnv) -> Path:
    return env.part_dir(PART_NAME)


def _config(env: LabEnv) -> RegionConfig:
    directory = region_dir(env)
    try:
        return RegionConfig.load(directory)
    except (OSError, ValueError, TypeError):
        config = RegionConfig(lab_root=str(env.root), mode=env.mode, lab_id=env.lab_id,
                              start_state=env.start_state, timing=env.timing_name,
                              port=free_port())
        config.save(directory)
        return config


def read_state(env: LabEnv) -> dict[str, Any]:
    try:
        return dict(json.loads((region_dir(env) / "state.json").read_text()))
    except (OSError, ValueError):
        return {}


class RegionPart:
    name = PART_NAME

    def up(self, env: LabEnv) -> dict[str, Any]:
        config = _config(env)
        env.supervisor.start(Daemon(
            name=DAEMON,
            argv=[sys.executable, "-m", "drconsole.lab.region", "serve", "--dir", str(region_dir(env))],
            env={SECRET_ENV: access_key_secret(env)},
            ready=lambda: _listening(config.port),
            ready_timeout=30.0,
            extra={"address": f"127.0.0.1:{config.port}"},
        ))
        from drconsole.lab.region.faults import ensure_agent, ensure_capacity

        ensure_agent(env)
        ensure_capacity(env)
        facts = self.facts(env)
        env.set_facts(self.name, facts)
        return facts

    def facts(self, env: LabEnv) -> dict[str, Any]:
        from drconsole.lab.region.seed import facts_ids

        config = _config(env)
        return {
            "endpoint": f"127.0.0.1:{config.port}", "protocol": "http", "region": REGION,
            "access_key_id": config.access_key_id, "request_log": str(region_dir(env) / "requests.jsonl"),
            "start_state": config.start_state, "ids": facts_ids(read_state(env)),
        }

    def down(self, env: LabEnv) -> None:
        env.supervisor.stop(DAEMON)

    def status(self, env: LabEnv) -> list[Component]:
        from drconsole.lab.region.config import API_FAULTS, read_flags

        pid = env.supervisor.pid(DAEMON)
        flags = read_flags(region_dir(env)) & API_FAULTS
        state = "broken" if pid and flags else ("up" if pid else "down")
        try:
            address = f"127.0.0.1:{RegionConfig.load(region_dir(env)).port}"
        except (OSError, ValueError, TypeError):
            address = ""
        return [Component(self.name, DAEMON, state, pid, address, ", ".join(sorted(flags)))]

    def faults(self) -> Mapping[str, Fault]:
        from drconsole.lab.region.faults import all_faults

        return all_faults()
