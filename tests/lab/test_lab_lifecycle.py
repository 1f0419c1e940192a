"""The lab as a whole recovers from what a newcomer can do to it: a part that fails to start leaves
nothing running and the next `up` works; labs under two homes keep apart; breaking or healing a lab
that is not up changes nothing and says so."""

from __future__ import annotations

import json
import os
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from drconsole.errors import LabError
from drconsole.lab.env import LabEnv
from drconsole.lab.lab import Lab, PartFailed
from drconsole.lab.net.netns import netns_exists

pytestmark = [pytest.mark.lab]
SESSION_ID = os.environ.get("DRCONSOLE_TEST_LAB_ID", "t")


def lab_env(root: Path, lab_id: str) -> LabEnv:
    return LabEnv(root=root, mode=LabEnv.default_mode(), lab_id=lab_id, access_key_secret=secrets.token_urlsafe(30))


def running(lab: Lab) -> list[str]:
    return [f"{c.part}/{c.name}" for c in lab.status() if c.pid]


def namespaces_left(env: LabEnv) -> list[str]:
    return [ns for ns in (env.netns("idc"), env.netns("vpc")) if netns_exists(ns)]


@pytest.fixture
def held_port() -> Iterator[socket.socket]:
    """A port another program holds: bound, not listening (so nothing answers on it, and nobody else can
    bind it)."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    yield holder
    holder.close()


def test_a_part_that_fails_stops_the_lab_and_the_next_up_works(tmp_path: Path, held_port: socket.socket) -> None:
    from drconsole.lab import net, region
    from drconsole.lab.region.config import RegionConfig
    from drconsole.lab.region.part import region_dir

    env = lab_env(tmp_path / "lab", f"{SESSION_ID}u")
    lab = Lab(env, parts=[net.PART, region.PART])
    # The region API's recorded port is taken by another program by the time the lab starts.
    RegionConfig(lab_root=str(env.root), mode=env.mode, lab_id=env.lab_id, start_state=env.start_state,
                 port=held_port.getsockname()[1]).save(region_dir(env))
    try:
        with pytest.raises(PartFailed) as failed:
            lab.up()
        assert failed.value.part == "region"
        assert failed.value.where and Path(failed.value.where).name == "region-api.log"
        assert "lab up" not in (failed.value.fix or ""), "the fix must not be the command that just failed"
        assert running(lab) == [], "the network started before the region must be stopped again"
        assert namespaces_left(env) == []
        assert lab.state().phase == "down"

        held_port.close()  # the other program went away
        lab.up()
        assert lab.state().phase == "up"
        assert [c.name for c in lab.status() if not c.pid] == ["bgp-session"]  # a session has no process
    finally:
        lab.down()
    assert running(lab) == [] and namespaces_left(env) == []


def test_two_homes_get_their_own_lab_ids_and_run_side_by_side(tmp_path: Path) -> None:
    from drconsole.lab import net
    from drconsole.lab.net.gateway import ZONE_DAEMONS
    from drconsole.lab.net.layout import layout
    from drconsole.lab.net.probe import http_request

    roots = [tmp_path / "alice" / "lab", tmp_path / "bob" / "lab"]
    first, second = (lab_env(root, LabEnv.id_for(root)) for root in roots)
    assert first.lab_id != second.lab_id and first.lab_id == LabEnv.id_for(roots[0])
    assert first.netns("vpc") != second.netns("vpc")
    labs = [Lab(first, parts=[net.PART]), Lab(second, parts=[net.PART])]
    try:
        for lab in labs:
            lab.up()
        labs[0].break_("zone-a")
        assert first.supervisor.pid(ZONE_DAEMONS["a"]) is None
        assert second.supervisor.pid(ZONE_DAEMONS["a"]) is not None, "a fault in one lab reached the other"
        address, port = layout(second).zone_backend("a")
        ns = second.netns("vpc") if second.mode == "netns" else None
        # the other lab's zone A backend still answers HTTP (nothing is deployed in a network-only lab, so
        # it serves no page: nginx's own 403/404 is its answer)
        assert http_request(ns, address, port, "/", host="zone-a").status in (403, 404)
        labs[0].down()
        assert labs[1].state().phase == "up", "stopping one lab stopped the other"
        assert http_request(ns, address, port, "/", host="zone-a").status in (403, 404)
    finally:
        for lab in labs:
            lab.down()


def test_break_and_heal_on_a_stopped_lab_change_nothing_and_say_so(tmp_path: Path) -> None:
    from drconsole.cli.main import cli

    env = {"DRCONSOLE_LAB_DIR": str(tmp_path / "lab")}
    root = tmp_path / "lab"
    for command in ("break", "heal"):
        result = CliRunner().invoke(cli, ["lab", command, "zone-a"], env=env)
        assert result.exit_code != 0, result.output
        assert "not running" in result.output and "drconsole lab up" in result.output
    lab_json = json.loads((root / "lab.json").read_text())
    never_up = LabEnv(root=root, mode=lab_json["mode"], lab_id=lab_json["lab_id"])
    assert not never_up.faults_path.exists() and not (root / "region" / "faults.json").exists()
    assert never_up.supervisor.names() == [], "a process was started"
    assert namespaces_left(never_up) == []
    status = CliRunner().invoke(cli, ["lab", "status", "--json"], env=env)
    assert status.exit_code == 0 and json.loads(status.output)["phase"] == "down"


def test_an_unknown_fault_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(LabError) as raised:
        Lab(lab_env(tmp_path / "lab", f"{SESSION_ID}n")).break_("zone-z")
    assert "zone-a" in (raised.value.fix or "")


def test_up_converges_over_a_dead_daemon_and_leftover_namespaces(tmp_path: Path) -> None:
    import signal
    import subprocess

    from drconsole.lab import net
    from drconsole.lab.net.gateway import ZONE_DAEMONS

    env = lab_env(tmp_path / "lab", f"{SESSION_ID}c")
    lab = Lab(env, parts=[net.PART])
    try:
        lab.up()
        pid = env.supervisor.pid(ZONE_DAEMONS["b"])
        assert pid
        os.kill(pid, signal.SIGKILL)  # a crash: its PID record stays behind, stale
        assert lab.state().phase == "partly up"
        lab.up()
        assert lab.state().phase == "up" and env.supervisor.pid(ZONE_DAEMONS["b"]) not in (None, pid)
        if env.mode == "netns":  # namespaces of this lab's names that nobody owns any more
            lab.down()
            for ns in (env.netns("idc"), env.netns("vpc")):
                subprocess.run(["ip", "netns", "add", ns], check=True, timeout=10)
            lab.up()
            assert lab.state().phase == "up"
    finally:
        lab.down()
    assert running(lab) == [] and namespaces_left(env) == []
