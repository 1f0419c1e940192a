"""The setup runbook's actions, headless, against a fresh lab: read-only sends nothing; the run
reaches a state where the full sweep passes; a second run is all "already done" and writes nothing.
A new CEN takes the transit-router path; an account with a legacy CEN takes the child-instance path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.actions.helpers import drconsole, journal_events, kube_writes, region_log, run_id_of, writes_between
from tests.fixtures.net import wait_until

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
    assert len(outcomes) == 15  # every action of the runbook: network.service-routes, eci.add-zones, gitops.beacon
    assert mutating(fresh_lab, before_log) == []
    after_kube = writes(fresh_lab)
    assert {p: writes_between(before_kube[p], after_kube[p]) for p in after_kube} == {"fleet": {}, "idc": {}}


@pytest.fixture
def legacy_fresh_lab(_fresh_lab_session: LabEnv) -> LabEnv:
    """The session's fresh lab rebuilt for an account that already has a legacy CEN (Basic Edition
    transit router); the next `fresh_lab` user rebuilds it plain."""
    import shutil

    from drconsole.lab.env import free_port
    from drconsole.lab.lab import Lab
    from drconsole.lab.region.config import RegionConfig
    from drconsole.lab.region.part import region_dir
    from tests.fixtures.lab import USED_MARK

    env = _fresh_lab_session
    Lab(env).down()
    for child in env.root.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    RegionConfig(lab_root=str(env.root), mode=env.mode, lab_id=env.lab_id, start_state="fresh", port=free_port(),
                 legacy_cen=True).save(region_dir(env))
    Lab(env).up()
    (env.root / USED_MARK).touch()
    return env


def test_setup_runbook_with_a_legacy_cen(legacy_fresh_lab: LabEnv, tmp_path: Path) -> None:
    """Without the cloud-service routes the ACR/OSS route checks fail naming that step; after its
    action (route services on the legacy CEN) the run completes and the sweep passes."""
    from drconsole import secrets
    from drconsole.lab.profile import write_lab_profile
    from drconsole.runbooks.loader import load_runbook

    profile = write_lab_profile(legacy_fresh_lab, name="legacy")
    assert profile.network.cen_id and profile.cloud.access_key_id  # the account's CEN, recorded by the operator
    secrets.store_secret("legacy", profile.cloud.access_key_id, region_secret(legacy_fresh_lab))
    start = len(region_log(legacy_fresh_lab.facts()))
    steps = [s.id for s in load_runbook("zone-dr-hybrid").steps if s.id != "network.service-routes"]
    without = drconsole("run", "zone-dr-hybrid", "--profile", "legacy", "--yes", *[f"--step={s}" for s in steps])
    assert without.exit_code == 0, without.output
    report = tmp_path / "routes.json"
    swept = drconsole("--profile", "legacy", "check", "--step", "network.routes-acr", "--step", "network.routes-oss",
                      "--format", "json", "--output", str(report))
    assert swept.exit_code == 1, swept.output
    results = [c for step in json.loads(report.read_text())["steps"] for c in step["checks"]]
    failed = [r for r in results if r["check"] == "routes.via-vbr"]
    assert len(failed) == 2
    assert {(r["code"], r["fix_step"]) for r in failed} == {("ROUTE-NOT-VIA-VBR", "network.service-routes")}
    run = drconsole("run", "zone-dr-hybrid", "--profile", "legacy", "--yes")
    assert run.exit_code == 0, run.output
    sent = [r["action"] for r in mutating(legacy_fresh_lab, start)]
    assert "AttachCenChildInstance" in sent and "ResolveAndRouteServiceInCen" in sent
    assert not [a for a in sent if "TransitRouter" in a or a == "CreateCen"]
    # routes the cloud now sends to the VBR reach the data center's table through BGP a moment later
    wait_until(lambda: drconsole("--profile", "legacy", "check").exit_code == 0, 60, "the sweep passing after the run")
