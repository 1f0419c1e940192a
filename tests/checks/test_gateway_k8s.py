"""Gateway (Kubernetes and MSE side) on the built lab, and against names, modes and IDs that do not
match what the Fleet holds."""

from __future__ import annotations

from typing import Any

import pytest

from drconsole.profile import Profile
from drconsole.results import Status
from tests.checks.cloudkube_support import ids, run

pytestmark = [pytest.mark.lab, pytest.mark.kube]


def ingress_params(profile: Profile, **changes: Any) -> dict[str, Any]:
    known = ids(profile)
    params = {"namespace": "demo", "name": "web-demo", "host": profile.gateway.host, "service": "service1",
              "mode": "active-standby", "primary": "ack", "ack_cluster_id": known["ack_cluster_id"],
              "registered_cluster_id": known["registered_cluster_id"]}
    return {**params, **changes}


async def test_mse_ingress_config(lab_profile: Profile) -> None:
    known = ids(lab_profile)
    result = await run(lab_profile, "gateway.mse-ingress-config", name=lab_profile.gateway.mse_ingress_config,
                       cluster_ids=[known["ack_cluster_id"], known["registered_cluster_id"]])
    assert result.status is Status.PASS, result
    assert "is Listening" in result.summary


async def test_mse_ingress_config_missing_a_cluster(lab_profile: Profile) -> None:
    known = ids(lab_profile)
    result = await run(lab_profile, "gateway.mse-ingress-config", name=lab_profile.gateway.mse_ingress_config,
                       cluster_ids=[known["ack_cluster_id"], "c4444444444444444444444444444444b"])
    assert result.status is Status.FAIL and result.code == "GW-CONFIG-CLUSTERS"
    assert "c4444444444444444444444444444444b" in (result.cause or "")


async def test_mse_ingress_config_absent(lab_profile: Profile) -> None:
    result = await run(lab_profile, "gateway.mse-ingress-config", name="no-such-config", cluster_ids=[])
    assert result.status is Status.FAIL and result.code == "GW-CONFIG-MISSING"


async def test_fleet_namespace(lab_profile: Profile) -> None:
    assert (await run(lab_profile, "gateway.fleet-namespace", namespace="demo")).status is Status.PASS
    missing = await run(lab_profile, "gateway.fleet-namespace", namespace="demo-typo")
    assert missing.code == "GW-NAMESPACE-MISSING" and missing.fix_step == "gateway.namespace"


async def test_ingress(lab_profile: Profile) -> None:
    result = await run(lab_profile, "gateway.ingress", **ingress_params(lab_profile))
    assert result.status is Status.PASS, result
    assert "active-standby pinned to" in result.summary


@pytest.mark.parametrize(("changes", "code", "said"), [
    ({"mode": "active-active"}, "GW-INGRESS-MISMATCH", "active-active must not pin a cluster"),
    ({"primary": "registered"}, "GW-INGRESS-MISMATCH", "not the primary cluster"),
    ({"host": "other.example.com"}, "GW-INGRESS-MISMATCH", "no rule for host other.example.com"),
    ({"service": "service2"}, "GW-INGRESS-MISMATCH", "not Service service2"),
    ({"name": "absent"}, "GW-INGRESS-MISSING", ""),
])
async def test_ingress_mismatches(lab_profile: Profile, changes: dict[str, Any], code: str, said: str) -> None:
    result = await run(lab_profile, "gateway.ingress", **ingress_params(lab_profile, **changes))
    assert result.status is Status.FAIL and result.code == code, result
    assert said in result.summary  # which difference: the data the check found
    assert result.fix_step == "gateway.ingress"
