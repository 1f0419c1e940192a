"""The journal survives processes: what one writes another reads; a killed action shows as interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from drconsole.journal import Journal

WRITER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from drconsole.journal import Journal
    from drconsole.results import CheckResult, Evidence
    j = Journal(Path(sys.argv[1]))
    run = j.start_run(kind="sweep", profile="p", operator="alice", runbook="zone-dr-hybrid")
    j.record_result(CheckResult(check="bgp.peer", key="network.bgp-vbr/bgp.peer", title="BGP peer", family="bgp",
                                status="fail", summary="BGP session with 10.200.0.2 is Idle", code="BGP-PEER-IDLE",
                                cause="Idle",
                                evidence=[Evidence(source="vpc:DescribeBgpPeers", answer={"BgpStatus": "Idle"})]),
                    run_id=run, runbook="zone-dr-hybrid")
    j.confirm("zone-dr-hybrid", "network.express-connect", "circuit", "alice", note="ticket 42")
    j.finish_run(run, "fail")
    j.action_event("a1", "fleet.create", "started", "alice", run_id=run)
    if sys.argv[2] == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    j.action_event("a1", "fleet.create", "succeeded", "alice", run_id=run)
""")


def _write(path: Path, mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", WRITER, str(path), mode], capture_output=True, text=True,
                          timeout=60, check=False)


def test_what_one_process_writes_another_reads(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    assert _write(path, "finish").returncode == 0
    journal = Journal(path)
    [run] = journal.runs()
    assert (run["operator"], run["outcome"], run["runbook"]) == ("alice", "fail", "zone-dr-hybrid")
    [result] = journal.results(run["id"])
    assert result.summary == "BGP session with 10.200.0.2 is Idle"
    assert result.evidence[0].answer == {"BgpStatus": "Idle"}
    assert journal.confirmations("zone-dr-hybrid")[("network.express-connect", "circuit")]["note"] == "ticket 42"
    assert [s.state for s in journal.action_states()] == ["succeeded"]
    assert journal.schema_version() >= 1 and journal.integrity_ok()


def test_a_process_killed_mid_action_leaves_it_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    done = _write(path, "kill")
    assert done.returncode == -signal.SIGKILL
    journal = Journal(path)
    assert journal.integrity_ok()
    [state] = journal.action_states()
    assert state.state == "interrupted"
    assert "re-verify" in state.data["reason"]
    reopened = Journal(path)
    assert [e["kind"] for e in reopened.action_events("a1")] == ["started", "interrupted"]


def test_wal_mode_and_private_location(isolated_home: Path) -> None:
    journal = Journal.for_profile("prod-hz")
    assert journal.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert str(journal.path).startswith(os.environ["XDG_STATE_HOME"])
