"""Many writers: 8 processes create and write one journal at the same moment; none fails, no row is lost."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from drconsole.journal import Journal

WRITERS = 8
RUNS = 20
RESULTS = 10
WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from drconsole.journal import Journal
    from drconsole.results import CheckResult
    path, go, me, runs, results = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    while not go.exists():
        time.sleep(0.001)
    journal = Journal(path)  # all of them create the file and run the migrations at once
    for n in range(runs):
        run = journal.start_run(kind="sweep", profile="p", operator=me, runbook="zone-dr-hybrid")
        for k in range(results):
            journal.record_result(CheckResult(check="c", key=f"s/c{k}", title="t", family="f", status="pass",
                                              summary=f"{me} {n} {k}"), run_id=run, runbook="zone-dr-hybrid")
        journal.action_event(f"{me}-{n}", "test.write", "planned", me, run_id=run)
        journal.action_event(f"{me}-{n}", "test.write", "started", me, run_id=run)
        journal.action_event(f"{me}-{n}", "test.write", "succeeded", me, run_id=run)
        journal.finish_run(run, "pass")
    journal.close()
""")


def test_eight_concurrent_writers_lose_no_row(tmp_path: Path) -> None:
    path, go = tmp_path / "shared.sqlite", tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(go), f"w{i}", str(RUNS), str(RESULTS)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(WRITERS)]
    time.sleep(0.5)  # let them all reach the starting line
    go.touch()
    outputs = [p.communicate(timeout=600) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err
    journal = Journal(path)
    try:
        assert journal.integrity_ok()
        runs = journal.runs(limit=WRITERS * RUNS + 1)
        assert len(runs) == WRITERS * RUNS and all(r["outcome"] == "pass" for r in runs)
        per_writer = {f"w{i}": 0 for i in range(WRITERS)}
        for run in runs:
            per_writer[run["operator"]] += 1
            summaries = {r.summary for r in journal.results(run["id"])}
            assert len(summaries) == RESULTS
        assert set(per_writer.values()) == {RUNS}
        states = journal.action_states()
        assert len(states) == WRITERS * RUNS and {s.state for s in states} == {"succeeded"}
    finally:
        journal.close()
