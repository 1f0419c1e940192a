"""The setup runbook's actions, headless, against a fresh lab: read-only sends nothing; the run
reaches a state where the full sweep passes; a second run is all "already done" and writes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.actions.helpers import drconsole, journal_events, kube_writes, region_log, run_id_of, writes_between

if TYPE_CHECKING:
    from drconsole.lab.env import LabEnv

pytestmark = [pytest.mark.lab]
FLEET_RESOURCES = {"namespaces", "applicationsets", "mseingressconfigs", "ingresses"}
IDC_RESOURCES = {"serviceaccounts", "clusterroles", "clusterrolebindings", "configmaps", "deployments"}


def writes(env: LabEnv) -> dict[str, dict[str, float]]:
    kube = env.facts()["kube"]
    return {"fleet": kube_writes(kube["kubeconfig"], kube["contexts"]["fleet"], FLEET_RESOURCES),
            "idc": kube_writes(kube["kubeconfig"], kube["contexts"]["idc"], IDC_RESOURCES)}


def mutating(env: LabEnv, since: int) -> list[dict[str, Any]]:
    return [r for r in region_log(env.facts())[since:] if r.get("mutating")]


def region_secret(env: LabEnv) -> str:
    """The AccessKey secret the fresh lab's region process was started with (its environment): the
    session fixture made it before this test's isolated keyring existed."""
    from pathlib import Path

    from drconsole.lab.region.config import SECRET_ENV
    from drconsole.lab.region.part import DAEMON

    pid = env.supervisor.pid(DAEMON)
    assert pid, "the fresh lab's region is not running"
    variables = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    found = [v.split(b"=", 1)[1].decode() for v in variables if v.startswith(SECRET_ENV.encode() + b"=")]
    assert found, "the region process has no secret in its environment"
    return found[0]


def test_setup_runbook_from_fresh_then_idempotent(fresh_lab: LabEnv) -> None:
    from drconsole import secrets
    from drconsole.lab.profile import write_lab_profile
    from drconsole.profile import load_profile

    profile = write_lab_profile(fresh_lab, name="fresh")
    assert profile.cloud.access_key_id
    secrets.store_secret("fresh", profile.cloud.access_key_id, region_secret(fresh_lab))
    assert profile.clusters.fleet.id is None and profile.clusters.registered.id is None

    start = len(region_log(fresh_lab.facts()))
    refused = drconsole("run", "zone-dr-hybrid", "--profile", "fresh", "--yes", "--read-only")
    assert refused.exit_code == 4, refused.output
    assert mutating(fresh_lab, start) == []

    first = drconsole("run", "zone-dr-hybrid", "--profile", "fresh", "--yes")
    assert first.exit_code == 0, first.output
    saved = load_profile("fresh")
    assert saved.clusters.fleet.id and saved.clusters.registered.id and saved.network.vbr_id
    assert saved.network.bgp_group_id and saved.network.bgp_peer_id and saved.network.cen_id
    assert mutating(fresh_lab, start), "the first run created nothing in the region"
    succeeded = [e for e in journal_events("fresh", run_id_of(first.output)) if e["kind"] == "succeeded"]
    assert any(e["data"]["request_ids"] for e in succeeded)

    sweep = drconsole("--profile", "fresh", "check")
    assert sweep.exit_code == 0, sweep.output

    before_log = len(region_log(fresh_lab.facts()))
    before_kube = writes(fresh_lab)
    second = drconsole("run", "zone-dr-hybrid", "--profile", "fresh", "--yes")
    assert second.exit_code == 0, second.output
    outcomes = [e for e in journal_events("fresh", run_id_of(second.output)) if e["kind"] not in ("planned",)]
    assert outcomes and {e["kind"] for e in outcomes} == {"already-done"}, outcomes
    assert len(outcomes) == 13  # every action of the runbook, eci.add-zones included
    assert mutating(fresh_lab, before_log) == []
    after_kube = writes(fresh_lab)
    assert {p: writes_between(before_kube[p], after_kube[p]) for p in after_kube} == {"fleet": {}, "idc": {}}
