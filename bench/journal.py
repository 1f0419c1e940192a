"""The journal: what the integrity check costs at start, and how fast 8 processes write one journal at once.

1. Journals of 100, 1,000 and 5,000 sweeps (47 results each, with evidence) are built; opening each is timed
   (what a command or the console waits for: the whole quick_check up to 8 MiB, above that the schema and the
   newest rows, the quick_check then running in a thread) and the whole quick_check alone (medians of 5, page
   cache warm, as on a second start).
2. 8 writer processes, started together, each write runs of 47 results plus the planned/confirmed/started/
   succeeded events of one action per run (the run, its end and those four durable: fsync of the WAL), into one
   journal; against one process writing the same rows alone. Rows per second for both, and the ratio.

    cd bench && ../.venv/bin/python journal.py
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from common import line, median, private_home

RESULTS = 47
SIZES = (100, 300, 1_000, 5_000)
WRITERS = 8
RUNS_PER_WRITER = 10
WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from drconsole.journal import Journal
    from drconsole.results import CheckResult, Evidence
    path, go, me, runs = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    journal = Journal(path)
    while not go.exists():
        time.sleep(0.001)
    for n in range(runs):
        run = journal.start_run(kind="sweep", profile="bench", operator=me, runbook="zone-dr-hybrid")
        for k in range(47):
            journal.record_result(CheckResult(check="c", key=f"s/c{k}", title="t", family="f", status="pass",
                                              summary="ok", evidence=[Evidence(source="x", answer="y" * 300)]),
                                  run_id=run, runbook="zone-dr-hybrid")
        for kind in ("planned", "confirmed", "started", "succeeded"):
            journal.action_event(f"{me}-{n}", "bench.write", kind, me, run_id=run)
        journal.finish_run(run, "pass")
    journal.close()
""")
ROWS_PER_RUN = 1 + RESULTS + 4 + 1  # run, results, action events, run end
DURABLE_PER_RUN = 1 + 4 + 1  # all but the results fsync the WAL at commit


def build(path: Path, sweeps: int) -> None:
    """`sweeps` sweeps of 47 results, written in one transaction (the bench measures reading, not this)."""
    from drconsole.journal import Journal
    from drconsole.journal_db import GuardedConnection

    journal = Journal(path)
    evidence = json.dumps([{"source": "vpc:DescribeBgpPeers", "answer": {"BgpStatus": "Established" * 25}}])

    def rows(db: GuardedConnection) -> None:
        for n in range(sweeps):
            run = db.execute("INSERT INTO runs(kind, runbook, profile, operator, started, tool_version) "
                             "VALUES ('sweep', 'zone-dr-hybrid', 'bench', 'bench', ?, '0')", (time.time(),)).lastrowid
            db.executemany(
                "INSERT INTO check_results(run_id, runbook, step, check_name, title, key, family, status, summary, "
                "evidence, started, duration_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [(run, "zone-dr-hybrid", "s", "c", "t", f"s/c{k}", "f", "pass", f"{n}/{k}", evidence, time.time(),
                  1.0) for k in range(RESULTS)])
            db.execute("INSERT INTO run_ends(run_id, finished, outcome) VALUES (?, ?, 'pass')", (run, time.time()))

    journal.writer.write(rows)
    journal.close()


def open_costs(path: Path, repeats: int) -> tuple[float, float]:
    """(median ms to open the journal, median ms of its quick_check alone)."""
    from drconsole.journal import Journal
    from drconsole.journal_db import quick_check

    opening, checking = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        journal = Journal(path)
        opening.append((time.perf_counter() - started) * 1000)
        assert journal.verify() is None  # let a background check finish before timing the check alone
        started = time.perf_counter()
        assert quick_check(journal.db) is None
        checking.append((time.perf_counter() - started) * 1000)
        journal.close()
    return median(opening), median(checking)


def write_concurrently(folder: Path, writers: int, runs: int) -> float:
    """Seconds for `writers` processes, released together, to write `runs` runs each into one journal."""
    folder.mkdir(parents=True, exist_ok=True)
    path, go = folder / "shared.sqlite", folder / "go"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(go), f"w{i}", str(runs)],
                              stderr=subprocess.PIPE, text=True) for i in range(writers)]
    time.sleep(1.0)  # all of them have imported and opened the journal
    started = time.perf_counter()
    go.touch()
    for proc in procs:
        _, err = proc.communicate(timeout=900)
        if proc.returncode != 0:
            raise SystemExit(f"a writer failed: {err}")
    elapsed = time.perf_counter() - started
    with sqlite3.connect(path) as db:
        written = db.execute("SELECT COUNT(*) FROM check_results").fetchone()[0]
    assert written == writers * runs * RESULTS, f"{written} results, expected {writers * runs * RESULTS}"
    return elapsed


def main() -> None:
    from drconsole.journal_db import checked_inline

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    home = private_home()
    print("integrity check at start (quick_check), page cache warm; medians of", args.repeats)
    for sweeps in SIZES:
        path = home / f"sweeps-{sweeps}.sqlite"
        build(path, sweeps)
        opening, checking = open_costs(path, args.repeats)
        size_mb = path.stat().st_size / 1e6
        where = "in the open" if checked_inline(path) else "in the background"
        print(line(f"{sweeps:,} sweeps ({size_mb:.1f} MB): open / whole quick_check",
                   f"{opening:.1f} / {checking:.1f} ms", where))
    rows = WRITERS * RUNS_PER_WRITER * ROWS_PER_RUN
    alone = write_concurrently(home / "alone", 1, WRITERS * RUNS_PER_WRITER)
    together = write_concurrently(home / "together", WRITERS, RUNS_PER_WRITER)
    print(f"\n{rows:,} rows ({WRITERS * RUNS_PER_WRITER} runs of {ROWS_PER_RUN} rows; {DURABLE_PER_RUN} of them "
          "durable)")
    print(line("1 writer process", f"{rows / alone:,.0f} rows/s", f"{alone:.2f} s"))
    print(line(f"{WRITERS} writer processes at once", f"{rows / together:,.0f} rows/s",
               f"{together:.2f} s; {alone / together:.2f}x the single writer"))


if __name__ == "__main__":
    main()
