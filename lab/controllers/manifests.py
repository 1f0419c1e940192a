"""The Fleet objects of the finished procedure (the "built" start state), in the shapes the
procedure uses (ackone-facts §B.2, §B.3, §C); the procedure test applies the same ones."""

from __future__ import annotations

from typing import Any

APP_NAMESPACE = "demo"
SERVICE = "service1"
INGRESS = "web-demo"
APPSET = "web-demo"
MSE_CONFIG = "ackone-gateway-cn-hangzhou"
BUILDER = "drconsole-lab"  # the field manager of what a `built` lab applies: made long before the lab starts


def namespace(name: str = APP_NAMESPACE) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def application_set(repo_url: str) -> dict[str, Any]:
    """One web-demo Application per Argo CD cluster, each with that cluster's ID as `clusterId`."""
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
        "metadata": {"name": APPSET, "namespace": "argocd"},
        "spec": {
            "goTemplate": True,
            "goTemplateOptions": ["missingkey=error"],
            "generators": [{"clusters": {"selector": {"matchLabels": {
                "argocd.argoproj.io/secret-type": "cluster"}}}}],
            "template": {
                "metadata": {"name": "{{.metadata.annotations.cluster_id}}-web-demo"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": repo_url, "targetRevision": "main", "path": "manifests/helm/web-demo",
                               "helm": {"parameters": [
                                   {"name": "clusterId", "value": "{{.metadata.annotations.cluster_id}}"},
                                   {"name": "envCluster", "value": "{{.metadata.annotations.cluster_id}}"}]}},
                    "destination": {"server": "{{.server}}", "namespace": APP_NAMESPACE},
                    "syncPolicy": {"automated": {"prune": True, "selfHeal": True},
                                   "syncOptions": ["CreateNamespace=true"]},
                },
            },
        },
    }


def mse_ingress_config(cluster_ids: list[str], vswitches: list[str] | None = None) -> dict[str, Any]:
    # An internal SLB, so the data center reaches the gateway over Express Connect.
    network: dict[str, Any] = {**({"vSwitches": vswitches} if vswitches else {}), "privateSLBSpec": "slb.s2.small"}
    return {
        "apiVersion": "mse.alibabacloud.com/v1alpha1", "kind": "MseIngressConfig",
        "metadata": {"name": MSE_CONFIG,
                     "annotations": {"mse.alibabacloud.com/remote-clusters": ",".join(cluster_ids)}},
        "spec": {"name": "mse-ingress",
                 "common": {"instance": {"spec": "2c4g", "replicas": 3}, "network": network},
                 "ingress": {"local": {"ingressClass": "mse"}}},
    }


def active_standby_ingress(host: str, primary_cluster_id: str, name: str = INGRESS) -> dict[str, Any]:
    """Everything to the primary cluster; the gateway falls back to the other when it has no pods."""
    return {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": name, "namespace": APP_NAMESPACE, "annotations": {
            "mse.ingress.kubernetes.io/service-subset": "",
            "mse.ingress.kubernetes.io/subset-labels": f"topology.istio.io/cluster {primary_cluster_id}"}},
        "spec": {"ingressClassName": "mse", "rules": [{"host": host, "http": {"paths": [
            {"path": "/", "pathType": "Prefix",
             "backend": {"service": {"name": SERVICE, "port": {"number": 80}}}}]}}]},
    }
