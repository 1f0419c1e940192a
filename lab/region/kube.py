"""The lab's kube planes as the region sees them: their kubeconfigs (from the kube part's facts)
and a small JSON client on the `kubernetes` client's connection pool, every call with a timeout."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import yaml

from drconsole.lab.env import LabEnv

TIMEOUT = (1.0, 3.0)  # connect, read (seconds)
APPLY = "application/apply-patch+yaml"
FIELD_MANAGER = "drconsole-lab-region"

Obj = dict[str, Any]
_PARSED: dict[Path, tuple[bytes, Obj]] = {}  # kubeconfig path -> (its text, parsed)


class PlaneUnavailable(RuntimeError):
    """The plane is not part of this lab, or its API server does not answer."""


def kubeconfig_path(env: LabEnv) -> Path | None:
    kube = env.facts().get("kube") or {}
    path = Path(kube["kubeconfig"]) if kube.get("kubeconfig") else env.root / "kube" / "kubeconfig"
    return path if path.is_file() else None


def _data(entry: dict[str, Any], key: str) -> str:
    """`<key>-data` as is, or the file `<key>` read and base64-encoded."""
    if entry.get(f"{key}-data"):
        return str(entry[f"{key}-data"])
    if entry.get(key):
        return base64.b64encode(Path(entry[key]).read_bytes()).decode()
    return ""


def plane_kubeconfig(env: LabEnv, plane: str) -> Obj:
    """A self-contained kubeconfig (credentials inline) with one context, named after the plane."""
    path = kubeconfig_path(env)
    if path is None:
        raise PlaneUnavailable(f"no kubeconfig for plane {plane!r} (the kube part is not up)")
    full = _parsed(path)
    try:
        context = next(c["context"] for c in full["contexts"] if c["name"] == plane)
        cluster = next(c["cluster"] for c in full["clusters"] if c["name"] == context["cluster"])
        user = next(u["user"] for u in full["users"] if u["name"] == context["user"])
    except (StopIteration, KeyError, TypeError):
        raise PlaneUnavailable(f"the lab kubeconfig has no context {plane!r}") from None
    inline_user = {"client-certificate-data": _data(user, "client-certificate"),
                   "client-key-data": _data(user, "client-key")}
    return {
        "apiVersion": "v1", "kind": "Config", "preferences": {}, "current-context": plane,
        "clusters": [{"name": plane, "cluster": {"server": cluster["server"],
                                                 "certificate-authority-data": _data(cluster,
                                                                                     "certificate-authority")}}],
        "users": [{"name": plane, "user": {k: v for k, v in inline_user.items() if v}}],
        "contexts": [{"name": plane, "context": {"cluster": plane, "user": plane}}],
    }


def _parsed(path: Path) -> Obj:
    """The kubeconfig's YAML, parsed again only when its text has changed: most region calls read it."""
    text = path.read_bytes()
    known = _PARSED.get(path)
    if known is None or known[0] != text:
        known = _PARSED[path] = (text, yaml.safe_load(text))
    return known[1]


def plane_server(env: LabEnv, plane: str) -> str:
    return str(plane_kubeconfig(env, plane)["clusters"][0]["cluster"]["server"])


class Plane:
    """One control plane, as plain-dict REST calls."""

    def __init__(self, env: LabEnv, name: str) -> None:
        from kubernetes import config

        self.name = name
        self._client = config.new_client_from_config_dict(plane_kubeconfig(env, name), context=name)

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, path: str, body: Any = None, content_type: str = "application/json") -> Obj | None:
        """The decoded answer, or None for 404; PlaneUnavailable for anything else."""
        from kubernetes.client.exceptions import ApiException

        headers = {"Accept": "application/json", "Content-Type": content_type}
        method, url, headers, body, _ = self._client.param_serialize(
            method=method, resource_path=path, header_params=headers, body=body, auth_settings=[])
        try:
            reply = self._client.call_api(method, url, headers, body, _request_timeout=TIMEOUT)
            raw = reply.read()
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise PlaneUnavailable(f"{self.name}: HTTP {exc.status}: {exc.reason}") from None
        except Exception as exc:  # urllib3 connection errors and timeouts
            raise PlaneUnavailable(f"{self.name}: {type(exc).__name__}") from None
        if reply.status == 404:
            return None
        if not 200 <= reply.status < 300:
            raise PlaneUnavailable(f"{self.name}: HTTP {reply.status}: {raw[:200]!r}")
        return json.loads(raw) if raw else {}

    def get(self, path: str) -> Obj | None:
        return self.request("GET", path)

    def apply(self, path: str, obj: Obj) -> Obj | None:
        """Server-side apply `obj` at its own URL `path`."""
        return self.request("PATCH", f"{path}?fieldManager={FIELD_MANAGER}&force=true", obj, APPLY)

    def delete(self, path: str) -> None:
        self.request("DELETE", path)


def object_url(obj: Obj, plural: str) -> str:
    api_version = str(obj["apiVersion"])
    base = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
    namespace = obj["metadata"].get("namespace")
    if namespace:
        base += f"/namespaces/{namespace}"
    return f"{base}/{plural}/{obj['metadata']['name']}"
