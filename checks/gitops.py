"""GitOps: the Fleet's Argo CD has a Synced and Healthy Application for each cluster, and each
cluster's copy of the app carries `topology.istio.io/cluster: <its cluster ID>` (pinned failover
selects pods by that label)."""

from __future__ import annotations

import asyncio
import base64
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict

from drconsole.checks import _k8s
from drconsole.context import Context
from drconsole.registry import check
from drconsole.results import Evidence, Outcome

ARGOCD = "argocd"
CLUSTER_SECRETS = (f"/api/v1/namespaces/{ARGOCD}/secrets?labelSelector="
                   + quote("argocd.argoproj.io/secret-type=cluster", safe=""))
APPLICATIONS = f"/apis/argoproj.io/v1alpha1/namespaces/{ARGOCD}/applications"
CLUSTER_LABEL = "topology.istio.io/cluster"


class AppParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cluster_id: str
    namespace: str


class LabelParams(AppParams):
    cluster: Literal["ack", "registered"]
    service: str


def _decoded(secret: dict[str, Any], key: str) -> str:
    try:
        return base64.b64decode((secret.get("data") or {}).get(key, "")).decode()
    except ValueError:
        return ""


def argocd_cluster(secrets: dict[str, Any], cluster_id: str) -> dict[str, str] | None:
    """The Argo CD cluster (name, server) ACK One GitOps registered for `cluster_id`, if any."""
    for secret in secrets.get("items") or []:
        if ((secret.get("metadata") or {}).get("annotations") or {}).get("cluster_id") == cluster_id:
            return {"secret": secret["metadata"]["name"], "name": _decoded(secret, "name"),
                    "server": _decoded(secret, "server")}
    return None


@check("gitops.application-synced", family="gitops",
       title="The cluster's Argo CD Application is Synced and Healthy", timeout=5.0)
async def application_synced(ctx: Context, params: AppParams) -> Outcome:
    (secrets, secrets_ev), (apps, apps_ev) = await asyncio.gather(_k8s.get(ctx, "fleet", CLUSTER_SECRETS),
                                                                  _k8s.get(ctx, "fleet", APPLICATIONS))
    target = argocd_cluster(secrets or {}, params.cluster_id)
    secrets_ev.answer = {"cluster secrets": [
        {"name": s["metadata"]["name"], "annotations": (s["metadata"].get("annotations") or {})}
        for s in (secrets or {}).get("items") or []]}
    if target is None:
        return Outcome.failed("GITOPS-CLUSTER-UNKNOWN", f"Argo CD on the Fleet does not know cluster "
                              f"{params.cluster_id}", secrets_ev, cluster_id=params.cluster_id)
    apps_ev.answer = {a["metadata"]["name"]: {"destination": a["spec"].get("destination"),
                                              "sync": ((a.get("status") or {}).get("sync") or {}).get("status"),
                                              "health": ((a.get("status") or {}).get("health") or {}).get("status")}
                      for a in (apps or {}).get("items") or []}
    return judge_applications(target, (apps or {}).get("items") or [], params, secrets_ev, apps_ev)


def judge_applications(target: dict[str, str], apps: list[dict[str, Any]], params: AppParams, secrets_ev: Evidence,
                       apps_ev: Evidence) -> Outcome:
    """The cluster's Applications (in the app's namespace, else any) must be Synced and Healthy."""
    mine = [a for a in apps
            if ((a.get("spec") or {}).get("destination") or {}).get("server") == target["server"]
            or ((a.get("spec") or {}).get("destination") or {}).get("name") == target["name"]]
    in_namespace = [a for a in mine if a["spec"]["destination"].get("namespace") == params.namespace] or mine
    if not in_namespace:
        return Outcome.failed("GITOPS-NO-APPLICATION", f"no Argo CD Application deploys to cluster "
                              f"{params.cluster_id}", secrets_ev, apps_ev, server=target["server"],
                              name=target["name"])
    bad = []
    for app in in_namespace:
        status = app.get("status") or {}
        sync = (status.get("sync") or {}).get("status") or "Unknown"
        health = (status.get("health") or {}).get("status") or "Unknown"
        if sync != "Synced" or health != "Healthy":
            message = (status.get("health") or {}).get("message") or ""
            bad.append(f"{app['metadata']['name']} is {sync}/{health}" + (f" ({message})" if message else ""))
    if bad:
        return Outcome.failed("GITOPS-NOT-SYNCED", "; ".join(bad), secrets_ev, apps_ev, apps="; ".join(bad))
    names = ", ".join(a["metadata"]["name"] for a in in_namespace)
    return Outcome.passed(f"{names}: Synced and Healthy", secrets_ev, apps_ev)


@check("gitops.cluster-label", family="gitops",
       title=f"The app's pods carry {CLUSTER_LABEL} with their cluster's ID", timeout=5.0)
async def cluster_label(ctx: Context, params: LabelParams) -> Outcome:
    service, service_ev = await _k8s.get(ctx, params.cluster,
                                         f"/api/v1/namespaces/{params.namespace}/services/{params.service}")
    where = f"{_k8s.noun(params.cluster)}, namespace {params.namespace}"
    if service is None:
        return Outcome.failed("GITOPS-NO-SERVICE", f"Service {params.service} does not exist in {where}",
                              service_ev)
    selector = (service.get("spec") or {}).get("selector") or {}
    if not selector:
        return Outcome.failed("GITOPS-NO-SELECTOR", f"Service {params.service} in {where} has no selector",
                              service_ev)
    query = quote(",".join(f"{k}={v}" for k, v in sorted(selector.items())), safe="")
    pods, pods_ev = await _k8s.get(ctx, params.cluster,
                                   f"/api/v1/namespaces/{params.namespace}/pods?labelSelector={query}")
    items = [p for p in (pods or {}).get("items") or [] if not p["metadata"].get("deletionTimestamp")]
    labels = {p["metadata"]["name"]: (p["metadata"].get("labels") or {}).get(CLUSTER_LABEL) for p in items}
    pods_ev.answer = {"pods": {name: {CLUSTER_LABEL: value} for name, value in labels.items()}}
    if not items:
        return Outcome.failed("GITOPS-NO-PODS", f"no pods behind Service {params.service} in {where}", service_ev,
                              pods_ev, selector=selector)
    wrong = {name: value for name, value in labels.items() if value != params.cluster_id}
    if wrong:
        shown = ", ".join(f"{n}={v or '(missing)'}" for n, v in sorted(wrong.items()))
        return Outcome.failed("GITOPS-POD-LABEL", f"{len(wrong)} of {len(items)} pods lack "
                              f"{CLUSTER_LABEL}={params.cluster_id}", service_ev, pods_ev, pods=shown)
    return Outcome.passed(f"all {len(items)} pods in {where} carry {CLUSTER_LABEL}={params.cluster_id}",
                          service_ev, pods_ev)
