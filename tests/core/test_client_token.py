"""ClientToken: stable for the same journaled action and request; a rerun resumes an unfinished attempt's seed."""

from __future__ import annotations

from pathlib import Path

from drconsole.actions.tokens import client_token, resumable_seed
from drconsole.journal import Journal


def test_token_is_stable_per_seed_and_request_and_within_the_documented_length() -> None:
    token = client_token("seed", "cbn", "CreateCen", {"name": "a"})
    assert token == client_token("seed", "cbn", "CreateCen", {"name": "a"})
    assert len(token) <= 64 and token.isascii()
    assert token != client_token("seed", "cbn", "CreateCen", {"name": "b"})
    assert token != client_token("other", "cbn", "CreateCen", {"name": "a"})


def _attempt(journal: Journal, uid: str, *kinds: str, seed: str | None = None) -> None:
    for kind in kinds:
        data = {"token_seed": seed} if kind == "started" and seed else {}
        journal.action_event(uid, "network.cen-attach", kind, "op", runbook="rb", step="cen", data=data)


def test_a_rerun_reuses_the_seed_of_an_unfinished_attempt_only(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite")
    try:
        assert resumable_seed(journal, "rb", "cen", "network.cen-attach", "now") is None
        _attempt(journal, "first", "planned", "confirmed", "started", seed="first")  # the process died here
        _attempt(journal, "now", "planned", "confirmed")
        assert resumable_seed(journal, "rb", "cen", "network.cen-attach", "now") == "first"
        assert resumable_seed(journal, "rb", "other-step", "network.cen-attach", "now") is None
        _attempt(journal, "first", "failed")
        assert resumable_seed(journal, "rb", "cen", "network.cen-attach", "now") == "first"
        _attempt(journal, "second", "planned", "confirmed", "started", "succeeded", seed="first")
        assert resumable_seed(journal, "rb", "cen", "network.cen-attach", "now") is None
    finally:
        journal.close()
