"""The shared record and RBAC against the lab Fleet: two consoles (two journals, two users) see each
other's entries; a viewer sees the record but takes no lock and is told why; an unreachable Fleet
leaves the console on its local journal and the backlog is published when the Fleet is back."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.coordination.conftest import user_api
from tests.fixtures.net import wait_until

pytestmark = [pytest.mark.lab, pytest.mark.kube]


class Console:
    """One console's journal and Fleet client, as the product builds them."""

    def __init__(self, home: Path, kubeconfig: Path) -> None:
        from drconsole.coordination.identity import Identity, fleet_user
        from drconsole.journal import Journal

        self.journal = Journal(home / "journal.sqlite")
        self.api = user_api(kubeconfig)
        user = fleet_user(self.api)
        assert user is not None
        self.identity = Identity(user, "kubeconfig", socket.gethostname().split(".")[0])

    def record(self, profile: str = "lab") -> Any:
        from drconsole.coordination.record import Outbox, SharedRecord

        return SharedRecord(self.api, Outbox(self.journal, profile, self.identity), poll_s=0.2)

    def act(self, kind: str, summary: str) -> None:
        run = self.journal.start_run(kind="runbook", profile="lab", operator="os-user", runbook="zone-failover")
        self.journal.action_event("uid-" + summary, "traffic.pin", kind, "os-user", run_id=run,
                                  runbook="zone-failover", step="shift", data=_payload(kind, summary))


def _payload(kind: str, summary: str) -> Any:
    """The typed payload the runner would journal for an event of `kind`."""
    from drconsole import action_events as events

    return {"succeeded": lambda: events.Succeeded(summary=summary, output=events.ActionOutput(zone="b")),
            "failed": lambda: events.Failed(error=summary),
            "override": lambda: events.Override(rule="fleet-lock", reason=summary, blocked_because="held",
                                                who="os-user"),
            "confirmed": lambda: events.Confirmed(typed=summary, who="os-user")}[kind]()


@pytest.fixture
def consoles(fleet_user: Any, tmp_path: Path) -> Iterator[tuple[Console, Console]]:
    from drconsole.coordination.rbac import RESPONDER_ROLE

    alice = Console(tmp_path / "alice", fleet_user("alice", RESPONDER_ROLE))
    bob = Console(tmp_path / "bob", fleet_user("bob", RESPONDER_ROLE))
    yield alice, bob
    for console in (alice, bob):
        console.journal.close()
        console.api.close()


def test_identity_is_the_user_the_fleet_authenticates(consoles: tuple[Console, Console]) -> None:
    alice, _ = consoles
    assert alice.identity.user == "system:serviceaccount:drconsole:alice"
    assert alice.identity.holder.startswith("alice@")


def test_each_console_sees_the_others_entries(consoles: tuple[Console, Console]) -> None:
    alice, bob = consoles
    mine, theirs = alice.record(), bob.record()
    mine.start()
    theirs.start()
    try:
        alice.act("succeeded", f"pinned to zone b {time.time()}")
        written = time.time()
        holder = alice.identity.holder
        seen = wait_until(lambda: [e for e in theirs.others if e.kind == "succeeded" and e.who == holder],
                          timeout=60, what="alice's action in bob's console")
        print(f"alice's action seen by bob after {time.time() - written:.2f} s (poll 0.2 s)")
        entry = seen[-1]
        assert (entry.action, entry.runbook, entry.step, entry.identity) == (
            "traffic.pin", "zone-failover", "shift", alice.identity.user)
        assert entry.details["zone"] == "b"
        assert any(e.kind == "run-started" for e in theirs.others)
        bob.act("override", "took the lock")
        wait_until(lambda: any(e.kind == "override" and e.who == bob.identity.holder for e in mine.others),
                   timeout=60, what="bob's override in alice's console")
        # a console does not show its own entries as someone else's
        assert all(e.source != mine.outbox.source for e in mine.others)
        assert mine.link.online and mine.link.pending == 0
    finally:
        mine.stop()
        theirs.stop()


def test_publishing_twice_is_harmless_and_entries_are_bounded(consoles: tuple[Console, Console]) -> None:
    from drconsole.coordination.record import ENTRY_MAX, NOTE_MAX, _event

    alice, bob = consoles
    alice.act("failed", "x" * 20_000)
    record = alice.record()
    pending = record.outbox.pending()
    assert record.publish_pending() == len(pending) and record.outbox.pending() == []
    for entry in pending:  # as after a crash between publishing and moving the cursor
        record._create(entry)
    events = [_event(e, "drconsole") for e in pending]
    assert all(len(e["note"].encode()) <= NOTE_MAX for e in events)
    assert all(len(e["metadata"]["annotations"]["drconsole.io/entry"].encode()) <= ENTRY_MAX for e in events)
    seen = bob.record().fetch()
    assert len([e for e in seen if e.source == record.outbox.source]) == len(pending)


def test_viewer_sees_the_record_but_takes_no_lock(fleet_user: Any, consoles: tuple[Console, Console],
                                                  tmp_path: Path) -> None:
    from drconsole.coordination.fleet import NotPermitted
    from drconsole.coordination.lease import Leases, Work
    from drconsole.coordination.rbac import VIEWER_ROLE

    alice, _ = consoles
    alice.act("succeeded", "pinned to zone b")
    alice.record().publish_pending()
    held = Leases(alice.api).acquire("viewer-test", alice.identity.holder, 30, Work("zone failover", "shift"))
    viewer = Console(tmp_path / "victor", fleet_user("victor", VIEWER_ROLE))
    try:
        leases = Leases(viewer.api)
        assert leases.read("viewer-test").holder == alice.identity.holder  # sees who holds the lock
        with pytest.raises(NotPermitted) as refused:
            leases.acquire("viewer-test-2", viewer.identity.holder, 30, Work("zone failover", "shift"))
        assert (refused.value.verb, refused.value.resource) == ("create", "leases")
        assert "drconsole-responder" in (refused.value.fix or "")
        record = viewer.record()
        assert any(e.who == alice.identity.holder for e in record.fetch())  # sees the shared record
        viewer.act("confirmed", "looked")
        assert record.publish_pending() == 0
        assert record.link.publish_refused and record.link.pending > 0
    finally:
        held.release()
        viewer.journal.close()
        viewer.api.close()


def test_viewer_console_is_refused_the_lock_with_the_reason(fleet_user: Any, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner's lock step for a viewer: refused, journaled, and the message names the missing verb."""
    from drconsole.action_events import Refused
    from drconsole.context import Context
    from drconsole.coordination.rbac import VIEWER_ROLE
    from drconsole.coordination.run import LOCK_RULE, RunCoordination
    from drconsole.journal import Journal
    from drconsole.profile import save_profile
    from tests.actions.helpers import drconsole
    from tests.tui.conftest import demo_profile

    profile = demo_profile(clusters={"kubeconfig": str(fleet_user("victor", VIEWER_ROLE)),
                                     "fleet": {"context": "fleet"}, "ack": {"context": "ack"},
                                     "registered": {"context": "idc"}})
    ctx = Context(profile)
    journal = Journal(tmp_path / "j.sqlite")
    journaled: list[Any] = []
    coordination = RunCoordination(ctx, journal, out=lambda line: None)
    try:
        refused = coordination.ensure_lock("zone failover", "shift", journaled.append,
                                           confirmer=None)  # type: ignore[arg-type]  # never asked: no override
        payload = journaled[0]
        assert isinstance(payload, Refused)
        assert (payload.rule, payload.evidence["resource"]) == (LOCK_RULE, "leases")
        verb = payload.evidence["verb"]
        assert verb in ("create", "update")  # update once the Lease exists
        assert payload.fleet_identity["user"] == "system:serviceaccount:drconsole:victor"
        assert refused is not None and f"{verb} leases" in refused and "drconsole-responder" in refused
        save_profile(profile)
        shown = drconsole("fleet", "status", "--profile", profile.name)
        assert shown.exit_code == 0 and "you are victor@" in shown.output and "lock: " in shown.output
    finally:
        coordination.close()
        ctx.close()
        journal.close()


def test_unreachable_fleet_then_catch_up(lab_env: Any, kube_planes: dict[str, Any],
                                         consoles: tuple[Console, Console]) -> None:
    from drconsole.lab.lab import Lab

    alice, bob = consoles
    record = alice.record()
    Lab(lab_env).break_("kube-fleet")
    try:
        alice.act("succeeded", "pinned to zone b while the Fleet was down")
        alice.act("confirmed", "zone b serves")
        assert record.publish_pending() == 0
        assert record.link.online is False and record.link.pending >= 3  # a run and two action events
        assert "unreachable" in record.link.describe()
        assert [e["kind"] for e in alice.journal.action_events()][-2:] == ["succeeded", "confirmed"]  # kept locally
    finally:
        Lab(lab_env).heal("kube-fleet")
    wait_until(lambda: record.publish_pending() >= 0 and record.link.online and not record.outbox.pending(),
               timeout=120, what="the backlog published")
    assert record.link.pending == 0
    seen = bob.record().fetch()
    assert any(e.summary == "pinned to zone b while the Fleet was down" for e in seen)
