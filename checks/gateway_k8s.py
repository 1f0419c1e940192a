"""Gateway, the Kubernetes side: the MseIngressConfig on the Fleet is Listening for both clusters,
and the app namespace and the zone-DR Ingress exist there as the profile describes (the MSE gateway
behind them: gateway_mse.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from drconsole.checks import _k8s
from drconsole.context import Context
from drconsole.registry import check
from drconsole.results import Evidence, Outcome

MSE_CONFIGS = "/apis/mse.alibabacloud.com/v1alpha1/mseingressconfigs"
REMOTE_CLUSTERS = "mse.alibabacloud.com/remote-clusters"
SERVICE_SUBSET = "mse.ingress.kubernetes.io/service-subset"
SUBSET_LABELS = "mse.ingress.kubernetes.io/subset-labels"
CLUSTER_LABEL = "topology.istio.io/cluster"
# MseIngressConfig phases before Listening (docs/ackone-facts.md)
CONFIG_PHASES = {"Pending": "GW-CONFIG-PENDING", "Running": "GW-CONFIG-PENDING", "Failed": "GW-CONFIG-FAILED"}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MseConfigParams(Params):
    name: str
    cluster_ids: list[str]


class NamespaceParams(Params):
    namespace: str


class IngressParams(Params):
    namespace: str
    name: str
    host: str
    service: str
    mode: Literal["active-standby", "active-active"]
    primary: Literal["ack", "registered"]
    ack_cluster_id: str
    registered_cluster_id: str

    @property
    def primary_cluster_id(self) -> str:
        return self.ack_cluster_id if self.primary == "ack" else self.registered_cluster_id


@check("gateway.mse-ingress-config", family="gateway",
       title="The MseIngressConfig is Listening for both clusters", timeout=5.0)
async def mse_ingress_config(ctx: Context, params: MseConfigParams) -> Outcome:
    config, evidence = await _k8s.get(ctx, "fleet", f"{MSE_CONFIGS}/{params.name}")
    return judge_mse_config(config, params, evidence)


def judge_mse_config(config: dict[str, Any] | None, params: MseConfigParams, evidence: Evidence) -> Outcome:
    """The MseIngressConfig exists, lists both clusters in its remote-clusters annotation, and is Listening."""
    if config is None:
        return Outcome.failed("GW-CONFIG-MISSING", f"MseIngressConfig {params.name} does not exist on the Fleet",
                              evidence)
    status = config.get("status") or {}
    phase, message = status.get("status") or "(none)", status.get("message") or ""
    listed = [c.strip() for c in ((config["metadata"].get("annotations") or {}).get(REMOTE_CLUSTERS) or "").split(",")
              if c.strip()]
    missing = [c for c in params.cluster_ids if c not in listed]
    if missing:
        return Outcome.failed("GW-CONFIG-CLUSTERS", f"{REMOTE_CLUSTERS} lacks {', '.join(missing)}", evidence,
                              listed=", ".join(listed) or "nothing", missing=", ".join(missing),
                              wanted=",".join(params.cluster_ids))
    if phase != "Listening":
        explained = f": {message}" if message else ""
        return Outcome.failed(CONFIG_PHASES.get(phase, "GW-CONFIG-NO-STATUS"),
                              f"MseIngressConfig {params.name} is {phase}{explained}", evidence,
                              phase=phase, explained=explained)
    return Outcome.passed(f"MseIngressConfig {params.name} is Listening for {', '.join(listed)}", evidence)


@check("gateway.fleet-namespace", family="gateway", title="The app namespace exists on the Fleet", timeout=5.0)
async def fleet_namespace(ctx: Context, params: NamespaceParams) -> Outcome:
    namespace, evidence = await _k8s.get(ctx, "fleet", f"/api/v1/namespaces/{params.namespace}")
    if namespace is None:
        return Outcome.failed("GW-NAMESPACE-MISSING", f"namespace {params.namespace} does not exist on the Fleet",
                              evidence, namespace=params.namespace)
    phase = (namespace.get("status") or {}).get("phase")
    if phase != "Active":
        return Outcome.failed("GW-NAMESPACE-NOT-ACTIVE", f"namespace {params.namespace} on the Fleet is {phase}",
                              evidence, phase=phase)
    return Outcome.passed(f"namespace {params.namespace} exists on the Fleet", evidence)


def ingress_problems(ingress: dict[str, Any], params: IngressParams) -> list[str]:
    """What differs between the Fleet Ingress and the profile's gateway section."""
    spec = ingress.get("spec") or {}
    annotations = (ingress.get("metadata") or {}).get("annotations") or {}
    problems = []
    if spec.get("ingressClassName") != "mse":
        problems.append(f"ingressClassName is {spec.get('ingressClassName')!r}, not 'mse' (the MSE gateway "
                        "ignores it)")
    rules = [r for r in spec.get("rules") or [] if r.get("host") == params.host]
    if not rules:
        hosts = ", ".join(str(r.get("host")) for r in spec.get("rules") or []) or "none"
        problems.append(f"no rule for host {params.host} (hosts: {hosts})")
    backends = {((p.get("backend") or {}).get("service") or {}).get("name")
                for r in rules for p in (r.get("http") or {}).get("paths") or []}
    if rules and params.service not in backends:
        problems.append(f"the {params.host} rule routes to {', '.join(sorted(map(str, backends)))}, not Service "
                        f"{params.service}")
    labels = [line.split(None, 1) for line in str(annotations.get(SUBSET_LABELS, "")).splitlines() if line.strip()]
    pinned = {k: (v[0].strip() if v else "") for k, *v in labels}
    if params.mode == "active-standby":
        if SERVICE_SUBSET not in annotations:
            problems.append(f"active-standby needs annotation {SERVICE_SUBSET}")
        if pinned.get(CLUSTER_LABEL) != params.primary_cluster_id:
            problems.append(f"{SUBSET_LABELS} pins {CLUSTER_LABEL} to {pinned.get(CLUSTER_LABEL) or 'nothing'}, "
                            f"not the primary cluster {params.primary_cluster_id}")
    elif SERVICE_SUBSET in annotations or CLUSTER_LABEL in pinned:
        problems.append(f"active-active must not pin a cluster, but the Ingress has {SERVICE_SUBSET}/"
                        f"{SUBSET_LABELS} ({CLUSTER_LABEL} {pinned.get(CLUSTER_LABEL, '')})")
    return problems


@check("gateway.ingress", family="gateway", title="The zone-DR Ingress on the Fleet matches the profile",
       timeout=5.0)
async def fleet_ingress(ctx: Context, params: IngressParams) -> Outcome:
    path = f"/apis/networking.k8s.io/v1/namespaces/{params.namespace}/ingresses/{params.name}"
    ingress, evidence = await _k8s.get(ctx, "fleet", path)
    if ingress is None:
        return Outcome.failed("GW-INGRESS-MISSING", f"Ingress {params.namespace}/{params.name} does not exist on "
                              "the Fleet", evidence)
    problems = ingress_problems(ingress, params)
    if problems:
        return Outcome.failed("GW-INGRESS-MISMATCH", "; ".join(problems), evidence, mode=params.mode,
                              problems="; ".join(problems))
    mode = (f"active-standby pinned to {params.primary_cluster_id}" if params.mode == "active-standby"
            else "active-active")
    return Outcome.passed(f"Ingress {params.namespace}/{params.name}: class mse, host {params.host} -> "
                          f"{params.service}, {mode}", evidence)
