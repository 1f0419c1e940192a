"""The lab's control planes are real API servers: apply, validation, dry-run and zone labels."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.lab, pytest.mark.kube]

MSE = ("mse.alibabacloud.com/v1alpha1", "MseIngressConfig")


def _dynamic(facts: dict[str, Any], context: str, cache: Path) -> Any:
    from kubernetes import dynamic

    from drconsole.lab.kube.client import api_client

    return dynamic.DynamicClient(api_client(facts["kubeconfig"], context),
                                 cache_file=str(cache / f"discovery-{context}.json"))


@pytest.fixture
def fleet(kube_planes: dict[str, Any], tmp_path: Path) -> Any:
    return _dynamic(kube_planes, "fleet", tmp_path)


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def stored_config(fleet: Any) -> Iterator[str]:
    """A name for an MseIngressConfig the test stores on the session's Fleet, deleted after it: the lab's
    region makes a gateway for each one, which later tests would count."""
    from kubernetes.dynamic.exceptions import NotFoundError

    name = _unique("gateway")
    yield name
    with contextlib.suppress(NotFoundError):
        fleet.delete(fleet.resources.get(api_version=MSE[0], kind=MSE[1]), name=name)


def _mse_config(name: str, **instance: Any) -> dict[str, Any]:
    return {
        "apiVersion": MSE[0], "kind": MSE[1],
        "metadata": {"name": name, "annotations": {"mse.alibabacloud.com/remote-clusters": "c-ack,c-idc"}},
        "spec": {"common": {"instance": {"spec": "2c4g", "replicas": 3, **instance},
                            "network": {"vSwitches": ["vsw-fleet1"]}},
                 "ingress": {"local": {"ingressClass": "mse"}}},
    }


def test_server_side_apply_of_an_ingress_on_the_fleet(fleet: Any) -> None:
    ingresses = fleet.resources.get(api_version="networking.k8s.io/v1", kind="Ingress")
    name = _unique("web")
    body = {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"ingressClassName": "mse", "rules": [{"host": "web.lab.example", "http": {"paths": [{
            "path": "/", "pathType": "Prefix",
            "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]},
    }
    fleet.server_side_apply(ingresses, body=body, field_manager="drconsole")

    stored = fleet.get(ingresses, name=name, namespace="default").to_dict()
    assert stored["spec"]["ingressClassName"] == "mse"
    assert [(m["manager"], m["operation"]) for m in stored["metadata"]["managedFields"]] == [("drconsole", "Apply")]


def test_server_side_apply_of_an_mseingressconfig_gets_server_defaults(fleet: Any, stored_config: str) -> None:
    configs = fleet.resources.get(api_version=MSE[0], kind=MSE[1])
    name = stored_config
    fleet.server_side_apply(configs, body=_mse_config(name), field_manager="drconsole")

    spec = fleet.get(configs, name=name).to_dict()["spec"]
    assert spec["common"]["instance"] == {"spec": "2c4g", "replicas": 3}
    assert spec["name"] == "mse-ingress"  # a schema default filled in by the API server
    assert spec["common"]["securityGroupType"] == "normal"


@pytest.mark.parametrize(("instance", "field"), [
    ({"replicas": 99}, "spec.common.instance.replicas"),
    ({"spec": "3c6g"}, "spec.common.instance.spec"),
])
def test_an_invalid_mseingressconfig_is_rejected_by_the_api_server(
        fleet: Any, instance: dict[str, Any], field: str) -> None:
    from kubernetes.dynamic.exceptions import ApiException

    configs = fleet.resources.get(api_version=MSE[0], kind=MSE[1])
    name = _unique("bad")
    with pytest.raises(ApiException) as raised:
        fleet.server_side_apply(configs, body=_mse_config(name, **instance), field_manager="drconsole")
    assert raised.value.status == 422
    assert field in str(raised.value.body)
    assert name not in [item["metadata"]["name"] for item in fleet.get(configs).to_dict()["items"]]


def test_the_status_phase_only_takes_documented_values(fleet: Any, stored_config: str) -> None:
    from kubernetes.dynamic.exceptions import ApiException

    configs = fleet.resources.get(api_version=MSE[0], kind=MSE[1])
    name = stored_config
    fleet.server_side_apply(configs, body=_mse_config(name), field_manager="drconsole")
    status = fleet.resources.get(api_version=MSE[0], kind=MSE[1]).status

    # When the whole lab runs, its MSE controller writes this status too (Pending, a message) under its own
    # manager: both applies force past that ownership, so what answers is the schema, and the first is judged
    # by the object it returns (a later read could already show the controller's next write).
    listening = {"apiVersion": MSE[0], "kind": MSE[1], "metadata": {"name": name},
                 "status": {"status": "Listening", "message": ""}}
    stored = fleet.server_side_apply(status, body=listening, field_manager="lab-gateway", force_conflicts=True)
    assert stored.to_dict()["status"]["status"] == "Listening"

    with pytest.raises(ApiException) as raised:
        fleet.server_side_apply(status, body={**listening, "status": {"status": "Ready"}}, field_manager="lab-gateway",
                                force_conflicts=True)
    assert raised.value.status == 422
    assert "status.status" in str(raised.value.body)


def test_a_server_side_dry_run_changes_nothing(fleet: Any) -> None:
    from kubernetes.dynamic.exceptions import NotFoundError

    configs = fleet.resources.get(api_version=MSE[0], kind=MSE[1])
    name = _unique("dry")
    answer = fleet.server_side_apply(configs, body=_mse_config(name), field_manager="drconsole", dry_run="All")
    assert answer.to_dict()["metadata"]["name"] == name  # the server processed it ...

    with pytest.raises(NotFoundError):
        fleet.get(configs, name=name)  # ... and stored nothing


def test_member_nodes_carry_their_zone(kube_planes: dict[str, Any], tmp_path: Path) -> None:
    zones = {}
    for context in ("ack", "idc"):
        member = _dynamic(kube_planes, context, tmp_path)
        nodes = member.get(member.resources.get(api_version="v1", kind="Node")).to_dict()["items"]
        assert nodes, f"no nodes on {context}"
        assert all({"type": "Ready", "status": "True"}.items() <= c.items()
                   for n in nodes for c in n["status"]["conditions"])
        zones[context] = {n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in nodes}
    assert zones == {"ack": {kube_planes["zones"]["ack"]}, "idc": {kube_planes["zones"]["idc"]}}
    assert zones["ack"] != zones["idc"]


def test_the_fleet_has_argo_cd_kinds_and_namespace(fleet: Any) -> None:
    namespaces = fleet.resources.get(api_version="v1", kind="Namespace")
    assert fleet.get(namespaces, name="argocd").to_dict()["status"]["phase"] == "Active"
    for kind in ("Application", "ApplicationSet"):
        assert fleet.resources.get(api_version="argoproj.io/v1alpha1", kind=kind).namespaced
    managed = fleet.resources.get(api_version="cluster.open-cluster-management.io/v1", kind="ManagedCluster")
    assert not managed.namespaced


@pytest.mark.parametrize("plane", ["fleet", "ack", "idc"])
def test_each_plane_reports_the_released_version(kube_planes: dict[str, Any], plane: str) -> None:
    from kubernetes import client

    from drconsole.lab.kube.client import api_client

    info = client.VersionApi(api_client(kube_planes["kubeconfig"], kube_planes["contexts"][plane])).get_code()
    assert (info.git_version, info.major, info.minor, info.git_tree_state) == ("v1.34.4", "1", "34", "clean")
