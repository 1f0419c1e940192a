"""A runbook step's state, from what the journal knows: step events, confirmations, check results.

The one rule: the console's screens and the exports of a run both call `step_states`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drconsole.results import CheckResult
    from drconsole.runbooks.schema import Step

NOT_STARTED, IN_PROGRESS, DONE, FAILING, BLOCKED = "not started", "in progress", "done", "failing", "blocked"
SYMBOLS = {NOT_STARTED: "○", IN_PROGRESS: "◐", DONE: "●", FAILING: "✗", BLOCKED: "⊘"}


def step_states(steps: list[Step], journaled: dict[str, str], confirmations: dict[tuple[str, str], dict[str, Any]],
                results: dict[str, CheckResult]) -> dict[str, str]:
    """Each step's state from its latest journaled state, its latest confirmations and the latest result of
    each of its checks; a step whose required step is not done is blocked unless it is done or failing."""
    states: dict[str, str] = {}
    for step in steps:
        own = _own_state(step, journaled.get(step.id), confirmations, results)
        if own in (NOT_STARTED, IN_PROGRESS) and any(states.get(r) != DONE for r in step.requires):
            own = BLOCKED
        states[step.id] = own
    return states


def _own_state(step: Step, journaled: str | None, confirmations: dict[tuple[str, str], dict[str, Any]],
               results: dict[str, CheckResult]) -> str:
    mine = [r for key, r in results.items() if key.startswith(f"{step.id}/")]
    if journaled == "failed" or any(r.status.bad for r in mine):
        return FAILING
    ticked = [bool(confirmations.get((step.id, item.id), {}).get("confirmed")) for item in step.confirm]
    checks_pass = len(mine) >= len(step.checks) and all(r.status.holds for r in mine)
    has_evidence = bool(step.confirm or step.checks)
    if journaled == "done" or (has_evidence and all(ticked) and checks_pass):
        return DONE
    if journaled == "in-progress" or any(ticked) or mine:
        return IN_PROGRESS
    return NOT_STARTED


def finished(steps: list[Step], states: dict[str, str]) -> bool:
    """Whether every step that is not optional is done."""
    return all(states.get(step.id) == DONE for step in steps if not step.optional)


def progress(states: dict[str, str]) -> tuple[int, int]:
    """(done, total) over the runbook's steps."""
    return sum(1 for s in states.values() if s == DONE), len(states)
