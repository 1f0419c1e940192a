"""A journal written before runs recorded their inputs migrates forward, and its runs export what they recorded;
what they never recorded says so instead of being filled in from today's profile and runbook."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from drconsole.app.records import render_run
from drconsole.journal import MIGRATIONS, Journal


def schema_one_journal(path: Path) -> None:
    """A journal as drconsole wrote it at schema 1: one sweep with one failing check."""
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0] + "PRAGMA user_version=1;")
    db.execute("INSERT INTO runs(id, kind, runbook, profile, operator, started, tool_version) "
               "VALUES (1, 'sweep', 'zone-dr-hybrid', 'prod', 'alice', 1700000000, '0.0.9')")
    db.execute("INSERT INTO check_results(run_id, runbook, step, check_name, title, key, family, zone, status, "
               "summary, evidence, started, duration_ms) VALUES (1, 'zone-dr-hybrid', 'network.bgp-vbr', "
               "'bgp.peer-established', 'BGP', 'network.bgp-vbr/peer', 'bgp', NULL, 'fail', 'Idle', '[]', "
               "1700000001, 12)")
    db.execute("INSERT INTO run_ends(run_id, finished, outcome) VALUES (1, 1700000002, 'fail')")
    db.commit()
    db.close()


def test_an_old_run_exports_what_it_recorded_and_marks_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "prod.sqlite"
    schema_one_journal(path)
    journal = Journal(path)
    assert journal.schema_version() == len(MIGRATIONS)
    document = json.loads(render_run(journal, 1, "json"))
    markdown = render_run(journal, 1, "md")
    journal.close()
    assert document["profile"] is None and document["production"] is None
    assert document["runbook"] == {"id": "zone-dr-hybrid", "recorded": False, "sha256": None}
    [step] = document["steps"]
    assert step["id"] == "network.bgp-vbr" and step["title"] == "not recorded" and step["state"] == "failing"
    assert step["checks"][0]["params"] is None
    assert "not recorded" in markdown
