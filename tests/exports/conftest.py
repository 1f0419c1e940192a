"""A run record for the renderers, built from the record's own models: the renderers are pure, so their
tests need no journal. The journal → record → export seam is tested end to end on the lab
(tests/exports/test_run_record.py), with rows written only by the real runner and sweep."""

from __future__ import annotations

import pytest

from drconsole.action_events import Override
from drconsole.exporters.record import (
    ActionEvent,
    ActionRecord,
    Confirmation,
    RunbookInfo,
    RunInfo,
    RunRecord,
    StepRecord,
    Totals,
)
from drconsole.profile import parse_profile
from drconsole.results import CheckResult, Evidence, Status
from drconsole.runbooks.loader import load_runbook
from tests.core.conftest import VALID_PROFILE

STARTED = 1_790_000_000.0


def result(step: str, check: str, status: str, summary: str, **extra: object) -> CheckResult:
    return CheckResult(check=check, key=f"{step}/{check}", title=check, family=check.split(".")[0], step=step,
                       status=status, summary=summary,
                       evidence=[Evidence(source="vpc:DescribeBgpPeers", asked="RouterId=vbr-1",
                                          answer={"BgpStatus": "Idle"}, ms=12.5)], **extra)  # type: ignore[arg-type]


@pytest.fixture
def record() -> RunRecord:
    profile = parse_profile(VALID_PROFILE, source="p.toml")
    book = load_runbook("zone-dr-hybrid", check_names=False)
    first, second = book.steps[0], book.steps[12]
    checks = [result(second.id, "bgp.peer", "fail", "BGP session with 10.20.255.2 is Idle",
                     code="BGP-PEER-IDLE", cause="the session is Idle",
                     remedy="start BGP on the data-center router", zone="a"),
              result(second.id, "dns.private", "pass", "all names resolve privately")]
    override = Override(rule="target-zone-healthy", reason="zone B verified by hand", blocked_because="zone B down",
                        who="alice")
    pin = ActionRecord(uid="u1", action="traffic.pin", step=second.id, state="succeeded",
                       events=[ActionEvent(kind=kind, at=STARTED + n, operator="alice",
                                           identity="LTAI5tExampleKeyId00 (keyring)")
                               for n, kind in enumerate(("started", "override", "succeeded"))],
                       request_ids=["4E1F-REQ"], override=override, recovery_s=4.2, served_zone="b")
    steps = []
    for step in book.steps:
        confirms = [Confirmation(item=item.id, text=item.text, confirmed=step is first and n == 0,
                                 operator="alice" if step is first and n == 0 else None,
                                 at=STARTED if step is first and n == 0 else None,
                                 note="CAB-1234" if step is first and n == 0 else None)
                    for n, item in enumerate(step.confirm)]
        mine = checks if step is second else []
        state = "failing" if step is second else "in progress" if step is first else "not started"
        steps.append(StepRecord(id=step.id, title=step.title, section=step.section, optional=step.optional, state=state,
                                confirmations=confirms, checks=mine, actions=[pin] if step is second else []))
    return RunRecord(
        run=RunInfo(id=7, kind="sweep", runbook=book.id, profile=profile.name, operator="alice", started=STARTED,
                    finished=STARTED + 30, outcome="fail", rehearsal=False, tool_version="0.1.0"),
        runbook_title=book.title, runbook=RunbookInfo(id=book.id, recorded=True, sha256="ab" * 32),
        profile=profile.model_dump(mode="json", exclude_none=True), production=profile.production, steps=steps,
        totals=Totals(checks=2, by_status={s.value: sum(1 for c in checks if c.status is s) for s in Status},
                      actions=1, overrides=1),
        recovery_seconds=4.2)
