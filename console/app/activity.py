"""The journal as a list of events for the journal view: who did what, when, with what outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drconsole.journal import Journal


@dataclass
class Event:
    at: float
    kind: str  # check | confirmation | step | action
    subject: str
    who: str
    outcome: str
    detail: str = ""


def run_events(journal: Journal, run_id: int) -> list[Event]:
    """Everything recorded under one run, in time order."""
    events = [Event(r.started_at, "check", r.key, "", r.status.value, r.summary) for r in journal.results(run_id)]
    for row in journal.db.execute("SELECT * FROM step_events WHERE run_id = ? ORDER BY id", (run_id,)):
        events.append(Event(row["at"], "step", row["step"], row["operator"], row["state"], row["note"] or ""))
    for row in journal.action_events(run_id=run_id):
        detail = row["data"].get("error") or row["data"].get("reason") or ""
        events.append(Event(row["at"], "action", f"{row['step']}/{row['action']}", row["operator"], row["kind"],
                            str(detail)))
    return sorted(events, key=lambda e: e.at)


def confirmation_events(journal: Journal, limit: int = 200) -> list[Event]:
    """Manual confirmations and step changes made outside any run (ticked in the console), newest first."""
    events = []
    for row in journal.db.execute("SELECT * FROM confirmations ORDER BY id DESC LIMIT ?", (limit,)):
        events.append(Event(row["at"], "confirmation", f"{row['step']}/{row['item']}", row["operator"],
                            "confirmed" if row["confirmed"] else "unticked", row["note"] or ""))
    return events
