"""The lab Fleet with drconsole's RBAC manifests applied, and users of it with real tokens.

Users are ServiceAccounts in the `drconsole` namespace with a TokenRequest token (the lab CA's key
is not kept, so no client certificates can be minted); each gets a kubeconfig of its own whose only
context is `fleet`. The Fleet sees them as system:serviceaccount:drconsole:<name>."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

APPLY = "application/apply-patch+yaml"


def _plural(kind: str) -> str:
    return {"Namespace": "namespaces", "Role": "roles", "RoleBinding": "rolebindings",
            "ServiceAccount": "serviceaccounts"}[kind]


def apply(api: Any, doc: dict[str, Any]) -> None:
    """Server-side apply of one manifest as the admin."""
    from drconsole.coordination.fleet import kube_call

    group_version = doc["apiVersion"]
    base = f"/api/{group_version}" if "/" not in group_version else f"/apis/{group_version}"
    ns = doc["metadata"].get("namespace")
    path = f"{base}/{'namespaces/' + ns + '/' if ns else ''}{_plural(doc['kind'])}/{doc['metadata']['name']}"
    kube_call(api, "PATCH", path, doc, verb="apply", resource=doc["kind"], namespace=ns or "",
              query={"fieldManager": "drconsole-tests", "force": "true"}, content_type=APPLY)


@pytest.fixture(scope="session")
def fleet_admin(kube_planes: dict[str, Any]) -> Iterator[Any]:
    """An admin ApiClient on the lab Fleet, with drconsole's namespace and Roles applied."""
    from drconsole.coordination.rbac import manifests
    from drconsole.lab.kube.client import api_client

    api = api_client(kube_planes["kubeconfig"], "fleet")
    for doc in manifests():
        apply(api, doc)
    yield api
    api.close()


@pytest.fixture(scope="session")
def fleet_user(fleet_admin: Any, kube_planes: dict[str, Any],
               tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str | None], Path]:
    """fleet_user(name, role) -> a kubeconfig for ServiceAccount `name` bound to Role `role` (or none)."""
    from drconsole.coordination.fleet import kube_call
    from drconsole.coordination.rbac import NAMESPACE

    admin_config = yaml.safe_load(Path(kube_planes["kubeconfig"]).read_text())
    fleet_cluster = next(c for c in admin_config["clusters"] if c["name"] == "fleet")
    made: dict[tuple[str, str | None], Path] = {}

    def make(name: str, role: str | None) -> Path:
        if (name, role) in made:
            return made[(name, role)]
        apply(fleet_admin, {"apiVersion": "v1", "kind": "ServiceAccount",
                            "metadata": {"name": name, "namespace": NAMESPACE}})
        if role:
            apply(fleet_admin, {
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": f"{name}-{role}", "namespace": NAMESPACE},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role},
                "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": NAMESPACE}]})
        answer = kube_call(fleet_admin, "POST", f"/api/v1/namespaces/{NAMESPACE}/serviceaccounts/{name}/token",
                           {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                            "spec": {"expirationSeconds": 3600}}, verb="create", resource="token",
                           namespace=NAMESPACE)
        assert answer is not None
        config = {"apiVersion": "v1", "kind": "Config", "current-context": "fleet",
                  "clusters": [fleet_cluster],
                  "users": [{"name": name, "user": {"token": answer["status"]["token"]}}],
                  "contexts": [{"name": "fleet", "context": {"cluster": "fleet", "user": name}}]}
        path = tmp_path_factory.mktemp("fleet-user") / f"{name}-{uuid.uuid4().hex[:6]}.kubeconfig"
        path.write_text(yaml.safe_dump(config))
        path.chmod(0o600)
        made[(name, role)] = path
        return path

    return make


def user_api(kubeconfig: Path) -> Any:
    from drconsole.kube import api_client

    return api_client(kubeconfig, "fleet")
