"""What an action sees: the Context, plus guarded cloud and kube calls that record request IDs.

Every request goes through here, so the rules hold in one place: while planning, and in read-only
mode, a mutating request is refused before it leaves the process.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from drconsole.context import ClusterRole, Context
from drconsole.errors import DrconsoleError, RefusedError
from drconsole.kube import rest_request
from drconsole.profile import Product, Profile

T = TypeVar("T")
FIELD_MANAGER = "drconsole"
MUTATING_VERBS = ("Create", "Attach", "Detach", "Update", "Delete", "Modify", "Add", "Remove", "Enable",
                  "Disable", "Grant", "Deploy", "Change")
KUBE_TIMEOUT = (2.0, 5.0)
APPLY_TYPE = "application/apply-patch+yaml"


class ActionFailed(DrconsoleError):
    """An action's apply could not finish (a failed task, a timeout, a refused request)."""

    exit_code = 1


def is_mutating_operation(action: str) -> bool:
    return action.startswith(MUTATING_VERBS)


@dataclass
class RunState:
    """What the actions of one run tell each other."""

    pinned_zone: str | None = None  # the zone the Ingress was pinned to in this run
    decision_at: float | None = None  # when traffic was decided to move (the recovery clock starts)
    recovery_s: float | None = None
    healthy_zones: list[str] | None = None


@dataclass
class ActionContext:
    ctx: Context
    phase: str = "plan"  # "plan" or "apply"
    progress: Callable[[str], None] = lambda message: None
    run_state: RunState = field(default_factory=RunState)  # shared by the actions of one run
    request_ids: list[str] = field(default_factory=list)
    token_seed: str = field(default_factory=lambda: uuid.uuid4().hex)  # the runner sets the journaled one

    @property
    def profile(self) -> Profile:
        return self.ctx.profile

    def _guard(self, what: str, dry_run: bool = False) -> None:
        if self.ctx.read_only:
            raise RefusedError(f"read-only mode: {what} was not sent",
                               fix="drop --read-only (and profile read_only) to make changes")
        if self.phase != "apply" and not dry_run:
            raise RefusedError(f"{what} was attempted while planning; plans only read",
                               fix="this is a drconsole bug: a plan must not change anything")

    # -- cloud ------------------------------------------------------------------------------------
    def call(self, product: Product, action: str, *path_args: Any, **fields: Any) -> dict[str, Any]:
        """One SDK operation by its API name; returns the body as the API names it (to_map())."""
        if is_mutating_operation(action):
            self._guard(f"{product}:{action}")
        from drconsole.actions.tokens import accepts_token, client_token
        from drconsole.cloud import models

        client = self.ctx.cloud(product)
        method = getattr(client, _snake(action))
        request_cls = getattr(models(product), f"{action}Request", None)
        if request_cls is not None and action.startswith("Create") and "client_token" not in fields \
                and accepts_token(request_cls):
            fields = {**fields, "client_token": client_token(self.token_seed, product, action, fields)}
        args = [*path_args] + ([request_cls(**fields)] if request_cls is not None else [])
        response = self.ctx.cloud_call(product, action, lambda: method(*args))
        body = response.body.to_map() if getattr(response, "body", None) is not None else {}
        request_id = body.get("RequestId") or body.get("request_id") or \
            (getattr(response, "headers", None) or {}).get("x-acs-request-id")
        if request_id and is_mutating_operation(action):
            self.request_ids.append(f"{product}:{action}:{request_id}")
        return dict(body)

    def wait(self, what: str, probe: Callable[[], T | None], *, timeout: float = 120.0,
             interval: float = 0.5) -> T:
        """Poll `probe` until it returns something (not None), reporting progress; ActionFailed on timeout."""
        started = time.monotonic()
        last = ""
        while True:
            value = probe()
            if value is not None:
                return value
            elapsed = time.monotonic() - started
            if elapsed > timeout:
                raise ActionFailed(f"{what}: not reached within {timeout:.0f} s",
                                   fix="look at the resource in the console; re-run the step (it is idempotent)")
            message = f"waiting: {what} ({elapsed:.0f} s)"
            if message != last:
                self.progress(message)
                last = message
            time.sleep(interval)

    # -- kube -------------------------------------------------------------------------------------
    def kube_request(self, role: ClusterRole, method: str, path: str, body: Any = None,
                     query: dict[str, str] | None = None, content_type: str = "application/json") -> Any:
        """A REST call on a cluster's API server; None for 404; ActionFailed for other errors."""
        if method not in ("GET", "HEAD"):
            self._guard(f"{method} {path} on {role}", dry_run=(query or {}).get("dryRun") == "All")
        from urllib.parse import urlencode

        from kubernetes.client.exceptions import ApiException

        api = self.ctx.kube(role)
        full = f"{path}?{urlencode(query)}" if query else path
        headers = {"Accept": "application/json", "Content-Type": content_type}
        request = rest_request(api, method, full, headers, body)
        try:
            reply = api.call_api(*request, _request_timeout=KUBE_TIMEOUT)
            raw = reply.read()
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise ActionFailed(f"{role}: {method} {path}: HTTP {exc.status}: {_reason(exc.body) or exc.reason}",
                               fix="see the message; the object or the API server refused the change") from None
        except Exception as exc:
            raise ActionFailed(f"{role}: {method} {path}: {type(exc).__name__}: {exc}",
                               fix=f"check that the {role} cluster's API server is reachable") from None
        if reply.status == 404:
            return None
        if not 200 <= reply.status < 300:
            raise ActionFailed(f"{role}: {method} {path}: HTTP {reply.status}: {_reason(raw)}",
                               fix="see the message; the object or the API server refused the change")
        return json.loads(raw) if raw else {}

    def kube_get(self, role: ClusterRole, path: str) -> dict[str, Any] | None:
        found = self.kube_request(role, "GET", path)
        return dict(found) if found is not None else None

    def kube_apply(self, role: ClusterRole, path: str, manifest: dict[str, Any], *, dry_run: bool) -> dict[str, Any]:
        """Server-side apply (force, field manager drconsole), optionally as a server-side dry run."""
        query = {"fieldManager": FIELD_MANAGER, "force": "true"}
        if dry_run:
            query["dryRun"] = "All"
        answer = self.kube_request(role, "PATCH", path, manifest, query, APPLY_TYPE)
        if not dry_run:
            version = (answer or {}).get("metadata", {}).get("resourceVersion")
            self.request_ids.append(f"{role}:apply {path} -> resourceVersion {version}")
        return dict(answer or {})


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower().replace("v_1", "v1").replace("v_switch", "vswitch")


def _reason(raw: Any) -> str:
    try:
        return str(json.loads(raw).get("message", ""))[:300]
    except (TypeError, ValueError, AttributeError):
        return str(raw)[:300]
