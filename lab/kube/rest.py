"""A small HTTPS client for the lab's own API servers (readiness and seeding), authenticated with
the lab admin certificate. The product talks to the planes through the `kubernetes` client instead."""

from __future__ import annotations

import http.client
import json
import ssl
from dataclasses import dataclass
from typing import Any

from drconsole.lab.kube.pki import Pki

APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"
FIELD_MANAGER = "drconsole-lab"


@dataclass
class Response:
    status: int
    body: dict[str, Any]


class PlaneRest:
    def __init__(self, port: int, pki: Pki, timeout: float = 5.0) -> None:
        self.port = port
        self.timeout = timeout
        self._context = ssl.create_default_context(cafile=str(pki.ca_cert))
        self._context.load_cert_chain(str(pki.admin_cert), str(pki.admin_key))

    def request(self, method: str, path: str, body: dict[str, Any] | None = None,
                content_type: str = "application/json") -> Response:
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self._context, timeout=self.timeout)
        try:
            headers = {"Accept": "application/json"}
            payload = None
            if body is not None:
                payload = json.dumps(body).encode()
                headers["Content-Type"] = content_type
            conn.request(method, path, body=payload, headers=headers)
            reply = conn.getresponse()
            raw = reply.read()
        finally:
            conn.close()
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            parsed = {"text": raw.decode(errors="replace")}
        return Response(reply.status, parsed if isinstance(parsed, dict) else {"value": parsed})

    def ready(self) -> bool:
        """`/readyz` answers 200 (every post-start hook done, RBAC bootstrapped)."""
        try:
            return self.request("GET", "/readyz").status == 200
        except (OSError, http.client.HTTPException):
            return False

    def apply(self, path: str, obj: dict[str, Any], subresource: str = "") -> Response:
        """Server-side apply `obj` at `path` (the object's own URL), forcing our field manager."""
        url = f"{path}/{subresource}" if subresource else path
        return self.request("PATCH", f"{url}?fieldManager={FIELD_MANAGER}&force=true", obj, APPLY)
