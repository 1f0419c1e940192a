"""The start-up cache shows the steps as the console left them, and nothing once the journal, the runbook or the
profile has changed since."""

from __future__ import annotations

from pathlib import Path

from drconsole.app import stepcache
from drconsole.app.session import Session
from drconsole.journal import Journal
from drconsole.profile import save_profile
from tests.tui.conftest import demo_profile, demo_runbook


def test_the_cache_holds_the_last_states_until_something_changes(tmp_path: Path) -> None:
    profile = demo_profile()
    save_profile(profile)
    book_path = demo_runbook(tmp_path, 1)
    session = Session(profile)
    book = session.runbook(book_path)
    session.confirm(book, "plan.network", "cidrs-chosen", confirmed=True, note=None)
    stepcache.save(session, book_path)
    view = stepcache.load(profile.name, book_path)
    assert view is not None and view.title == book.title
    assert {step.id: step.state for step in view.steps} == {"plan.network": "done", "plan.port": "not started",
                                                             "build.gateway": "blocked"}
    journal = Journal.for_profile(profile.name)  # another process unticks it
    journal.confirm(book.id, "plan.network", "cidrs-chosen", "bob", confirmed=False)
    journal.close()
    assert stepcache.load(profile.name, book_path) is None
    session = Session(profile)
    stepcache.save(session, book_path)
    assert stepcache.load(profile.name, book_path) is not None
    Path(book_path).write_text(Path(book_path).read_text().replace("Plan the network", "Plan the networks"))
    assert stepcache.load(profile.name, book_path) is None
