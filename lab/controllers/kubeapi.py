"""A thin JSON client for one lab control plane, on the `kubernetes` client's connection pool.

Objects stay plain dicts (the controllers handle CRDs and built-ins alike), every call carries a
timeout, and writes are server-side apply or merge patches under the controllers' field manager.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"
TIMEOUT = (1.0, 3.0)  # connect, read (seconds)

Obj = dict[str, Any]


class KubeError(RuntimeError):
    def __init__(self, plane: str, status: int, message: str) -> None:
        super().__init__(f"{plane}: HTTP {status}: {message}")
        self.status = status


def api_path(api_version: str, plural: str, namespace: str | None = None, name: str | None = None) -> str:
    """The REST path of a collection or object: api_path("apps/v1", "deployments", "demo", "web")."""
    base = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    if namespace:
        base += f"/namespaces/{namespace}"
    base += f"/{plural}"
    return f"{base}/{name}" if name else base


def object_path(obj: Mapping[str, Any], plural: str) -> str:
    meta = obj.get("metadata") or {}
    return api_path(str(obj["apiVersion"]), plural, meta.get("namespace"), meta["name"])


class Kube:
    """One control plane, e.g. Kube.from_kubeconfig(path, "fleet")."""

    def __init__(self, name: str, api_client: Any) -> None:
        self.name = name
        self._client = api_client
        # Within one reconcile pass: the raw answer to each GET since this plane's last write (None: no pass).
        self._reads: dict[str, tuple[int, bytes]] | None = None

    @contextmanager
    def one_pass(self) -> Iterator[None]:
        """Within the block, a GET repeated with no write to this plane in between reuses the first answer
        (several controllers of one pass read the same lists); any write forgets them."""
        self._reads = {}
        try:
            yield
        finally:
            self._reads = None

    @classmethod
    def from_kubeconfig(cls, kubeconfig: str, context: str) -> Kube:
        from kubernetes import config

        return cls(context, config.new_client_from_config(config_file=kubeconfig, context=context))

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, path: str, body: Any = None, query: Mapping[str, str] | None = None,
                content_type: str = "application/json") -> Obj | None:
        """The decoded answer, or None for 404. Other errors raise KubeError (or OSError-like)."""
        if query:
            path = f"{path}?{urlencode(query)}"
        reads = self._reads
        if method != "GET" and reads:
            reads.clear()
        if method == "GET" and reads is not None:
            if path not in reads:
                reads[path] = self._send(method, path, body, content_type)
            status, raw = reads[path]
        else:
            status, raw = self._send(method, path, body, content_type)
        if status == 404:
            return None
        if not 200 <= status < 300:
            try:
                message = json.loads(raw).get("message", "")
            except ValueError:
                message = raw[:200].decode(errors="replace")
            raise KubeError(self.name, status, message)
        return json.loads(raw) if raw else {}

    def _send(self, method: str, path: str, body: Any, content_type: str) -> tuple[int, bytes]:
        """One request on the wire: the answer's status and raw body."""
        from kubernetes.client.exceptions import ApiException

        headers = {"Accept": "application/json", "Content-Type": content_type}
        method, url, headers, body, _ = self._client.param_serialize(
            method=method, resource_path=path, header_params=headers, body=body, auth_settings=["BearerToken"])
        try:
            reply = self._client.call_api(method, url, headers, body, _request_timeout=TIMEOUT)
            return reply.status, reply.read()
        except ApiException as exc:
            raise KubeError(self.name, exc.status or 0, str(exc.reason)) from None

    def get(self, path: str) -> Obj | None:
        return self.request("GET", path)

    def list(self, path: str, label_selector: str | None = None) -> list[Obj]:
        answer = self.request("GET", path, query={"labelSelector": label_selector} if label_selector else None)
        return list((answer or {}).get("items") or [])

    def apply(self, obj: Mapping[str, Any], plural: str, manager: str, subresource: str = "") -> Obj | None:
        """Server-side apply `obj` (forcing conflicts: the lab's controllers own what they write)."""
        path = object_path(obj, plural) + (f"/{subresource}" if subresource else "")
        return self.request("PATCH", path, dict(obj), {"fieldManager": manager, "force": "true"}, APPLY)

    def merge(self, path: str, patch: Mapping[str, Any]) -> Obj | None:
        return self.request("PATCH", path, dict(patch), content_type=MERGE)

    def create(self, path: str, obj: Mapping[str, Any]) -> Obj | None:
        return self.request("POST", path, dict(obj))

    def delete(self, path: str) -> None:
        self.request("DELETE", path)
