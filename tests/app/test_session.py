"""The session owns the active profile: an action that saves a new ID changes it for every part of the
console at once — the zone probes' context and the runs (and so the exports) made after it."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from drconsole.actions.base import Action, Plan, Result, Risk, action
from drconsole.actions.confirm import CliConfirmer
from drconsole.actions.context import ActionContext
from drconsole.app.records import render_run
from drconsole.app.session import Session
from drconsole.profile import load_profile, save_profile
from drconsole.runbooks.loader import load_runbook
from tests.tui.conftest import demo_profile

FOUND_CEN = "cen-found0000000001"
BOOK = """
id: find-cen
title: find the CEN instance
summary: one step whose action finds the CEN instance and writes its ID to the profile
steps:
  - id: find
    title: find it
    guide: finds it
    actions:
      - use: appdemo.find-cen
"""


class NoParams(BaseModel):
    pass


@action("appdemo.find-cen", risk=Risk.READ, title="Find the CEN instance", params=NoParams)
class FindCen(Action):
    """Reports a CEN instance 'found live' (nothing outside the test is asked)."""

    def plan(self, actx: ActionContext, params: Any) -> Plan:
        return self.new_plan(actx, "look the CEN instance up")

    def apply(self, actx: ActionContext, plan: Plan) -> Result:
        return Result(f"found {FOUND_CEN}", profile_updates={"network.cen_id": FOUND_CEN})


def wait_for(condition: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.05)


def test_an_id_saved_by_an_action_reaches_the_probes_and_the_next_export(tmp_path: Path) -> None:
    profile = demo_profile()
    assert profile.network.cen_id is None
    save_profile(profile)
    session = Session(profile)
    book_path = tmp_path / "find-cen.yaml"
    book_path.write_text(BOOK)
    book = load_runbook(str(book_path))
    stop = threading.Event()
    rounds: list[Any] = []
    probes = threading.Thread(target=session.probe_zones, args=(rounds.append, stop.is_set), daemon=True)
    probes.start()
    try:
        wait_for(lambda: rounds, "a first round of zone probes")
        lines: list[str] = []
        report = session.run_actions(book, "find", CliConfirmer(yes=True, interactive=False), lines.append)
        assert [o.state for o in report.outcomes] == ["succeeded"], lines
        assert session.profile.network.cen_id == FOUND_CEN
        assert load_profile(profile.name).network.cen_id == FOUND_CEN  # written to the profile file
        assert session.context().profile is session.profile
        probing = session._probe_context
        assert probing is not None and probing.profile is session.profile
    finally:
        stop.set()
        probes.join(timeout=30)
    setup = session.runbook()
    session.sweep(setup, session.invocations(setup, steps=["network.cen-attach"]), lambda result: None)
    sweep = session.journal.runs(limit=1)[0]
    document = json.loads(render_run(session.journal, int(sweep["id"]), "json"))
    assert document["profile"]["network"]["cen_id"] == FOUND_CEN
    session.close()
