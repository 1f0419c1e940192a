"""The journal as a list of events for the journal view: who did what, when, with what outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from drconsole.action_events import Failed, Interrupted, Override, Refused, read_payload

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
    for step in journal.run_step_events(run_id):
        events.append(Event(step.at, "step", step.step, step.operator, step.state, step.note or ""))
    for (step_id, item), row in journal.run_confirmations(run_id).items():
        events.append(Event(row["at"], "confirmation", f"{step_id}/{item}", row["operator"],
                            "confirmed" if row["confirmed"] else "unticked", row["note"] or ""))
    for row in journal.action_events(run_id=run_id):
        payload = read_payload(row["kind"], row["data"])
        detail = (payload.error if isinstance(payload, Failed) else
                  payload.reason if isinstance(payload, Refused | Override | Interrupted) else "")
        events.append(Event(row["at"], "action", f"{row['step']}/{row['action']}", row["operator"], row["kind"],
                            str(detail)))
    return sorted(events, key=lambda e: e.at)


def confirmation_events(journal: Journal, limit: int = 200) -> list[Event]:
    """Manual confirmations (ticked in the console, each in the walk of its runbook), newest first."""
    events = []
    for row in journal.recent_confirmations(limit):
        events.append(Event(row["at"], "confirmation", f"{row['step']}/{row['item']}", row["operator"],
                            "confirmed" if row["confirmed"] else "unticked", row["note"] or ""))
    return events
