"""The shipped deployment files: alert rules and the dashboard query only series the watcher
exports; promtool accepts the rules and their unit tests; the manifests and unit are complete."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.watch.support import exported_names, populated_metrics

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
METRIC = re.compile(r"\b(drconsole_[a-z_]+|up)\b")


def referenced(expr: str) -> set[str]:
    return set(METRIC.findall(expr))


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load((DEPLOY / "prometheus/rules.yaml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard_exprs() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana/drconsole.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def promtool() -> str | None:
    from drconsole.lab.prometheus.build import build_dir

    cached = build_dir() / "promtool"
    return str(cached) if cached.exists() else shutil.which("promtool")


def test_rules_and_dashboard_query_only_exported_series() -> None:
    exported = exported_names(populated_metrics()) | {"up"}
    for rule in rules():
        assert referenced(rule["expr"]) <= exported, (rule["alert"], referenced(rule["expr"]) - exported)
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
    exprs = dashboard_exprs()
    assert exprs
    for expr in exprs:
        assert referenced(expr) <= exported, (expr, referenced(expr) - exported)


def test_dashboard_is_importable() -> None:
    dashboard = json.loads((DEPLOY / "grafana/drconsole.json").read_text())
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)) and dashboard["uid"] and dashboard["schemaVersion"] >= 30
    assert [v["name"] for v in dashboard["templating"]["list"]] == ["datasource"]
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}"
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"])


@pytest.mark.parametrize("args", [["check", "rules", "rules.yaml"], ["test", "rules", "rules.test.yaml"]])
def test_promtool_accepts_the_rules(args: list[str]) -> None:
    tool = promtool()
    if tool is None:
        pytest.skip("promtool is not built yet: python -m drconsole.lab.prometheus.build")
    done = subprocess.run([tool, *args], cwd=DEPLOY / "prometheus", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_one_deployment_per_cluster_each_in_its_own_zone() -> None:
    zones = {}
    for name in ("watch-ack.yaml", "watch-idc.yaml"):
        docs = {d["kind"]: d for d in yaml.safe_load_all((DEPLOY / "kubernetes" / name).read_text())}
        assert {"Namespace", "ServiceAccount", "Deployment", "Service"} <= set(docs)
        deployment = docs["Deployment"]
        assert deployment["spec"]["replicas"] == 1
        pod = deployment["spec"]["template"]["spec"]
        [container] = pod["containers"]
        assert container["args"][0] == "watch" and "0.0.0.0" in container["args"]
        port = container["ports"][0]
        service_port = docs["Service"]["spec"]["ports"][0]
        assert service_port["targetPort"] == port["name"] and str(port["containerPort"]) in container["args"]
        assert docs["Service"]["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
        env = {e["name"]: e for e in container["env"]}
        assert all("SECRET" not in name or "value" not in e for name, e in env.items())  # secrets come from Secrets
        term = pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
        zones[name] = term[0]["matchExpressions"][0]["values"][0]
    assert len(set(zones.values())) == 2


def test_fleet_rbac_grants_only_the_lease_and_the_alert_state() -> None:
    docs = list(yaml.safe_load_all((DEPLOY / "kubernetes/fleet-rbac.yaml").read_text()))
    [role] = [d for d in docs if d["kind"] == "Role"]
    granted = {(r["apiGroups"][0], res): set(r["verbs"]) for r in role["rules"] for res in r["resources"]}
    assert granted == {("coordination.k8s.io", "leases"): {"get", "create", "update"},
                       ("", "configmaps"): {"get", "create", "update"}}


def test_systemd_unit_runs_the_watcher_per_profile() -> None:
    unit = (DEPLOY / "systemd/drconsole-watch@.service").read_text()
    sections = re.findall(r"^\[(\w+)\]$", unit, re.MULTILINE)
    assert sections == ["Unit", "Service", "Install"]
    exec_start = re.search(r"^ExecStart=(.+)$", unit, re.MULTILINE)
    assert exec_start and " watch --profile %i " in exec_start.group(1)
    analyze = shutil.which("systemd-analyze")
    if analyze:
        done = subprocess.run([analyze, "verify", "--man=no", str(DEPLOY / "systemd/drconsole-watch@.service")],
                              capture_output=True, text=True, timeout=60)
        assert "Unknown key" not in done.stderr and "Unknown section" not in done.stderr, done.stderr
