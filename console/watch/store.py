"""Where the alert state lives: in memory for a lone watcher, or in a ConfigMap on the Fleet that
the replicas share (written only by the leader, each write based on the version it read)."""

from __future__ import annotations

from typing import Any, Protocol

from drconsole.coordination.fleet import FleetError, kube_call
from drconsole.watch.alerts import AlertState

DATA_KEY = "alerts.json"


class AlertStore(Protocol):
    def load(self) -> AlertState: ...

    def save(self, state: AlertState) -> None: ...


class MemoryStore:
    """A single watcher's state; lost when it stops (a restart re-alerts what is still failing)."""

    def __init__(self) -> None:
        self._state = AlertState()

    def load(self) -> AlertState:
        return self._state.model_copy(deep=True)

    def save(self, state: AlertState) -> None:
        self._state = state.model_copy(deep=True)


class StoreConflict(FleetError):
    """Another writer changed the alert state since it was read (this replica is no longer the leader)."""


class ConfigMapStore:
    """The state as JSON in one ConfigMap; `save` fails with StoreConflict if someone wrote in between."""

    def __init__(self, api: Any, namespace: str, name: str) -> None:
        self.api, self.namespace, self.name = api, namespace, name
        self._version: str | None = None

    def _path(self, name: str | None = None) -> str:
        base = f"/api/v1/namespaces/{self.namespace}/configmaps"
        return f"{base}/{name}" if name else base

    def _call(self, method: str, path: str, body: Any = None, verb: str = "get") -> dict[str, Any] | None:
        return kube_call(self.api, method, path, body, verb=verb, resource="configmaps", namespace=self.namespace,
                         conflict_ok=True)

    def load(self) -> AlertState:
        found = self._call("GET", self._path(self.name))
        if found is None:
            self._version = None
            return AlertState()
        self._version = str(found["metadata"]["resourceVersion"])
        text = (found.get("data") or {}).get(DATA_KEY) or "{}"
        return AlertState.model_validate_json(text)

    def save(self, state: AlertState) -> None:
        body: dict[str, Any] = {
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": self.name, "labels": {"app.kubernetes.io/managed-by": "drconsole"}},
            "data": {DATA_KEY: state.model_dump_json()}}
        if self._version is None:
            written = self._call("POST", self._path(), body, verb="create")
        else:
            body["metadata"]["resourceVersion"] = self._version
            written = self._call("PUT", self._path(self.name), body, verb="update")
        if written is None:
            raise StoreConflict(f"configmap {self.namespace}/{self.name} changed since it was read",
                                fix="nothing to do: another replica leads now and sends the alerts")
        self._version = str(written["metadata"]["resourceVersion"])
