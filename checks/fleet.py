"""Fleet: the ACK One Fleet exists and runs, both clusters are associated with it, GitOps is on,
and its API server answers from here."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from drconsole.checks import _cloud, _k8s
from drconsole.checks.topology import fleet_details
from drconsole.context import Context
from drconsole.registry import NoParams, check
from drconsole.results import Evidence, Outcome

ASSOCIATED = "Successed"  # the API's own spelling
# ClusterInfo.State and DescribeManagedClusters Status.State values other than the good one (docs/ackone-facts.md)
FLEET_STATES = {"initial": "FLEET-CREATING", "failed": "FLEET-FAILED", "delete_failed": "FLEET-FAILED"}
MEMBER_STATES = {"Installing": "FLEET-MEMBER-INSTALLING", "Failed": "FLEET-MEMBER-FAILED",
                 "Deleting": "FLEET-MEMBER-DETACHING", "Deleted": "FLEET-MEMBER-DETACHING"}


class FleetParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fleet_id: str


class MemberParams(FleetParams):
    cluster_id: str


@check("fleet.running", family="fleet", title="The Fleet exists and is running", timeout=_cloud.CLOUD_TIMEOUT)
async def fleet_running(ctx: Context, params: FleetParams) -> Outcome:
    from drconsole.cloud import CloudError

    try:
        fleet, evidence = await fleet_details(ctx, params.fleet_id)
    except CloudError as exc:
        if not _cloud.not_found(exc):
            raise
        return Outcome.failed("FLEET-NOT-FOUND", f"Fleet {params.fleet_id} does not exist",
                              cause=f"{exc.code}: {exc.message}")
    return judge_fleet(fleet, params.fleet_id, evidence)


def judge_fleet(fleet: dict[str, Any], fleet_id: str, evidence: Evidence) -> Outcome:
    """ClusterInfo.State must be running."""
    info = fleet.get("ClusterInfo") or {}
    state = info.get("State")
    if state != "running":
        why = f": {info['ErrorMessage']}" if info.get("ErrorMessage") else ""
        return Outcome.failed(FLEET_STATES.get(str(state), "FLEET-NOT-RUNNING"), f"Fleet {fleet_id} is {state}{why}",
                              evidence, state=state, why=why)
    return Outcome.passed(f"Fleet {info.get('Name') or fleet_id} is running", evidence)


@check("fleet.member-associated", family="fleet", title="The cluster is associated with the Fleet",
       timeout=_cloud.CLOUD_TIMEOUT)
async def member_associated(ctx: Context, params: MemberParams) -> Outcome:
    body, evidence = await _cloud.ask(
        ctx, "adcp", "DescribeManagedClusters",
        lambda c, m: c.describe_managed_clusters(m.DescribeManagedClustersRequest(cluster_id=params.fleet_id)),
        asked=f"ClusterId={params.fleet_id}")
    return judge_member(body, params.fleet_id, params.cluster_id, evidence)


def judge_member(body: dict[str, Any], fleet_id: str, cluster_id: str, evidence: Evidence) -> Outcome:
    """DescribeManagedClusters must list the cluster with Status.State Successed."""
    members = {(item.get("Cluster") or {}).get("ClusterID"): item for item in body.get("Clusters") or []}
    member = members.get(cluster_id)
    if member is None:
        listed = ", ".join(str(c) for c in members) or "none"
        return Outcome.failed("FLEET-MEMBER-MISSING", f"cluster {cluster_id} is not associated with Fleet {fleet_id}",
                              evidence, listed=listed)
    status = member.get("Status") or {}
    state = status.get("State")
    if state != ASSOCIATED:
        message = f" ({status['Message']})" if status.get("Message") else ""
        return Outcome.failed(MEMBER_STATES.get(str(state), "FLEET-MEMBER-NOT-ASSOCIATED"),
                              f"cluster {cluster_id} association is {state}{message}", evidence,
                              state=state, message=message)
    name = (member.get("Cluster") or {}).get("Name") or cluster_id
    return Outcome.passed(f"{name} ({cluster_id}) is associated (Successed)", evidence)


@check("fleet.gitops-enabled", family="fleet", title="GitOps (Argo CD) is enabled on the Fleet",
       timeout=_cloud.CLOUD_TIMEOUT)
async def gitops_enabled(ctx: Context, params: FleetParams) -> Outcome:
    fleet, evidence = await fleet_details(ctx, params.fleet_id)
    gitops = (((fleet.get("ClusterInfo") or {}).get("MetaData") or {}).get("ACKOne") or {}).get("GitOps") or {}
    evidence.answer = {"ClusterInfo.MetaData.ACKOne.GitOps": gitops}
    if gitops.get("Enabled") is not True:
        return Outcome.failed("FLEET-GITOPS-OFF", f"GitOps is not enabled on Fleet {params.fleet_id}", evidence)
    ha = " (HA)" if gitops.get("HAEnabled") else ""
    return Outcome.passed(f"GitOps is enabled{ha} on Fleet {params.fleet_id}", evidence)


@check("fleet.api-reachable", family="fleet", title="The Fleet's API server answers from here", timeout=5.0)
async def api_reachable(ctx: Context, params: NoParams) -> Outcome:
    from drconsole.checks.kube import readyz

    try:
        evidence = await readyz(ctx, "fleet")
    except _k8s.KubeUnreachable as exc:
        return Outcome.failed("FLEET-API-UNREACHABLE", exc.message, cause=exc.message, remedy=exc.fix)
    return Outcome.passed(f"the Fleet API server is ready ({ctx.kube_context('fleet')})", evidence)
