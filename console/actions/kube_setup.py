"""Setup actions that change Kubernetes objects: the registered cluster's agent, the
ApplicationSet, and the Fleet's namespace, MseIngressConfig and DR Ingress. Plans show the
server-side dry-run diff against the live objects; apply is server-side apply (manager drconsole)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from drconsole.action_events import ActionOutput
from drconsole.actions.base import Action, ApiCall, Plan, Result, Risk, action
from drconsole.actions.cloud_setup import NoParams, _hub, _need
from drconsole.actions.context import ActionContext, ActionFailed
from drconsole.actions.manifests import apply_changes, plan_manifests
from drconsole.actions.probes import gateway_get
from drconsole.context import ClusterRole
from drconsole.kube import manifest_documents
from drconsole.profile import BEACON_PATH

CLUSTER_LABEL = "topology.istio.io/cluster"
BEACON_SERVICE = "drconsole-beacon"  # the Service of the beacon chart (drconsole.actions.beacon)
MSE = "mse.ingress.kubernetes.io/"
PRIVATE_SLB_SPEC = "slb.s2.small"  # the documented default spec ("Configure an MseIngressConfig")


class KubeAction(Action):
    """An action whose work is a list of manifests on one cluster."""

    role: ClusterRole = "fleet"

    def manifests(self, actx: ActionContext, params: Any) -> tuple[list[dict[str, Any]], list[ApiCall]]:
        raise NotImplementedError

    def describe(self, actx: ActionContext) -> str:
        return self.title

    def plan(self, actx: ActionContext, params: Any) -> Plan:
        manifests, reads = self.manifests(actx, params)
        changes, evidence = plan_manifests(actx, self.role, manifests)
        return self.new_plan(actx, self.describe(actx), changes=changes, already_done=not changes,
                             evidence=evidence, data={"reads": [c.render() for c in reads]})

    def apply(self, actx: ActionContext, plan: Plan) -> Result:
        versions = apply_changes(actx, plan.changes)
        self.settle(actx, plan)
        return Result(f"applied {len(versions)} object(s) on {self.role}", output=ActionOutput(applied=versions))

    def settle(self, actx: ActionContext, plan: Plan) -> None:
        """Wait for what the change starts (optional)."""


@action("registered.agent-apply", risk=Risk.MUTATING,
        title="Apply the internal-network agent manifest to the external cluster", params=NoParams)
class ApplyAgent(KubeAction):
    role: ClusterRole = "registered"

    def manifests(self, actx: ActionContext, params: NoParams) -> tuple[list[dict[str, Any]], list[ApiCall]]:
        cluster_id = _need(actx.profile.clusters.registered.id, "registered cluster ID", "registered.create")
        config = actx.call("cs", "DescribeExternalAgent", cluster_id, private_ip_address="true").get("config") or ""
        docs = manifest_documents(config)
        if not docs:
            raise ActionFailed(f"DescribeExternalAgent returned no manifest for {cluster_id}",
                               fix="check the cluster ID and that it is a registered cluster")
        return docs, [ApiCall("cs", "DescribeExternalAgent", {"ClusterId": cluster_id, "PrivateIpAddress": "true"})]

    def describe(self, actx: ActionContext) -> str:
        return f"agent for {actx.profile.clusters.registered.id} on the external cluster (internal network)"

    def settle(self, actx: ActionContext, plan: Plan) -> None:
        cluster_id = actx.profile.clusters.registered.id

        def running() -> str | None:
            state = actx.call("cs", "DescribeClusterDetail", cluster_id).get("state")
            return state if state == "running" else None

        actx.wait(f"registered cluster {cluster_id} running", running, timeout=300)


class RepoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    repo_url: str | None = None
    path: str = "manifests/helm/web-demo"
    revision: str = "main"


def application_set(repo_url: str, path: str, revision: str, namespace: str, name: str = "web-demo") -> dict[str, Any]:
    """One Application per cluster associated with the Fleet, each stamped with its cluster ID: as the pod
    label (`clusterId`) and as the page's ENV_NAME (`envCluster`), so the demo page names its cluster."""
    cluster_id = "{{.metadata.annotations.cluster_id}}"
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
        "metadata": {"name": name, "namespace": "argocd"},
        "spec": {
            "goTemplate": True, "goTemplateOptions": ["missingkey=error"],
            "generators": [{"clusters": {"selector": {"matchLabels": {"argocd.argoproj.io/secret-type": "cluster"}}}}],
            "template": {
                "metadata": {"name": f"{cluster_id}-{name}"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": repo_url, "targetRevision": revision, "path": path,
                               "helm": {"parameters": [
                                   {"name": "clusterId", "value": cluster_id},
                                   {"name": "envCluster", "value": cluster_id}]}},
                    "destination": {"server": "{{.server}}", "namespace": namespace},
                    "syncPolicy": {"automated": {"prune": True, "selfHeal": True},
                                   "syncOptions": ["CreateNamespace=true"]},
                },
            },
        },
    }


@action("gitops.appset", risk=Risk.MUTATING,
        title="Create the ApplicationSet deploying the app to both clusters (pod label = cluster ID)",
        params=RepoParams)
class CreateAppSet(KubeAction):
    def manifests(self, actx: ActionContext, params: RepoParams) -> tuple[list[dict[str, Any]], list[ApiCall]]:
        url = params.repo_url or lab_repo(actx)
        return [application_set(url, params.path, params.revision, actx.profile.gateway.namespace)], []

    def settle(self, actx: ActionContext, plan: Plan) -> None:
        def generated() -> int | None:
            apps = actx.kube_get("fleet", "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications") or {}
            count = len(apps.get("items") or [])
            return count if count >= 2 else None

        actx.wait("an Application for each cluster", generated, timeout=120)


def lab_repo(actx: ActionContext) -> str:
    lab = actx.profile.lab
    if lab is None:
        raise ActionFailed("no Git repository URL for the ApplicationSet",
                           fix="give `repo_url` in the runbook step's `with:`")
    import json as _json

    facts = _json.loads((lab.dir / "facts.json").read_text())
    repo = (facts.get("controllers") or {}).get("git_repo")
    if not repo:
        raise ActionFailed("the lab has no GitOps repository yet", where=str(lab.dir / "facts.json"),
                           fix="bring the lab's controllers part up (`drconsole lab up`)")
    from pathlib import Path

    return Path(repo).resolve().as_uri()


@action("gateway.namespace", risk=Risk.MUTATING, title="Create the application namespace on the Fleet",
        params=NoParams)
class CreateNamespace(KubeAction):
    def manifests(self, actx: ActionContext, params: NoParams) -> tuple[list[dict[str, Any]], list[ApiCall]]:
        return [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": actx.profile.gateway.namespace}}], []


@action("gateway.mse-ingress-config", risk=Risk.MUTATING,
        title="Create the MseIngressConfig with both clusters", params=NoParams)
class CreateMseIngressConfig(KubeAction):
    def manifests(self, actx: ActionContext, params: NoParams) -> tuple[list[dict[str, Any]], list[ApiCall]]:
        clusters = actx.profile.clusters
        fleet = _need(clusters.fleet.id, "Fleet ID", "fleet.create")
        ids = [_need(clusters.ack.id, "ACK cluster ID", "design.same-vpc"),
               _need(clusters.registered.id, "registered cluster ID", "registered.create")]
        hub = _hub(actx, fleet) or {}
        switches = [str(s) for s in (hub.get("Network") or {}).get("VSwitches") or []][:2]
        # An internal SLB: the data center reaches the gateway over Express Connect, not the Internet.
        network: dict[str, Any] = {"privateSLBSpec": PRIVATE_SLB_SPEC}
        if switches:
            network["vSwitches"] = switches
        common: dict[str, Any] = {"instance": {"spec": "2c4g", "replicas": 3}, "network": network}
        manifest = {
            "apiVersion": "mse.alibabacloud.com/v1alpha1", "kind": "MseIngressConfig",
            "metadata": {"name": actx.profile.gateway.mse_ingress_config,
                         "annotations": {"mse.alibabacloud.com/remote-clusters": ",".join(ids)}},
            "spec": {"name": "mse-ingress", "common": common, "ingress": {"local": {"ingressClass": "mse"}}},
        }
        return [manifest], [ApiCall("adcp", "DescribeHubClusterDetails", {"ClusterId": fleet})]

    def settle(self, actx: ActionContext, plan: Plan) -> None:
        name = actx.profile.gateway.mse_ingress_config

        def listening() -> str | None:
            obj = actx.kube_get("fleet", f"/apis/mse.alibabacloud.com/v1alpha1/mseingressconfigs/{name}") or {}
            status = obj.get("status") or {}
            if status.get("status") == "Failed":
                raise ActionFailed(f"MseIngressConfig {name} Failed: {status.get('message')}",
                                   fix="correct what the message names and re-run the step")
            return "Listening" if status.get("status") == "Listening" else None

        actx.wait(f"MseIngressConfig {name} Listening", listening, timeout=600)


def dr_ingress(actx: ActionContext, pin_cluster: str | None) -> dict[str, Any]:
    """The DR Ingress: pinned to one cluster (active-standby / failover) or spread (active-active)."""
    gw = actx.profile.gateway
    annotations = {MSE + "service-subset": "", MSE + "subset-labels": f"{CLUSTER_LABEL} {pin_cluster}"} \
        if pin_cluster else {}
    paths = [_prefix("/", gw.service)]
    if actx.profile.attribution.uses_beacon:  # the beacon rides the same pin as the app
        paths.append(_prefix(BEACON_PATH.rstrip("/"), BEACON_SERVICE))
    return {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": gw.ingress, "namespace": gw.namespace, "annotations": annotations},
        "spec": {"ingressClassName": "mse", "rules": [{"host": gw.host, "http": {"paths": paths}}]},
    }


def _prefix(path: str, service: str) -> dict[str, Any]:
    return {"path": path, "pathType": "Prefix", "backend": {"service": {"name": service, "port": {"number": 80}}}}


def primary_cluster(actx: ActionContext) -> str | None:
    gw, clusters = actx.profile.gateway, actx.profile.clusters
    if gw.mode == "active-active":
        return None
    return str(_need(getattr(clusters, gw.primary).id, f"{gw.primary} cluster ID", "registered.create"))


@action("gateway.ingress", risk=Risk.MUTATING, title="Create the zone-DR Ingress on the Fleet", params=NoParams)
class CreateIngress(KubeAction):
    def manifests(self, actx: ActionContext, params: NoParams) -> tuple[list[dict[str, Any]], list[ApiCall]]:
        return [dr_ingress(actx, primary_cluster(actx))], []

    def describe(self, actx: ActionContext) -> str:
        gw = actx.profile.gateway
        return f"{gw.mode} Ingress {gw.namespace}/{gw.ingress} for {gw.host}"

    def settle(self, actx: ActionContext, plan: Plan) -> None:
        gw = actx.profile.gateway
        path = f"/apis/networking.k8s.io/v1/namespaces/{gw.namespace}/ingresses/{gw.ingress}"

        def published() -> Any:
            obj = actx.kube_get("fleet", path) or {}
            return ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or None

        actx.wait("the gateway publishes the Ingress address", published, timeout=300)
        # The gateway applies a new route some seconds after the Ingress lands (docs/cloud-facts.md, MSE): the
        # step is done when the host is routed, so the checks that follow judge the route, not its propagation.
        def routed() -> int | None:
            status = gateway_get(actx).get("status")
            return status if status is not None and status != 404 and status < 500 else None

        actx.wait(f"the gateway routes {gw.host}", routed, timeout=120)
