"""GitOps checks on the built lab (Argo CD on the Fleet, the app in both member planes), and with
IDs or names that do not match what is deployed."""

from __future__ import annotations

import pytest

from drconsole.profile import Profile
from drconsole.results import Status
from tests.checks.cloudkube_support import ids, run

pytestmark = [pytest.mark.lab, pytest.mark.kube]


@pytest.mark.parametrize("member", ["ack_cluster_id", "registered_cluster_id"])
async def test_application_synced(lab_profile: Profile, member: str) -> None:
    cluster_id = ids(lab_profile)[member]
    result = await run(lab_profile, "gitops.application-synced", cluster_id=cluster_id, namespace="demo")
    assert result.status is Status.PASS, result
    judged = result.summary.split(": ")[0].split(", ")  # the beacon's Application too, once a test deployed it
    assert f"{cluster_id}-web-demo" in judged and all(name.startswith(f"{cluster_id}-") for name in judged)
    assert "data" not in str(result.evidence[0].answer)  # cluster Secrets: names and annotations only


async def test_application_for_unknown_cluster(lab_profile: Profile) -> None:
    result = await run(lab_profile, "gitops.application-synced", cluster_id="c3333333333333333333333333333333c",
                       namespace="demo")
    assert result.status is Status.FAIL and result.code == "GITOPS-CLUSTER-UNKNOWN"
    assert result.fix_step == "fleet.attach"


@pytest.mark.parametrize(("cluster", "member"), [("ack", "ack_cluster_id"), ("registered", "registered_cluster_id")])
async def test_cluster_label(lab_profile: Profile, cluster: str, member: str) -> None:
    cluster_id = ids(lab_profile)[member]
    result = await run(lab_profile, "gitops.cluster-label", cluster=cluster, cluster_id=cluster_id, namespace="demo",
                       service="service1")
    assert result.status is Status.PASS, result
    assert f"carry topology.istio.io/cluster={cluster_id}" in result.summary


async def test_cluster_label_with_the_other_clusters_id(lab_profile: Profile) -> None:
    result = await run(lab_profile, "gitops.cluster-label", cluster="ack",
                       cluster_id=ids(lab_profile)["registered_cluster_id"], namespace="demo", service="service1")
    assert result.status is Status.FAIL and result.code == "GITOPS-POD-LABEL"


async def test_cluster_label_missing_service(lab_profile: Profile) -> None:
    result = await run(lab_profile, "gitops.cluster-label", cluster="registered",
                       cluster_id=ids(lab_profile)["registered_cluster_id"], namespace="demo", service="nope")
    assert result.status is Status.FAIL and result.code == "GITOPS-NO-SERVICE"
