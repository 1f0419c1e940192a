"""The lab's process supervisor and port picker, without a lab: a daemon that dies while starting is reported with
what it last said (that start's words only), and ports picked together never coincide."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from drconsole.errors import LabError
from drconsole.lab.env import free_ports
from drconsole.lab.supervisor import Daemon, Supervisor


def dying(name: str, words: str) -> Daemon:
    script = f"import sys; print({words!r}) if {words!r} else None; sys.exit(3)"
    return Daemon(name=name, argv=[sys.executable, "-c", script], ready=lambda: False, ready_timeout=30.0)


def test_a_daemon_dying_while_starting_is_reported_with_the_last_line_of_that_start(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path / "run")
    with pytest.raises(LabError) as first:
        supervisor.start(dying("etcd", "listen tcp 127.0.0.1:4001: bind: address already in use"))
    assert "status 3" in first.value.message
    assert "bind: address already in use" in first.value.message
    assert first.value.where == str(supervisor.log_path("etcd"))

    # The same daemon dies again saying nothing: the earlier start's words are not this start's.
    with pytest.raises(LabError) as second:
        supervisor.start(dying("etcd", ""))
    assert "status 3" in second.value.message
    assert "address already in use" not in second.value.message


def test_ports_picked_together_are_all_distinct() -> None:
    # Picked one at a time (bind, close, bind again), 600 ports repeat some with a probability of 1 - 1e-5
    # (about 13 repeats expected); 600 sockets stay within a default limit of 1024 open files.
    ports = free_ports(["127.0.0.1"] * 600)
    assert len(set(ports)) == len(ports)
