"""The pure parts of coordination: when a Lease counts as expired, what a refusal says, how an entry
becomes a bounded Event, and how an identity names its holder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest


def _record(holder: str | None, renewed_ago_s: float, duration_s: int = 15) -> object:
    from drconsole.coordination.lease import LeaseRecord, Work

    now = datetime.now(UTC)
    return LeaseRecord(name="drconsole-traffic", holder=holder, session="s", work=Work("zone failover", "shift"),
                       since=now - timedelta(seconds=60), renewed=now - timedelta(seconds=renewed_ago_s),
                       duration_s=duration_s, transitions=0, resource_version="1")


@pytest.mark.parametrize(("holder", "ago", "expired"), [
    ("alice@laptop", 1, False), ("alice@laptop", 16, True), (None, 1, True)])
def test_expiry(holder: str | None, ago: float, expired: bool) -> None:
    assert _record(holder, ago).expired() is expired  # type: ignore[attr-defined]


def test_refusal_names_what_who_since_and_step() -> None:
    text = _record("alice@laptop", 1).describe()  # type: ignore[attr-defined]
    assert text.startswith("zone failover by alice@laptop since ") and text.endswith(", step shift")


def test_lease_body_round_trips() -> None:
    from drconsole.coordination.lease import Work, _lease_body, _record

    body = _lease_body("l", "bob@pc", "sess", 15, Work("zone failback", "pin"), "42", transitions=3,
                       extra={"override-reason": "stuck"})
    body["metadata"]["resourceVersion"] = "43"
    record = _record(body)
    assert (record.holder, record.session, record.work, record.transitions, record.override_reason) == (
        "bob@pc", "sess", Work("zone failback", "pin"), 3, "stuck")
    assert body["spec"]["renewTime"].endswith("Z") and len(body["spec"]["renewTime"].split(".")[1]) == 7


def test_events_are_bounded_and_named_from_the_journal_row() -> None:
    from drconsole.coordination.record import ENTRY_MAX, NOTE_MAX, SharedEntry, _entry_of, _event

    entry = SharedEntry(source="abc", ref="action_events-12", at=1_800_000_000.0, who="alice@laptop",
                        identity="system:serviceaccount:drconsole:alice", profile="lab", kind="failed",
                        summary="é" * 5000, action="traffic.pin", details={"error": "x" * 300})
    event = _event(entry, "drconsole")
    assert event["metadata"]["name"] == "drconsole.abc.action-events.12"
    assert event["type"] == "Warning" and event["reason"] == "Failed"
    assert len(event["note"].encode()) <= NOTE_MAX
    assert len(event["metadata"]["annotations"]["drconsole.io/entry"].encode()) <= ENTRY_MAX
    back = _entry_of(event)
    assert back is not None and back.ref == entry.ref and back.details == {}  # details dropped first


def test_identity_holder() -> None:
    from drconsole.coordination.identity import Identity

    assert Identity("system:serviceaccount:drconsole:alice", "kubeconfig", "laptop").holder == "alice@laptop"
    assert Identity("LTAIabc (keyring)", "cloud", "pc").holder == "LTAIabc@pc"
    assert Identity("ops", "os", "pc").holder == "ops@pc"


def test_roles_grant_least_verbs() -> None:
    from drconsole.coordination.rbac import RESPONDER_ROLE, TRAFFIC_ROLE, VIEWER_ROLE, manifests

    docs = {d["metadata"]["name"]: d for d in manifests("apps")}
    verbs = {name: {(tuple(r["resources"]), v) for r in docs[name]["rules"] for v in r["verbs"]}
             for name in (VIEWER_ROLE, RESPONDER_ROLE, TRAFFIC_ROLE)}
    assert verbs[VIEWER_ROLE] < verbs[RESPONDER_ROLE]
    assert not {v for _, v in verbs[VIEWER_ROLE]} - {"get", "list", "watch"}
    assert all(v != "delete" for role in verbs.values() for _, v in role)
    assert docs[TRAFFIC_ROLE]["metadata"]["namespace"] == "apps"
    assert verbs[TRAFFIC_ROLE] == {(("ingresses",), "get"), (("ingresses",), "patch")}
