"""Registered cluster: ACK sees it `running`, its ack-cluster-agent runs on the on-premises
cluster, and that agent is the internal-network variant (what the Express Connect path needs).
A cluster ACK does not hear from is told apart by whether its agent is applied at all."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from pydantic import BaseModel, ConfigDict

from drconsole.checks import _cloud, _k8s
from drconsole.checks.topology import cluster_detail
from drconsole.context import Context
from drconsole.kube import manifest_documents
from drconsole.registry import NoParams, check
from drconsole.results import Evidence, Outcome

AGENT = "ack-cluster-agent"
NAMESPACE = "kube-system"
AGENT_PATH = f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/{AGENT}"
AGENT_CONFIG = "ack-agent-config"
CONFIG_PATH = f"/api/v1/namespaces/{NAMESPACE}/configmaps/{AGENT_CONFIG}"
STATE_FINDINGS = {"waiting": "REG-WAITING", "disconnected": "REG-DISCONNECTED"}
ENDPOINT_SETTINGS = ("ALI_STUB_REGISTER_ADDR", "INTERNAL_ENDPOINT")  # what tells the internal variant apart
# The endpoint settings of each agent manifest seen (by the SHA-256 of its text: the manifest itself carries
# credentials and is not kept). Its YAML takes milliseconds to parse, and it is the same on every sweep.
_MANIFEST_ENDPOINTS: dict[str, dict[str, str]] = {}


class ClusterParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cluster_id: str


@check("registered.running", family="registered", title="The registered cluster is running",
       timeout=_cloud.CLOUD_TIMEOUT)
async def registered_running(ctx: Context, params: ClusterParams) -> Outcome:
    from drconsole.cloud import CloudError

    try:
        cluster, evidence = await cluster_detail(ctx, params.cluster_id)
    except CloudError as exc:
        if not _cloud.not_found(exc):
            raise
        return Outcome.failed("REG-NOT-FOUND", f"registered cluster {params.cluster_id} does not exist",
                              cause=f"{exc.code}: {exc.message}")
    if cluster.get("state") not in STATE_FINDINGS:
        return judge_running(cluster, params.cluster_id, evidence)
    try:
        deployment, agent_ev = await _k8s.get(ctx, "registered", AGENT_PATH)
    except _k8s.KubeUnreachable as exc:  # the state alone still says something
        return judge_running(cluster, params.cluster_id, evidence,
                             Evidence(source="kube:registered", asked=f"GET {AGENT_PATH}", answer=exc.message))
    return judge_running(cluster, params.cluster_id, evidence, agent_ev, agent_applied=deployment is not None)


def judge_running(cluster: dict[str, Any], cluster_id: str, *evidence: Evidence,
                  agent_applied: bool | None = None) -> Outcome:
    """DescribeClusterDetail's state must be running. When it is `waiting` or `disconnected`, whether the agent
    Deployment exists on the on-premises cluster (None: unknown) tells a path that does not reach ACK's
    registration endpoint from an agent that was never applied."""
    state = cluster.get("state")
    if state == "running":
        return Outcome.passed(f"registered cluster {cluster.get('name') or cluster_id} is running", *evidence)
    if state in STATE_FINDINGS and agent_applied is not None:
        code = "REG-AGENT-UNREACHABLE" if agent_applied else "REG-AGENT-NOT-APPLIED"
        heard = "applied but not heard by ACK" if agent_applied else "not applied on the on-premises cluster"
        return Outcome.failed(code, f"registered cluster {cluster_id} is {state}: its agent is {heard}", *evidence,
                              state=state)
    return Outcome.failed(STATE_FINDINGS.get(str(state), "REG-NOT-RUNNING"),
                          f"registered cluster {cluster_id} is {state}", *evidence, state=state)


@check("registered.agent-available", family="registered",
       title=f"{AGENT} is available on the on-premises cluster", timeout=5.0)
async def agent_available(ctx: Context, params: NoParams) -> Outcome:
    deployment, evidence = await _k8s.get(ctx, "registered", AGENT_PATH)
    if deployment is None:
        return Outcome.failed("REG-AGENT-MISSING", f"no {AGENT} Deployment in {NAMESPACE} on the on-premises "
                              "cluster", evidence)
    status = deployment.get("status") or {}
    ready, wanted = int(status.get("readyReplicas") or 0), int((deployment.get("spec") or {}).get("replicas", 1))
    evidence.answer = {"spec.replicas": wanted, "status": status}
    if ready < 1:
        conditions = {c.get("type"): c for c in status.get("conditions") or []}
        why = (conditions.get("Available") or {}).get("message") or "no pod is ready"
        return Outcome.failed("REG-AGENT-NOT-READY", f"{AGENT} has no ready replica (0/{wanted})", evidence,
                              why=why)
    return Outcome.passed(f"{AGENT} is available ({ready}/{wanted} ready)", evidence)


def _agent_settings(objects: list[dict[str, Any]]) -> dict[str, str]:
    """The agent's connection settings, from a manifest's (or the live) ConfigMap and Deployment env."""
    settings: dict[str, str] = {}
    for obj in objects:
        if obj.get("kind") == "ConfigMap" and obj.get("metadata", {}).get("name") == AGENT_CONFIG:
            settings.update({f"configmap {k}": str(v) for k, v in (obj.get("data") or {}).items()})
        if obj.get("kind") == "Deployment" and obj.get("metadata", {}).get("name") == AGENT:
            for container in obj["spec"]["template"]["spec"].get("containers") or []:
                settings.update({f"env {e['name']}": str(e.get("value")) for e in container.get("env") or []
                                 if "value" in e})
    return settings


def _endpoints(settings: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in settings.items() if key.endswith(ENDPOINT_SETTINGS)}


def manifest_endpoints(text: str) -> dict[str, str]:
    """The endpoint settings an agent manifest gives (blocking: parsed once per distinct manifest)."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    found = _MANIFEST_ENDPOINTS.get(digest)
    if found is None:
        found = _endpoints(_agent_settings(manifest_documents(text)))
        if len(_MANIFEST_ENDPOINTS) >= 4:
            _MANIFEST_ENDPOINTS.clear()
        _MANIFEST_ENDPOINTS[digest] = found
    return dict(found)


@check("registered.agent-internal", family="registered",
       title="The deployed agent is the internal-network variant", timeout=_cloud.CLOUD_TIMEOUT)
async def agent_internal(ctx: Context, params: ClusterParams) -> Outcome:
    (manifest, manifest_ev), (deployment, deploy_ev), (config, config_ev) = await asyncio.gather(
        _cloud.ask(ctx, "cs", "DescribeExternalAgent",
                   lambda c, m: c.describe_external_agent(params.cluster_id,
                                                          m.DescribeExternalAgentRequest(private_ip_address="true")),
                   asked=f"ClusterId={params.cluster_id} PrivateIpAddress=true"),
        _k8s.get(ctx, "registered", AGENT_PATH), _k8s.get(ctx, "registered", CONFIG_PATH))
    manifest_ev.answer = "(the agent manifest; not recorded, it carries credentials)"
    config_ev.answer = {"data keys": sorted((config or {}).get("data") or {})} if config else "404 Not Found"
    if deployment is None:
        return Outcome.skipped("REG-AGENT-ABSENT", f"no {AGENT} Deployment runs on the on-premises cluster, so no "
                               "agent manifest is in use (registered.agent-available reports it)")
    wanted = await ctx.blocking(manifest_endpoints, manifest.get("config") or "")
    live = _endpoints(_agent_settings([{**o, "kind": k} for o, k in ((deployment, "Deployment"), (config, "ConfigMap"))
                                       if o]))
    compared = {key: (value, live.get(key)) for key, value in wanted.items()}
    evidence: tuple[Evidence, ...] = (manifest_ev, deploy_ev, config_ev,
                                      Evidence(source="comparison", asked="internal manifest vs deployed",
                                               answer={k: {"internal": w, "deployed": d}
                                                       for k, (w, d) in compared.items()}))
    if not compared:
        return Outcome.errored("REG-AGENT-MANIFEST-EMPTY", "the internal agent manifest names no endpoint setting "
                               "to compare", *evidence)
    differing = [f"{key} is {deployed!r}, the internal manifest has {internal!r}"
                 for key, (internal, deployed) in compared.items() if deployed != internal]
    if differing:
        return Outcome.failed("REG-AGENT-PUBLIC", "the deployed agent is not the internal-network variant",
                              *evidence, differing="; ".join(differing))
    return Outcome.passed(f"the deployed agent matches the internal-network manifest ({len(compared)} settings)",
                          *evidence)
