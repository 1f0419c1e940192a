"""The registered cluster's agent: the manifest DescribeExternalAgent returns, what an operator's
`kubectl apply` of it does on the external (`idc`) plane, and the settings a live Deployment carries
(the lab's controllers run the agent's process from them: drconsole.lab.controllers.agent)."""

from __future__ import annotations

from typing import Any

import yaml

from drconsole.lab.region.kube import Obj, Plane, object_url

NAME = "ack-cluster-agent"
NAMESPACE = "kube-system"
DEPLOYMENT_PATH = f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/{NAME}"
PLURALS = {"ServiceAccount": "serviceaccounts", "ClusterRole": "clusterroles",
           "ClusterRoleBinding": "clusterrolebindings", "ConfigMap": "configmaps", "Deployment": "deployments"}


def register_address(region: str, internal: bool) -> str:
    host = f"cs-anony-vpc.{region}.aliyuncs.com" if internal else f"cs-anony.{region}.aliyuncs.com"
    return f"{host}:5533"


def manifest_objects(cluster_id: str, region: str, internal: bool, mode: str = "admin") -> list[Obj]:
    """ServiceAccount, RBAC, ConfigMap and the `ack-cluster-agent` Deployment in kube-system. The settings
    (env, ConfigMap key) are the published relative's (AliyunContainerService/alibabacloud-ack-connector):
    the endpoint lives only in ALI_STUB_REGISTER_ADDR / INTERNAL_ENDPOINT."""
    labels = {"app": NAME}
    rules: list[dict[str, Any]] = (
        [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}]
        if mode == "admin" else
        [{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["ack-agent-config"],
          "verbs": ["get", "watch", "list"]}])
    registry = f"registry-vpc.{region}.aliyuncs.com" if internal else f"registry.{region}.aliyuncs.com"
    env = [
        {"name": "KUBERNETES_CLUSTER_ID", "value": cluster_id},
        {"name": "REGION", "value": region},
        {"name": "ALI_STUB_REGISTER_ADDR", "value": register_address(region, internal)},
        {"name": "INTERNAL_ENDPOINT", "value": "true" if internal else "false"},
    ]
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": NAME, "namespace": NAMESPACE}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": NAME},
         "rules": rules},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": NAME},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": NAME},
         "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": NAMESPACE}]},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ack-agent-config", "namespace": NAMESPACE},
         "data": {"addNodeScriptPath": ""}},
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": labels},
         "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels},
                               "spec": {"serviceAccountName": NAME, "containers": [{
                                   "name": NAME, "image": f"{registry}/acs/ack-cluster-agent:v1.13.1.95",
                                   "env": env,
                                   "livenessProbe": {"httpGet": {"path": "/healthz", "port": 10254}},
                                   "readinessProbe": {"httpGet": {"path": "/healthz", "port": 10254}}}]}}}},
    ]


def manifest(cluster_id: str, region: str, internal: bool, mode: str = "admin") -> str:
    """The agent manifest as one multi-document YAML string (DescribeExternalAgent `config`)."""
    return yaml.safe_dump_all(manifest_objects(cluster_id, region, internal, mode), sort_keys=False)


def apply(plane: Plane, cluster_id: str, region: str, internal: bool = True) -> None:
    """What an operator's `kubectl apply -f agent.yaml` does on the external cluster."""
    for obj in manifest_objects(cluster_id, region, internal):
        plane.apply(object_url(obj, PLURALS[obj["kind"]]), obj)


def remove(plane: Plane) -> None:
    plane.delete(DEPLOYMENT_PATH)


def deployment_env(deployment: Obj) -> dict[str, str]:
    """The literal env values of the agent Deployment's containers (KUBERNETES_CLUSTER_ID, ALI_STUB_REGISTER_ADDR …)."""
    found: dict[str, str] = {}
    for container in deployment["spec"]["template"]["spec"].get("containers") or []:
        found.update({e["name"]: str(e["value"]) for e in container.get("env") or [] if "value" in e})
    return found
