"""A journal with one recorded run, for the renderers (the lab-backed tests use real sweeps)."""

from __future__ import annotations

from pathlib import Path

import pytest

from drconsole.exporters.record import RunRecord, build_record
from drconsole.journal import Journal
from drconsole.profile import parse_profile
from drconsole.results import CheckResult, Evidence
from drconsole.runbooks.loader import load_runbook
from tests.core.conftest import VALID_PROFILE


def result(step: str, check: str, status: str, summary: str, **extra: object) -> CheckResult:
    return CheckResult(check=check, key=f"{step}/{check}", title=check, family=check.split(".")[0], step=step,
                       status=status, summary=summary,
                       evidence=[Evidence(source="vpc:DescribeBgpPeers", asked="RouterId=vbr-1",
                                          answer={"BgpStatus": "Idle"}, ms=12.5)], **extra)  # type: ignore[arg-type]


@pytest.fixture
def record(tmp_path: Path) -> RunRecord:
    profile = parse_profile(VALID_PROFILE, source="p.toml")
    book = load_runbook("zone-dr-hybrid", check_names=False)
    journal = Journal(tmp_path / "j.sqlite")
    run = journal.start_run(kind="sweep", profile=profile.name, operator="alice", runbook=book.id)
    first, second = book.steps[0], book.steps[12]
    journal.confirm(book.id, first.id, first.confirm[0].id, "alice", note="CAB-1234")
    journal.record_result(result(second.id, "bgp.peer", "fail", "BGP session with 10.20.255.2 is Idle",
                                 code="BGP-PEER-IDLE", cause="the session is Idle",
                                 remedy="start BGP on the data-center router", zone="a"), run_id=run, runbook=book.id)
    journal.record_result(result(second.id, "dns.private", "pass", "all names resolve privately"),
                          run_id=run, runbook=book.id)
    journal.action_event("u1", "traffic.pin", "started", "alice", identity="LTAI5tExampleKeyId00 (keyring)",
                         run_id=run, runbook=book.id, step=second.id)
    journal.action_event("u1", "traffic.pin", "override", "alice", run_id=run, runbook=book.id, step=second.id,
                         data={"rule": "target-zone-healthy", "reason": "zone B verified by hand"})
    journal.action_event("u1", "traffic.pin", "succeeded", "alice", run_id=run, runbook=book.id, step=second.id,
                         data={"request_ids": ["4E1F-REQ"], "recovery_seconds": 4.2})
    journal.finish_run(run, "fail")
    built = build_record(journal, run, book, profile)
    journal.close()
    return built
