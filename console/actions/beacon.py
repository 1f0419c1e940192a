"""The drconsole zone beacon: a stock nginx in each cluster serving a page that names its cluster's ID at
the beacon path, so attribution never depends on the application. Its chart ships with drconsole
(`beacon_chart()`); the operator commits it to the GitOps repository, and `gitops.beacon` deploys it to
both clusters with an ApplicationSet, passing each cluster's ID as the demo chart's does. The DR Ingress
routes the beacon path to it (kube_setup.dr_ingress), so the pin that steers the application steers it."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from pydantic import BaseModel, ConfigDict

from drconsole.actions.base import ApiCall, Plan, Risk, action
from drconsole.actions.context import ActionContext
from drconsole.actions.kube_setup import BEACON_SERVICE, KubeAction, application_set, lab_repo
from drconsole.profile import BEACON_PATH

NAME = BEACON_SERVICE  # the chart, its Deployment, Service and ConfigMap, and the ApplicationSet


def beacon_chart() -> Traversable:
    """The beacon's Helm chart as drconsole ships it (copy it into the GitOps repository)."""
    return files("drconsole.runbooks") / "beacon" / NAME


class BeaconParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    repo_url: str | None = None  # the GitOps repository holding the chart; the lab's own in the lab
    path: str = NAME  # where the chart was committed in it
    revision: str = "main"


@action("gitops.beacon", risk=Risk.MUTATING,
        title="Create the ApplicationSet deploying drconsole's zone beacon to both clusters", params=BeaconParams)
class CreateBeaconAppSet(KubeAction):
    def manifests(self, actx: ActionContext, params: BeaconParams) -> tuple[list[dict[str, Any]], list[ApiCall]]:
        if not actx.profile.attribution.uses_beacon:
            return [], []
        url = params.repo_url or lab_repo(actx)
        return [application_set(url, params.path, params.revision, actx.profile.gateway.namespace, NAME)], []

    def describe(self, actx: ActionContext) -> str:
        if not actx.profile.attribution.uses_beacon:
            return f"nothing to deploy: [attribution] asks {actx.profile.attribution.path}, not the beacon"
        return f"ApplicationSet {NAME}: the beacon in both clusters, answering {BEACON_PATH}"

    def settle(self, actx: ActionContext, plan: Plan) -> None:
        if not plan.changes:
            return

        def generated() -> int | None:
            apps = actx.kube_get("fleet", "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications") or {}
            count = sum(1 for a in apps.get("items") or [] if a["metadata"]["name"].endswith(f"-{NAME}"))
            return count if count >= 2 else None

        actx.wait("a beacon Application for each cluster", generated, timeout=120)
