"""Registered-cluster checks on the built lab, and with the public-network agent applied to the
on-premises plane (then the internal one put back)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from drconsole.lab.env import LabEnv
from drconsole.profile import Profile
from drconsole.results import Status
from tests.checks.cloudkube_support import ids, run

pytestmark = [pytest.mark.lab, pytest.mark.kube]


async def test_running(lab_profile: Profile) -> None:
    result = await run(lab_profile, "registered.running", cluster_id=ids(lab_profile)["registered_cluster_id"])
    assert result.status is Status.PASS, result


async def test_unknown_cluster(lab_profile: Profile) -> None:
    result = await run(lab_profile, "registered.running", cluster_id="c2222222222222222222222222222222d")
    assert result.status is Status.FAIL and result.code == "REG-NOT-FOUND"
    assert result.fix_step == "registered.create"


async def test_agent_available(lab_profile: Profile) -> None:
    result = await run(lab_profile, "registered.agent-available")
    assert result.status is Status.PASS, result
    assert result.summary == "ack-cluster-agent is available (1/1 ready)"


async def test_agent_internal(lab_profile: Profile) -> None:
    result = await run(lab_profile, "registered.agent-internal", cluster_id=ids(lab_profile)["registered_cluster_id"])
    assert result.status is Status.PASS, result
    assert "cs-anony-vpc" in str(result.evidence[-1].answer)


@pytest.fixture
def public_agent(lab: dict[str, Any], lab_env: LabEnv) -> Iterator[None]:
    """The public-network agent manifest applied to the idc plane, as an operator could by mistake."""
    from drconsole.lab.region import agent
    from drconsole.lab.region.config import REGION
    from drconsole.lab.region.kube import Plane

    cluster_id = lab["region"]["ids"]["registered_cluster_id"]
    plane = Plane(lab_env, "idc")
    try:
        agent.apply(plane, cluster_id, REGION, internal=False)
        yield
    finally:
        agent.apply(plane, cluster_id, REGION, internal=True)
        plane.close()


async def test_public_agent_is_not_internal(lab_profile: Profile, public_agent: None) -> None:
    result = await run(lab_profile, "registered.agent-internal", cluster_id=ids(lab_profile)["registered_cluster_id"])
    assert result.status is Status.FAIL, result
    assert "cs-anony.cn-hangzhou.aliyuncs.com:5533" in (result.cause or "")
    assert result.code == "REG-AGENT-PUBLIC" and result.fix_step == "registered.agent-yaml"
