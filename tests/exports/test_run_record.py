"""The run record end to end, with every journal row written by the real sweep and the real runner: a sweep
and a failover on the lab, each exported in all four formats; then the profile file and the runbooks are
edited and the exports, made again, are the same documents (the export time aside)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from drconsole.findings import lookup
from drconsole.profile import Profile
from tests.actions.helpers import drconsole, run_id_of
from tests.actions.test_failover import zone_a_broken  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.lab]
FORMATS = ("md", "html", "json", "junit")


def exports(profile: str, run_id: int, folder: Path) -> dict[str, str]:
    """Every format of run `run_id`, as `drconsole export` writes it, the export time left out."""
    texts = {}
    folder.mkdir(exist_ok=True)
    for fmt in FORMATS:
        target = folder / f"run-{run_id}.{fmt}"
        done = drconsole("export", "--profile", profile, "--run", str(run_id), "--format", fmt, "-o", str(target))
        assert done.exit_code == 0, done.output
        texts[fmt] = target.read_text()
    document = json.loads(texts["json"])
    document.pop("generated_at")
    texts["json"] = json.dumps(document, sort_keys=True)
    texts["html"] = re.sub(r"exported [^<]*</li>", "exported …</li>", texts["html"])
    return texts


def copy_runbooks(folder: Path) -> dict[str, Path]:
    from drconsole.runbooks.loader import shipped_runbooks

    folder.mkdir()
    return {name: Path(shutil.copy(path, folder / path.name)) for name, path in shipped_runbooks().items()}


def latest_sweep(profile: str) -> int:
    from drconsole.journal import Journal

    journal = Journal.for_profile(profile)
    try:
        return next(int(run["id"]) for run in journal.runs() if run["kind"] == "sweep")
    finally:
        journal.close()


@pytest.mark.usefixtures("zone_a_broken")
def test_a_sweep_and_a_failover_export_from_the_journal_alone(lab_profile: Profile, tmp_path: Path) -> None:
    from drconsole.profile import profile_path, save_profile

    name = lab_profile.name
    books = copy_runbooks(tmp_path / "books")
    swept = drconsole("check", "--profile", name, "--runbook", str(books["zone-failover"]), "--step", "detect")
    assert swept.exit_code == 1, swept.output  # zone A is broken
    sweep_id = latest_sweep(name)
    zone_b = str(lab_profile.clusters.registered.zone)
    failover = drconsole("run", str(books["zone-failover"]), "--profile", name, "--step", "decide", "--step",
                         "shift", "--step", "verify", "--yes", "--confirm-target", zone_b)
    assert failover.exit_code == 0, failover.output
    failover_id = run_id_of(failover.output)

    before = {run: exports(name, run, tmp_path / "before") for run in (sweep_id, failover_id)}
    record = json.loads(before[failover_id]["json"])
    recovery = record["recovery_seconds"]
    assert isinstance(recovery, float) and 0 < recovery < 60
    assert f"{recovery:.1f} s" in before[failover_id]["md"] and f"{recovery:.1f} s" in before[failover_id]["html"]
    states = {step["id"]: step["state"] for step in record["steps"]}
    assert states["decide"] == states["shift"] == states["verify"] == "done"
    verify = next(a for step in record["steps"] for a in step["actions"] if a["action"] == "traffic.verify")
    assert verify["recovery_s"] == recovery and verify["served_zone"] == "b"
    pin = next(a for step in record["steps"] for a in step["actions"] if a["action"] == "traffic.pin")
    assert pin["state"] == "succeeded" and "confirmed" in [e["kind"] for e in pin["events"]]
    assert record["runbook"]["recorded"] and record["profile"]["name"] == name
    assert record["profile"] == lab_profile.model_dump(mode="json", exclude_none=True)

    swept_record = json.loads(before[sweep_id]["json"])
    peer = next(c for step in swept_record["steps"] for c in step["checks"] if c["check"] == "bgp.peer-established")
    assert peer["params"]["vbr_id"] == lab_profile.network.vbr_id
    failing = {c["key"]: c["code"] for step in swept_record["steps"] for c in step["checks"] if c["status"] == "fail"}
    assert "detect/zone-a" in failing
    assert all(lookup(code).severity == "fail" for code in failing.values()), failing  # the sweep's codes, kept

    # Edit the profile file and both runbooks: the records of the past runs do not change.
    edited = lab_profile.model_copy(update={"description": "edited after the drill"}, deep=True)
    edited.gateway.namespace = "moved"
    save_profile(edited, profile_path(name))
    try:
        for path in books.values():
            path.write_text(path.read_text().replace("title: ", "title: EDITED ", 3))
        after = {run: exports(name, run, tmp_path / "after") for run in (sweep_id, failover_id)}
    finally:
        save_profile(lab_profile, profile_path(name))  # the clean-up pins traffic back with it
    assert after == before
