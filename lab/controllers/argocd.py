"""A small Argo CD: the ApplicationSet cluster generator and Application sync, on the Fleet.

ApplicationSets (goTemplate) with a `clusters` generator produce one Application per Argo CD
cluster Secret. Each Application is synced from the lab's local git repository to the plane its
destination names (through the cluster Secret), server-side applied with field manager
"argocd-lab", and gets `status.sync`, `status.health` and `status.operationState` written back.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from typing import Any

from drconsole.lab.controllers.gitrepo import RepoError, render_chart, resolve_revision
from drconsole.lab.controllers.gotemplate import TemplateError, render
from drconsole.lab.controllers.kubeapi import Kube, KubeError, Obj, api_path
from drconsole.lab.controllers.kubelet import now

MANAGER = "argocd-lab"
NAMESPACE = "argocd"
SECRET_TYPE_LABEL = "argocd.argoproj.io/secret-type"
IN_CLUSTER = "https://kubernetes.default.svc"
GROUP_VERSION = "argoproj.io/v1alpha1"

# kind -> (apiVersion, plural, namespaced): what the demo repository may hold.
KINDS: dict[str, tuple[str, str, bool]] = {
    "Deployment": ("apps/v1", "deployments", True),
    "Service": ("v1", "services", True),
    "ConfigMap": ("v1", "configmaps", True),
    "ServiceAccount": ("v1", "serviceaccounts", True),
    "Namespace": ("v1", "namespaces", False),
}
_HEALTH_ORDER = ["Healthy", "Progressing", "Missing", "Degraded"]


def synced(desired: Any, live: Any) -> bool:
    """Argo CD's sync verdict for one field: every field the desired manifest sets is live with that value;
    fields only the live object has (server defaults, status, other managers' fields) are left out of the
    comparison (the default "legacy" diff strategy compares desired, live and last-applied state:
    https://argo-cd.readthedocs.io/en/stable/user-guide/diff-strategies/). The API server returns a resource
    quantity or an int-or-string as a string, so a number in git equals its string form live."""
    if isinstance(desired, Mapping):
        return isinstance(live, Mapping) and all(key in live and synced(value, live[key])
                                                 for key, value in desired.items())
    if isinstance(desired, list):
        return (isinstance(live, list) and len(desired) == len(live)
                and all(synced(d, lv) for d, lv in zip(desired, live, strict=True)))
    if isinstance(desired, int | float) and not isinstance(desired, bool) and isinstance(live, str):
        return str(desired) == live
    return bool(desired == live)


def cluster_params(secret: Mapping[str, Any]) -> dict[str, Any]:
    """The cluster generator's parameters for one cluster Secret."""
    data = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
    data.update(secret.get("stringData") or {})
    name = data.get("name", "")
    meta = secret.get("metadata") or {}
    return {"name": name, "nameNormalized": re.sub(r"[^a-z0-9.-]", "-", name.lower()),
            "server": data.get("server", ""),
            "metadata": {"labels": dict(meta.get("labels") or {}),
                         "annotations": dict(meta.get("annotations") or {})}}


def matches_selector(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if (op == "In" and labels.get(key) not in values) or (op == "NotIn" and labels.get(key) in values) \
                or (op == "Exists" and key not in labels) or (op == "DoesNotExist" and key in labels):
            return False
    return True


def generate_applications(appset: Mapping[str, Any], secrets: list[Obj]) -> list[Obj]:
    """The Applications an ApplicationSet stands for (raises TemplateError on a bad template)."""
    spec = appset.get("spec") or {}
    if not spec.get("goTemplate"):
        raise TemplateError("the lab's ApplicationSet controller renders goTemplate: true templates only")
    meta = appset["metadata"]
    apps: list[Obj] = []
    for generator in spec.get("generators") or []:
        clusters = generator.get("clusters")
        if clusters is None:
            raise TemplateError("the lab's ApplicationSet controller supports the clusters generator only")
        selector = clusters.get("selector") or {}
        for secret in secrets:
            if not matches_selector(selector, (secret.get("metadata") or {}).get("labels") or {}):
                continue
            params = cluster_params(secret)
            rendered = render(spec.get("template") or {}, params)
            app_meta = rendered.get("metadata") or {}
            apps.append({
                "apiVersion": GROUP_VERSION, "kind": "Application",
                "metadata": {"name": app_meta["name"], "namespace": meta["namespace"],
                             "labels": app_meta.get("labels") or {},
                             "annotations": app_meta.get("annotations") or {},
                             "ownerReferences": [{"apiVersion": GROUP_VERSION, "kind": "ApplicationSet",
                                                  "name": meta["name"], "uid": meta["uid"], "controller": True,
                                                  "blockOwnerDeletion": True}]},
                "spec": rendered.get("spec") or {},
            })
    return apps


class ArgoCD:
    def __init__(self, fleet: Kube, plane_for_server: Callable[[str], Kube | None]) -> None:
        self.fleet = fleet
        self.plane_for_server = plane_for_server
        self._status_path: dict[str, bool] = {}

    def cluster_secrets(self) -> list[Obj]:
        return self.fleet.list(api_path("v1", "secrets", NAMESPACE), f"{SECRET_TYPE_LABEL}=cluster")

    def reconcile(self) -> None:
        secrets = self.cluster_secrets()
        for appset in self.fleet.list(api_path(GROUP_VERSION, "applicationsets", NAMESPACE)):
            self._reconcile_appset(appset, secrets)
        for app in self.fleet.list(api_path(GROUP_VERSION, "applications", NAMESPACE)):
            self._reconcile_app(app, secrets)

    # -- ApplicationSets -------------------------------------------------------------------------
    def _reconcile_appset(self, appset: Obj, secrets: list[Obj]) -> None:
        uid = appset["metadata"]["uid"]
        apps_path = api_path(GROUP_VERSION, "applications", NAMESPACE)
        existing = {a["metadata"]["name"]: a for a in self.fleet.list(apps_path)
                    if any(r.get("uid") == uid for r in a["metadata"].get("ownerReferences") or [])}
        try:
            apps = generate_applications(appset, secrets)
            error = ""
        except (TemplateError, KeyError) as exc:
            apps, error = [], f"failed to generate Applications: {exc}"
        for app in apps:
            live = existing.get(app["metadata"]["name"])
            if live is None or not synced(app["spec"], live.get("spec")):
                self.fleet.apply(app, "applications", MANAGER)
        if not error:
            for name in set(existing) - {a["metadata"]["name"] for a in apps}:
                self.fleet.delete(api_path(GROUP_VERSION, "applications", NAMESPACE, name))
        conditions = [
            {"type": "ErrorOccurred", "status": "True" if error else "False",
             "reason": "ApplicationGenerationFromParamsError" if error else "ApplicationSetUpToDate",
             "message": error or "All applications have been generated successfully"},
            {"type": "ResourcesUpToDate", "status": "False" if error else "True",
             "reason": "ApplicationGenerationFromParamsError" if error else "ApplicationSetUpToDate",
             "message": error or "All applications have been generated successfully"},
        ]
        resources = [{"apiVersion": GROUP_VERSION, "kind": "Application", "name": a["metadata"]["name"],
                      "namespace": NAMESPACE} for a in apps]
        self._write_status(appset, "applicationsets", {"conditions": conditions, "resources": resources},
                           ignore=("lastTransitionTime",))

    # -- Applications ----------------------------------------------------------------------------
    def _reconcile_app(self, app: Obj, secrets: list[Obj]) -> None:
        spec = app.get("spec") or {}
        status: dict[str, Any] = {"reconciledAt": now(), "sourceType": "Helm"}
        try:
            kube, manifests, revision = self._desired(app, secrets)
        except (RepoError, TemplateError, KubeError, LookupError) as exc:
            status.update(sync={"status": "Unknown"}, health={"status": "Unknown"},
                          conditions=[{"type": "ComparisonError", "message": str(exc),
                                       "lastTransitionTime": now()}])
            self._write_status(app, "applications", status, ignore=("reconciledAt", "lastTransitionTime"))
            return
        live = [kube.get(_path(m)) for m in manifests]
        in_sync = all(lv is not None and synced(_comparable(m), lv) for m, lv in zip(manifests, live, strict=True))
        previous = (app.get("status") or {}).get("operationState")
        operation = previous
        automated = (spec.get("syncPolicy") or {}).get("automated") is not None
        if not in_sync and automated:
            operation = self._sync(kube, app, manifests, revision)
            live = [kube.get(_path(m)) for m in manifests]
            in_sync = all(lv is not None and synced(_comparable(m), lv)
                          for m, lv in zip(manifests, live, strict=True))
        resources = []
        healths = []
        for m, lv in zip(manifests, live, strict=True):
            health = _health(m["kind"], lv)
            healths.append(health)
            api_version = m["apiVersion"]
            resources.append({"group": api_version.split("/")[0] if "/" in api_version else "",
                              "version": api_version.split("/")[-1], "kind": m["kind"],
                              "namespace": m["metadata"].get("namespace", ""), "name": m["metadata"]["name"],
                              "status": "Synced" if lv is not None and synced(_comparable(m), lv) else "OutOfSync",
                              "health": {"status": health}})
        overall = max(healths, key=_HEALTH_ORDER.index) if healths else "Healthy"
        source = spec.get("source") or {}
        status.update(
            sync={"status": "Synced" if in_sync else "OutOfSync", "revision": revision,
                  "comparedTo": {"source": source, "destination": spec.get("destination") or {}}},
            health={"status": overall}, resources=resources, conditions=[])
        if operation:
            status["operationState"] = operation
        self._write_status(app, "applications", status, ignore=("reconciledAt", "lastTransitionTime"))

    def _desired(self, app: Obj, secrets: list[Obj]) -> tuple[Kube, list[Obj], str]:
        spec = app.get("spec") or {}
        destination = spec.get("destination") or {}
        server = destination.get("server") or ""
        if not server and destination.get("name"):
            named = [cluster_params(s) for s in secrets]
            server = next((p["server"] for p in named if p["name"] == destination["name"]), "")
            if not server:
                raise LookupError(f"there is no Argo CD cluster named {destination['name']!r}")
        kube = self.plane_for_server(server)
        if kube is None:
            raise LookupError(f"there is no Argo CD cluster with server {server!r}")
        source = spec.get("source") or {}
        namespace = destination.get("namespace") or "default"
        revision = resolve_revision(source.get("repoURL", ""), source.get("targetRevision") or "HEAD")
        manifests = render_chart(source.get("repoURL", ""), revision, source.get("path", ""), namespace,
                                 app["metadata"]["name"], (source.get("helm") or {}).get("parameters") or [])
        for m in manifests:
            if m.get("kind") not in KINDS:
                raise LookupError(f"the lab cannot sync kind {m.get('kind')!r}")
            meta = m.setdefault("metadata", {})
            if KINDS[m["kind"]][2]:
                meta.setdefault("namespace", namespace)
            meta.setdefault("labels", {})["app.kubernetes.io/instance"] = app["metadata"]["name"]
            meta.setdefault("annotations", {})["argocd.argoproj.io/tracking-id"] = (
                f"{app['metadata']['name']}:{m['apiVersion'].split('/')[0] if '/' in m['apiVersion'] else ''}"
                f"/{m['kind']}:{meta.get('namespace', '')}/{meta['name']}")
        return kube, manifests, revision

    def _sync(self, kube: Kube, app: Obj, manifests: list[Obj], revision: str) -> dict[str, Any]:
        spec = app.get("spec") or {}
        options = (spec.get("syncPolicy") or {}).get("syncOptions") or []
        started = now()
        results = []
        phase, message = "Succeeded", "successfully synced (all tasks run)"
        try:
            namespace = (spec.get("destination") or {}).get("namespace")
            if namespace and "CreateNamespace=true" in options:
                kube.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
                           "namespaces", MANAGER)
            for m in manifests:
                kube.apply(m, KINDS[m["kind"]][1], MANAGER)
                results.append({"group": m["apiVersion"].split("/")[0] if "/" in m["apiVersion"] else "",
                                "version": m["apiVersion"].split("/")[-1], "kind": m["kind"],
                                "namespace": m["metadata"].get("namespace", ""), "name": m["metadata"]["name"],
                                "status": "Synced", "message": f"{m['kind'].lower()} configured",
                                "syncPhase": "Sync"})
        except KubeError as exc:
            phase, message = "Failed", f"one or more objects failed to apply: {exc}"
        return {"operation": {"sync": {"revision": revision}, "initiatedBy": {"automated": True}},
                "phase": phase, "message": message, "startedAt": started, "finishedAt": now(),
                "syncResult": {"revision": revision, "source": spec.get("source") or {}, "resources": results}}

    # -- status -------------------------------------------------------------------------------------
    def _write_status(self, obj: Obj, plural: str, status: dict[str, Any], ignore: tuple[str, ...]) -> None:
        if _strip(obj.get("status") or {}, ignore) == _strip(status, ignore):
            return
        meta = obj["metadata"]
        path = api_path(GROUP_VERSION, plural, meta["namespace"], meta["name"])
        patch = {"status": status}
        if self._status_path.get(plural, True):
            try:
                if self.fleet.merge(path + "/status", patch) is not None:
                    return
            except KubeError as exc:
                if exc.status != 404:
                    raise
            self._status_path[plural] = False  # the CRD has no status subresource (as Argo CD's own)
        self.fleet.merge(path, patch)


def _path(manifest: Mapping[str, Any]) -> str:
    api_version, plural, namespaced = KINDS[manifest["kind"]]
    meta = manifest["metadata"]
    return api_path(api_version, plural, meta.get("namespace") if namespaced else None, meta["name"])


def _comparable(manifest: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in manifest.items() if k not in ("apiVersion", "kind")}


def _health(kind: str, live: Mapping[str, Any] | None) -> str:
    if live is None:
        return "Missing"
    if kind != "Deployment":
        return "Healthy"
    status, spec = live.get("status") or {}, live.get("spec") or {}
    conditions = {c.get("type"): c for c in status.get("conditions") or []}
    if (conditions.get("Progressing") or {}).get("reason") == "ProgressDeadlineExceeded":
        return "Degraded"
    replicas = int(spec.get("replicas", 1))
    if status.get("observedGeneration", 0) < live["metadata"].get("generation", 1):
        return "Progressing"
    if (conditions.get("Available") or {}).get("status") == "True" and \
            int(status.get("availableReplicas", 0)) >= replicas:
        return "Healthy"
    return "Progressing"


def _strip(value: Any, ignore: tuple[str, ...]) -> Any:
    if isinstance(value, Mapping):
        return {k: _strip(v, ignore) for k, v in value.items() if k not in ignore}
    if isinstance(value, list):
        return [_strip(v, ignore) for v in value]
    return value
