"""ClientToken for Create* calls: derived from the journaled action, so a retry of the same request and a
rerun of an action whose earlier attempt never finished send the same token, and the cloud answers with
the resource it already made instead of making a second one."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from drconsole.journal import Journal

TOKEN_FIELD = "client_token"  # the SDK request models' name; ClientToken / client_token on the wire
# The earlier attempt of an action is resumed (its token seed reused) unless it ended in one of these.
FINISHED = {"succeeded", "already-done", "declined", "refused", "rehearsed"}


def client_token(seed: str, product: str, action: str, fields: dict[str, Any]) -> str:
    """At most 64 ASCII characters (the documented limit); the same seed and request give the same token."""
    request = json.dumps(fields, sort_keys=True, default=_plain)
    return "drc-" + hashlib.sha256(f"{seed}|{product}|{action}|{request}".encode()).hexdigest()[:40]


def _plain(value: Any) -> Any:
    """SDK structures by their fields (not their address), so the same request gives the same token."""
    return value.to_map() if hasattr(value, "to_map") else str(value)


def accepts_token(request_cls: type) -> bool:
    return hasattr(request_cls(), TOKEN_FIELD)


def resumable_seed(journal: Journal, runbook: str, step: str, action: str, current_uid: str) -> str | None:
    """The token seed of the latest attempt of this action in this step when it did not finish
    (interrupted, failed, or still `started` after a crash), so its creates are not made twice."""
    attempts = [s for s in journal.action_states()
                if (s.runbook, s.step, s.action) == (runbook, step, action) and s.action_uid != current_uid]
    if not attempts or attempts[-1].state in FINISHED:
        return None
    for event in reversed(journal.action_events(attempts[-1].action_uid)):
        seed = event["data"].get("token_seed")
        if event["kind"] == "started" and seed:
            return str(seed)
    return None
