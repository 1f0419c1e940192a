"""No unrecorded change: when the journal cannot write, `fleet.create` against the lab's fresh region is
refused, and the region's own request log shows that no mutating request (or none at all) arrived."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

import pytest

from drconsole.actions.confirm import CliConfirmer
from tests.fixtures.region import RegionLab

if TYPE_CHECKING:
    from drconsole.actions.base import Plan
    from drconsole.profile import Profile

pytestmark = pytest.mark.lab
STEP = "fleet.create"


def region_profile(region: RegionLab) -> Profile:
    """An operator's profile pointed at the fresh region (no kube planes or network: the step needs none)."""
    from drconsole import secrets
    from drconsole.profile import parse_profile, save_profile
    from tests.core.conftest import VALID_PROFILE

    facts, ids = region.facts, region.facts["ids"]
    profile = parse_profile(VALID_PROFILE, source="test")
    data = profile.model_dump(mode="json", exclude_none=True)
    data["cloud"].update(region=facts["region"], access_key_id=facts["access_key_id"], protocol="http",
                         endpoints={p: facts["endpoint"] for p in ("cs", "adcp", "vpc", "cbn", "mse")})
    data["network"].update(vpc_id=ids["vpc_id"], vswitch_ids=ids["vswitches"])
    data["clusters"]["ack"]["zone"], data["clusters"]["registered"]["zone"] = sorted(ids["vswitches"])[:2]
    data["clusters"]["fleet"].pop("id")
    data["production"] = False
    chosen = type(profile).model_validate(data)
    save_profile(chosen)
    secrets.store_secret(chosen.name, facts["access_key_id"], region.secret)
    return chosen


def run_step(profile: Profile, confirmer: CliConfirmer) -> Any:
    from drconsole.actions.runner import Runner
    from drconsole.context import Context
    from drconsole.journal import Journal
    from drconsole.runbooks.loader import load_runbook

    ctx = Context(profile)
    journal = Journal.for_profile(profile.name)
    try:
        return Runner(ctx, journal, load_runbook("zone-dr-hybrid"), confirmer, out=print).run([STEP])
    finally:
        ctx.close()
        journal.close()


def test_a_damaged_journal_sends_nothing(fresh_region: RegionLab) -> None:
    from drconsole.journal import Journal, journal_path
    from tests.actions.helpers import drconsole

    profile = region_profile(fresh_region)
    path = journal_path(profile.name)
    Journal(path).close()
    with path.open("r+b") as f:  # the first page, schema and all: nothing can be read or written
        f.write(b"\x5a" * 4096)
    before = len(fresh_region.requests())
    done = drconsole("run", "zone-dr-hybrid", "--profile", profile.name, "--step", STEP, "--yes")
    assert done.exit_code == 4
    assert str(path) in done.output and "journal recover" in done.output
    assert fresh_region.requests()[before:] == []


class LocksTheJournal(CliConfirmer):
    """Says yes — and at that moment another process's writer takes the journal's write lock and keeps it."""

    def __init__(self, path: str) -> None:
        super().__init__(yes=True, interactive=False)
        self.path = path
        self.holder: sqlite3.Connection | None = None

    def ask_yes(self, plan: Plan) -> bool:
        self.holder = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.holder.execute("BEGIN IMMEDIATE")
        return super().ask_yes(plan)


def test_a_journal_locked_past_the_timeout_refuses_before_any_change(fresh_region: RegionLab,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from drconsole import journal_db
    from drconsole.journal import Journal, journal_path

    monkeypatch.setattr(journal_db, "BUSY_TIMEOUT_S", 1.0)  # the test waits 1 s for the lock, not 15
    profile = region_profile(fresh_region)
    path = journal_path(profile.name)
    Journal(path).close()
    before = len(fresh_region.requests())
    confirmer = LocksTheJournal(str(path))
    try:
        report = run_step(profile, confirmer)
    finally:
        if confirmer.holder is not None:
            confirmer.holder.close()
    [outcome] = report.outcomes
    assert (outcome.state, outcome.journal_problem) == ("refused", "locked")
    sent = fresh_region.requests()[before:]
    assert [r for r in sent if r.get("mutating")] == []
    assert sent, "planning read the region (so it was reachable and a change would have been sent)"
    journal = Journal(path)
    try:
        [state] = journal.action_states()
        assert (state.action, state.state) == (STEP, "planned")  # no `confirmed`, no `started`
    finally:
        journal.close()
