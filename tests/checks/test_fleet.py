"""Fleet checks against the lab region: running, members Successed, GitOps on; unknown IDs fail."""

from __future__ import annotations

import pytest

from drconsole.profile import Profile
from drconsole.results import Status
from tests.checks.cloudkube_support import ids, run

pytestmark = [pytest.mark.lab, pytest.mark.kube]


async def test_fleet_running(lab_profile: Profile) -> None:
    result = await run(lab_profile, "fleet.running", fleet_id=ids(lab_profile)["fleet_id"])
    assert result.status is Status.PASS, result
    assert result.summary == "Fleet drlab-fleet is running"


async def test_unknown_fleet(lab_profile: Profile) -> None:
    result = await run(lab_profile, "fleet.running", fleet_id="c0000000000000000000000000000000f")
    assert result.status is Status.FAIL and result.code == "FLEET-NOT-FOUND"
    assert "Cluster.NotFound" in (result.cause or "") and result.fix_step == "fleet.create"


@pytest.mark.parametrize("member", ["ack_cluster_id", "registered_cluster_id"])
async def test_members_associated(lab_profile: Profile, member: str) -> None:
    known = ids(lab_profile)
    result = await run(lab_profile, "fleet.member-associated", fleet_id=known["fleet_id"], cluster_id=known[member])
    assert result.status is Status.PASS, result
    assert "is associated (Successed)" in result.summary


async def test_cluster_not_associated(lab_profile: Profile) -> None:
    result = await run(lab_profile, "fleet.member-associated", fleet_id=ids(lab_profile)["fleet_id"],
                       cluster_id="c1111111111111111111111111111111e")
    assert result.status is Status.FAIL and result.code == "FLEET-MEMBER-MISSING"
    assert result.fix_step == "fleet.attach"


async def test_gitops_enabled(lab_profile: Profile) -> None:
    result = await run(lab_profile, "fleet.gitops-enabled", fleet_id=ids(lab_profile)["fleet_id"])
    assert result.status is Status.PASS, result
    assert result.evidence[0].answer["ClusterInfo.MetaData.ACKOne.GitOps"]["Enabled"] is True
