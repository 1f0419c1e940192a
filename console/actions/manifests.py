"""Kubernetes manifests as actions apply them: where each lives, whether live state already
matches, and the diff a plan shows (server-side dry-run result against the live object)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import yaml

from drconsole.actions.base import KubeChange
from drconsole.actions.context import ActionContext
from drconsole.context import ClusterRole
from drconsole.errors import DrconsoleError

# kind -> (plural, namespaced)
KINDS: dict[str, tuple[str, bool]] = {
    "Namespace": ("namespaces", False),
    "ServiceAccount": ("serviceaccounts", True),
    "ConfigMap": ("configmaps", True),
    "Secret": ("secrets", True),
    "Service": ("services", True),
    "Deployment": ("deployments", True),
    "ClusterRole": ("clusterroles", False),
    "ClusterRoleBinding": ("clusterrolebindings", False),
    "Role": ("roles", True),
    "RoleBinding": ("rolebindings", True),
    "Ingress": ("ingresses", True),
    "ApplicationSet": ("applicationsets", True),
    "Application": ("applications", True),
    "MseIngressConfig": ("mseingressconfigs", False),
}
VOLATILE_META = ("managedFields", "resourceVersion", "uid", "generation", "creationTimestamp")


def object_path(manifest: Mapping[str, Any]) -> str:
    kind = str(manifest.get("kind"))
    if kind not in KINDS:
        raise DrconsoleError(f"drconsole cannot apply objects of kind {kind!r}",
                             fix=f"supported kinds: {', '.join(sorted(KINDS))}")
    plural, namespaced = KINDS[kind]
    api_version = str(manifest["apiVersion"])
    base = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
    meta = manifest["metadata"]
    if namespaced:
        base += f"/namespaces/{meta.get('namespace') or 'default'}"
    return f"{base}/{plural}/{meta['name']}"


def is_subset(desired: Any, live: Any) -> bool:
    """Every field we set is live with the same value (what `already done` means for a manifest)."""
    if isinstance(desired, Mapping):
        return isinstance(live, Mapping) and all(k in live and is_subset(v, live[k]) for k, v in desired.items())
    if isinstance(desired, list):
        return isinstance(live, list) and len(desired) == len(live) and all(
            is_subset(d, lv) for d, lv in zip(desired, live, strict=True))
    return bool(desired == live or (desired is not None and str(desired) == str(live)))


def comparable(obj: Mapping[str, Any] | None) -> dict[str, Any]:
    """An object without status and server bookkeeping, for diffs."""
    if not obj:
        return {}
    trimmed = {k: v for k, v in obj.items() if k != "status"}
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in VOLATILE_META}
    trimmed["metadata"] = meta
    return trimmed


def diff(live: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    before_text = yaml.safe_dump(comparable(live), sort_keys=True).splitlines() if live else []
    after_text = yaml.safe_dump(comparable(after), sort_keys=True).splitlines()
    return [line for line in difflib.unified_diff(before_text, after_text, "live", "after", lineterm="", n=1)]


def plan_manifests(actx: ActionContext, role: ClusterRole, manifests: list[dict[str, Any]]
                   ) -> tuple[list[KubeChange], dict[str, Any]]:
    """The changes needed to make `manifests` live on `role`, and the evidence for those that are.

    Reads the live objects; for objects that differ, asks the API server for a server-side dry run
    (unless in read-only mode, where only the client-side view is shown)."""
    changes: list[KubeChange] = []
    evidence: dict[str, Any] = {}
    for manifest in manifests:
        path = object_path(manifest)
        live = actx.kube_get(role, path)
        meta = manifest["metadata"]
        ref = f"{manifest['kind']} {meta.get('namespace', '') + '/' if KINDS[manifest['kind']][1] else ''}" \
              f"{meta['name']}"
        if live is not None and is_subset(manifest, live):
            evidence[f"{role}: {ref}"] = {"resourceVersion": live["metadata"].get("resourceVersion"),
                                          "matches": "every applied field is live"}
            continue
        if actx.ctx.read_only:
            after: Mapping[str, Any] = manifest
            note = ["(read-only: no server-side dry run; showing the manifest)"]
        else:
            after = actx.kube_apply(role, path, manifest, dry_run=True)
            note = []
        changes.append(KubeChange(role=role, kind=manifest["kind"], name=meta["name"],
                                  namespace=meta.get("namespace") if KINDS[manifest["kind"]][1] else None,
                                  manifest=manifest, exists=live is not None, diff=note + diff(live, after)))
    return changes, evidence


def apply_changes(actx: ActionContext, changes: list[KubeChange]) -> list[str]:
    """Server-side dry run, then server-side apply, of every change; returns the new resourceVersions."""
    for change in changes:
        actx.kube_apply(change.role, object_path(change.manifest), change.manifest, dry_run=True)
    versions = []
    for change in changes:
        actx.progress(f"applying {change.ref}")
        answer = actx.kube_apply(change.role, object_path(change.manifest), change.manifest,
                                 dry_run=False)
        versions.append(f"{change.ref} @ {answer.get('metadata', {}).get('resourceVersion')}")
    return versions
