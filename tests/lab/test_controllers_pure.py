"""The controllers' pure parts: Ingress annotations -> gateway routing, Go-template rendering,
and the demo chart rendered from a real local git repository."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from drconsole.lab.controllers.gitrepo import ensure_demo_repo, render_chart, repo_url, resolve_revision
from drconsole.lab.controllers.gotemplate import TemplateError, render
from drconsole.lab.controllers.ingress import ClusterEndpoints, RoutePlan, parse_subset_labels, plan_routing

HOST = "app.dr.example.com"


def ingress(name: str, annotations: dict[str, str] | None = None, created: str = "2024-01-01T00:00:00Z",
            host: str = HOST) -> dict[str, Any]:
    return {"metadata": {"name": name, "annotations": annotations or {}, "creationTimestamp": created},
            "spec": {"ingressClassName": "mse", "rules": [{"host": host, "http": {"paths": [
                {"path": "/", "pathType": "Prefix",
                 "backend": {"service": {"name": "service1", "port": {"number": 80}}}}]}}]}}


def pinned(cluster: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"mse.ingress.kubernetes.io/service-subset": "",
            "mse.ingress.kubernetes.io/subset-labels": f"topology.istio.io/cluster {cluster}\n", **(extra or {})}


def clusters(ready_a: int, ready_b: int) -> dict[str, ClusterEndpoints]:
    return {
        "c-ack": ClusterEndpoints("a", [{"app": "web-demo", "topology.istio.io/cluster": "c-ack"}] * ready_a),
        "c-idc": ClusterEndpoints("b", [{"app": "web-demo", "topology.istio.io/cluster": "c-idc"}] * ready_b),
    }


def test_plain_ingress_spreads_by_ready_pod_count() -> None:
    assert plan_routing([ingress("web")], HOST, clusters(2, 1)) == RoutePlan(weights={"a": 2, "b": 1})
    assert plan_routing([ingress("web")], HOST, clusters(2, 2)) == RoutePlan(weights={"a": 1, "b": 1})


def test_plain_ingress_drops_a_cluster_without_ready_endpoints() -> None:
    assert plan_routing([ingress("web")], HOST, clusters(0, 2)) == RoutePlan(weights={"b": 1}, fallback=["a"])


def test_pinned_ingress_goes_to_its_cluster_with_the_others_as_fallback() -> None:
    plan = plan_routing([ingress("web", pinned("c-ack"))], HOST, clusters(2, 2))
    assert plan == RoutePlan(weights={"a": 1}, fallback=["b"])


def test_pinned_ingress_falls_back_to_all_pods_when_its_cluster_has_none_ready() -> None:
    plan = plan_routing([ingress("web", pinned("c-ack"))], HOST, clusters(0, 2))
    assert plan == RoutePlan(weights={"b": 1}, fallback=["a"])


def test_canary_header_routes_to_the_canary_cluster() -> None:
    canary = ingress("web-canary", pinned("c-idc", {
        "nginx.ingress.kubernetes.io/canary": "true",
        "nginx.ingress.kubernetes.io/canary-by-header": "x-canary",
        "nginx.ingress.kubernetes.io/canary-by-header-value": "b"}), created="2024-01-02T00:00:00Z")
    plan = plan_routing([canary, ingress("web", pinned("c-ack"))], HOST, clusters(2, 2))
    assert plan == RoutePlan(weights={"a": 1}, fallback=["b"], header=("x-canary", "b", "b"))


def test_canary_weight_shifts_that_share() -> None:
    canary = ingress("web-canary", pinned("c-idc", {
        "nginx.ingress.kubernetes.io/canary": "true",
        "nginx.ingress.kubernetes.io/canary-weight": "20"}), created="2024-01-02T00:00:00Z")
    plan = plan_routing([ingress("web", pinned("c-ack")), canary], HOST, clusters(2, 2))
    assert plan == RoutePlan(weights={"a": 4, "b": 1})


def test_no_primary_ingress_or_other_host_means_no_route() -> None:
    assert plan_routing([], HOST, clusters(1, 1)).serve is False
    assert plan_routing([ingress("web", host="other.example.com")], HOST, clusters(1, 1)).serve is False


@pytest.mark.parametrize(("text", "labels"), [
    ("topology.istio.io/cluster c-1", {"topology.istio.io/cluster": "c-1"}),
    ("topology.istio.io/cluster c-1\n", {"topology.istio.io/cluster": "c-1"}),  # a YAML `|` block (documented)
    ("a 1\nb 2", {"a": "1", "b": "2"}),
    ("topology.istio.io/cluster: c-1", None),  # a colon is not the documented form
    ("topology.istio.io/cluster c-1\nbad:line", None),
    ("topology.istio.io/cluster", None),
])
def test_subset_labels_are_key_space_value(text: str, labels: dict[str, str] | None) -> None:
    assert parse_subset_labels(text) == labels


def test_a_malformed_subset_falls_back_to_all_pods() -> None:
    bad = {"mse.ingress.kubernetes.io/service-subset": "",
           "mse.ingress.kubernetes.io/subset-labels": "topology.istio.io/cluster: c-ack"}
    assert plan_routing([ingress("web", bad)], HOST, clusters(2, 2)) == RoutePlan(weights={"a": 1, "b": 1})


def test_go_template_fields_and_refusals() -> None:
    secret = {"name": "c-1-ack", "server": "https://127.0.0.1:6443",
              "metadata": {"annotations": {"cluster_id": "c-1"}}}
    template = {"metadata": {"name": "{{.name}}-web-demo"},
                "spec": {"destination": {"server": "{{ .server }}"},
                         "source": {"helm": {"parameters": [
                             {"name": "clusterId", "value": "{{.metadata.annotations.cluster_id}}"}]}}}}
    out = render(template, secret)
    assert out["metadata"]["name"] == "c-1-ack-web-demo"
    assert out["spec"]["destination"]["server"] == "https://127.0.0.1:6443"
    assert out["spec"]["source"]["helm"]["parameters"][0]["value"] == "c-1"
    with pytest.raises(TemplateError, match="no entry"):
        render("{{.metadata.labels.missing}}", secret)
    with pytest.raises(TemplateError, match="only field lookups"):
        render("{{ printf \"%s\" .name }}", secret)


def test_demo_chart_renders_from_the_git_repository(tmp_path: Path) -> None:
    url = repo_url(ensure_demo_repo(tmp_path / "repo"))
    sha = resolve_revision(url, "HEAD")
    assert len(sha) == 40
    docs = render_chart(url, sha, "manifests/helm/web-demo", "demo", "app",
                        [{"name": "clusterId", "value": "c-123"}])
    kinds = {d["kind"]: d for d in docs}
    assert kinds["Service"]["spec"]["ports"][0] == {"name": "http", "port": 80, "protocol": "TCP",
                                                     "targetPort": 8080}
    labels = kinds["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert labels == {"app": "web-demo", "topology.istio.io/cluster": "c-123"}
    assert kinds["Deployment"]["metadata"]["namespace"] == "demo"


def test_gateway_members_are_the_clusters_associated_with_the_fleet() -> None:
    from drconsole.lab.controllers.topology import associated_clusters

    long_ago = 1.0
    state = {
        "clusters": {"c-ack": {"plane": "ack"}, "c-idc": {"plane": "idc"}, "c-new": {"plane": "idc"},
                     "c-gone": {"plane": "ack"}},
        "fleets": {"f": {"members": {
            "c-ack": {"attached": long_ago, "detached": None},
            "c-idc": {"attached": long_ago, "detached": None},
            "c-new": {"attached": 9e12, "detached": None},  # still Installing
            "c-gone": {"attached": long_ago, "detached": long_ago},
        }}},
    }
    assert associated_clusters(state) == {"c-ack": "ack", "c-idc": "idc"}
