"""Starting a run: its journal row and, with it, what the run ran against — the profile as it is now
(a profile never holds a secret) and the runbook's id, hash and full text — so that the record of the
run never depends on today's files."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from drconsole.journal import Journal, RunInputs

if TYPE_CHECKING:
    from drconsole.profile import Profile
    from drconsole.runbooks.schema import Runbook


def inputs_of(profile: Profile, runbook: Runbook | None) -> RunInputs:
    text = runbook.text if runbook is not None and runbook.text else None
    return RunInputs(profile=profile.model_dump(mode="json", exclude_none=True),
                     runbook_id=runbook.id if runbook is not None else None,
                     runbook_sha256=hashlib.sha256(text.encode()).hexdigest() if text else None,
                     runbook_text=text)


def begin_run(journal: Journal, *, kind: str, profile: Profile, operator: str, runbook: Runbook | None = None,
              rehearsal: bool = False, note: str | None = None, walk: int | None = None) -> int:
    """Start a run of `kind` (sweep, probe, runbook, walk) with its inputs; return its id."""
    run_id = journal.start_run(kind=kind, profile=profile.name, operator=operator,
                               runbook=runbook.id if runbook is not None else None, rehearsal=rehearsal, note=note)
    journal.record_inputs(run_id, inputs_of(profile, runbook))
    if walk is not None:
        journal.link_to_walk(run_id, walk)
    return run_id
