"""What every lab part shares: the lab directory, its mode, its facts, and the part contract."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from drconsole.lab.supervisor import Supervisor
from drconsole.lab.timing import Timing, TimingName, timing_for

Mode = Literal["netns", "loopback"]
StartState = Literal["fresh", "built"]


@dataclass
class LabEnv:
    """One lab instance. `lab_id` keeps a test lab's namespaces apart from a developer's."""

    root: Path
    mode: Mode
    lab_id: str = ""
    start_state: StartState = "built"
    timing_name: TimingName = "fast"  # see drconsole.lab.timing
    # The lab AccessKey secret; None = from the keyring, else generated. Kept out of repr().
    access_key_secret: str | None = field(default=None, repr=False)
    supervisor: Supervisor = field(init=False)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.supervisor = Supervisor(self.root / "run")

    @property
    def timing(self) -> Timing:
        return timing_for(self.timing_name)

    @staticmethod
    def default_mode() -> Mode:
        return "netns" if os.geteuid() == 0 else "loopback"

    @staticmethod
    def id_for(root: Path) -> str:
        """A lab ID of its own for the lab kept in `root`, so labs under two homes never share a namespace."""
        return hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:6]

    def netns(self, short: str) -> str:
        """The name of one of the lab's network namespaces, e.g. netns('idc') -> 'drc-idc'."""
        return f"drc{self.lab_id}-{short}"

    def part_dir(self, part: str) -> Path:
        path = self.root / part
        path.mkdir(parents=True, exist_ok=True)
        return path

    # -- facts: what each part tells the others and the profile ----------------
    @property
    def facts_path(self) -> Path:
        return self.root / "facts.json"

    def facts(self) -> dict[str, Any]:
        try:
            return json.loads(self.facts_path.read_text())
        except (OSError, ValueError):
            return {}

    def set_facts(self, part: str, values: Mapping[str, Any]) -> None:
        facts = self.facts()
        facts[part] = dict(values)
        self.facts_path.write_text(json.dumps(facts, indent=2, sort_keys=True))

    # -- faults in force ------------------------------------------------------
    @property
    def faults_path(self) -> Path:
        return self.root / "faults.json"

    def broken(self) -> set[str]:
        try:
            return set(json.loads(self.faults_path.read_text()))
        except (OSError, ValueError):
            return set()

    def mark_broken(self, fault: str, broken: bool) -> None:
        faults = self.broken()
        (faults.add if broken else faults.discard)(fault)
        self.faults_path.write_text(json.dumps(sorted(faults)))


def replace_json(path: Path, value: Any, **dumps: Any) -> None:
    """Write `value` as JSON to `path` whole or not at all (a temporary file renamed over it), so a reader in
    another process never sees half of it."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value, **dumps))
    tmp.replace(path)


def free_port(host: str = "127.0.0.1") -> int:
    return free_ports([host])[0]


def free_ports(hosts: Sequence[str]) -> list[int]:
    """One free port per entry, all distinct: every socket stays bound until the last port is picked, so the
    kernel cannot hand out one port twice (a port closed between two picks can come back)."""
    with contextlib.ExitStack() as stack:
        ports = []
        for host in hosts:
            sock = stack.enter_context(socket.socket())
            sock.bind((host, 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


@dataclass
class Component:
    """One running piece of a part, as `drconsole lab status` shows it."""

    part: str
    name: str
    state: Literal["up", "down", "broken"]
    pid: int | None = None
    address: str = ""
    detail: str = ""


class Fault(Protocol):
    name: str
    description: str

    def inject(self, env: LabEnv) -> None: ...

    def heal(self, env: LabEnv) -> None: ...


@dataclass(frozen=True)
class CallbackFault:
    """A fault made of two functions, which is how the parts define theirs."""

    name: str
    description: str
    inject_fn: Callable[[LabEnv], None]
    heal_fn: Callable[[LabEnv], None]

    def inject(self, env: LabEnv) -> None:
        self.inject_fn(env)

    def heal(self, env: LabEnv) -> None:
        self.heal_fn(env)


class Part(Protocol):
    """A lab part (network, kube control planes, region). Parts start in the order listed in lab.py."""

    name: str

    def up(self, env: LabEnv) -> dict[str, Any]:
        """Start (idempotently) and return the facts other parts and the lab profile need."""
        ...

    def down(self, env: LabEnv) -> None: ...

    def status(self, env: LabEnv) -> list[Component]: ...

    def faults(self) -> Mapping[str, Fault]: ...
