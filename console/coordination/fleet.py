"""Talking to the Fleet's API server for coordination: one REST helper with typed failures."""

from __future__ import annotations

import json
from typing import Any

from drconsole.errors import DrconsoleError
from drconsole.kube import rest_request

REQUEST_TIMEOUT = (2.0, 5.0)
SETUP_HINT = "a Fleet admin applies drconsole's RBAC manifest (`drconsole fleet rbac`, piped to `kubectl apply -f -`)"
RBAC_HINT = "ask a Fleet admin to bind the drconsole-responder Role (`drconsole fleet rbac`) to your user"


class FleetError(DrconsoleError):
    """The Fleet refused a coordination request."""


class FleetUnreachable(FleetError):
    """The Fleet's API server did not answer."""


class NotFound(FleetError):
    """HTTP 404 where the caller needs the thing to exist (e.g. the namespace of a create)."""


class NotPermitted(FleetError):
    """HTTP 403: the identity lacks a verb on a resource."""

    def __init__(self, verb: str, resource: str, namespace: str, user_message: str) -> None:
        super().__init__(f"the Fleet does not let you {verb} {resource} in namespace {namespace}: {user_message}",
                         fix=RBAC_HINT)
        self.verb = verb
        self.resource = resource


def kube_call(api: Any, method: str, path: str, body: Any = None, *, verb: str, resource: str, namespace: str,
              conflict_ok: bool = False, query: dict[str, str] | None = None,
              content_type: str = "application/json", absent_ok: bool = True) -> dict[str, Any] | None:
    """One REST call through a kubernetes ApiClient: the JSON answer; None for 404 (NotFound when not
    `absent_ok`) and for 409 when `conflict_ok`; NotPermitted for 403; FleetUnreachable when nothing
    answers; FleetError otherwise."""
    from urllib.parse import urlencode

    from kubernetes.client.exceptions import ApiException

    full = f"{path}?{urlencode(query)}" if query else path
    headers = {"Accept": "application/json", "Content-Type": content_type}
    try:
        reply = api.call_api(*rest_request(api, method, full, headers, body), _request_timeout=REQUEST_TIMEOUT)
        raw = reply.read()
        status = reply.status
    except ApiException as exc:
        status, raw = exc.status or 0, exc.body
    except Exception as exc:
        raise FleetUnreachable(f"the Fleet did not answer {method} {path}: {type(exc).__name__}",
                               fix="check the Fleet's API server address and your network; "
                                   "the console keeps working from its local journal") from None
    if status == 404 and not absent_ok:
        raise NotFound(f"the Fleet has no {path} ({_message(raw)})",
                       fix=SETUP_HINT)
    if status == 404 or (status == 409 and conflict_ok):
        return None
    if status == 403:
        raise NotPermitted(verb, resource, namespace, _message(raw))
    if not 200 <= status < 300:
        raise FleetError(f"the Fleet refused {method} {path}: HTTP {status}: {_message(raw)}",
                         fix="see the message")
    return dict(json.loads(raw)) if raw else {}


def _message(raw: Any) -> str:
    try:
        return str(json.loads(raw).get("message", ""))[:300]
    except (TypeError, ValueError, AttributeError):
        return str(raw)[:300]
