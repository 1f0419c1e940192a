"""gateway.mse-gateway on the built lab: the VPC holds two gateways named `mse-ingress`, the other
team's listed first; the check judges the MseIngressConfig's own, and a gateway whose config asks for
no internal SLB fails with the private-SLB remedy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from drconsole.profile import Profile
from drconsole.results import CheckResult, Status
from tests.checks.cloudkube_support import ids, run

pytestmark = [pytest.mark.lab, pytest.mark.kube]

CONFIGS = "/apis/mse.alibabacloud.com/v1alpha1/mseingressconfigs"


async def check(profile: Profile) -> CheckResult:
    known = ids(profile)
    return await run(profile, "gateway.mse-gateway", mse_ingress_config=profile.gateway.mse_ingress_config,
                     vpc_id=known["vpc_id"], fleet_id=known["fleet_id"])


def listed_by_name(profile: Profile, name: str) -> list[Any]:
    from drconsole.cloud import models
    from drconsole.context import Context

    ctx = Context(profile)
    try:
        m = models("mse")
        return list(ctx.cloud("mse").list_gateway(m.ListGatewayRequest(
            page_size=50, filter_params=m.ListGatewayRequestFilterParams(vpc=profile.network.vpc_id, name=name)))
            .body.data.result)
    finally:
        ctx.close()


@contextmanager
def fleet_config_patched(lab: dict[str, Any], name: str, network: dict[str, Any]) -> Iterator[None]:
    """Merge `network` into the MseIngressConfig's spec.common.network on the Fleet; put it back after."""
    from drconsole.lab.controllers.kubeapi import Kube

    fleet = Kube.from_kubeconfig(lab["kube"]["kubeconfig"], "fleet")
    path = f"{CONFIGS}/{name}"
    before = ((((fleet.get(path) or {}).get("spec") or {}).get("common") or {}).get("network") or {})
    try:
        fleet.merge(path, {"spec": {"common": {"network": network}}})
        yield
    finally:
        fleet.merge(path, {"spec": {"common": {"network": {key: before.get(key) for key in network}}}})
        fleet.close()


async def test_two_gateways_named_mse_ingress_and_the_configs_own_is_judged(lab: dict[str, Any],
                                                                             lab_profile: Profile) -> None:
    ours = lab["region"]["ids"]["gateway_id"]
    same_name = [g.gateway_unique_id for g in listed_by_name(lab_profile, "mse-ingress")]
    assert len(same_name) == 2 and same_name[0] != ours and ours in same_name  # first-by-name would be wrong
    result = await check(lab_profile)
    assert result.status is Status.PASS, result
    assert ours in result.summary and same_name[0] not in result.summary
    assert f"is running at {lab_profile.gateway.address}" in result.summary
    tags = next(e for e in result.evidence if e.source == "mse:ListTagResources")
    assert {row["ResourceId"] for row in tags.answer["TagResources"]["TagResource"]} == set(same_name)
    listed = next(e for e in result.evidence if e.source == "mse:ListGateway")
    assert set(same_name) <= {g["GatewayUniqueId"] for g in listed.answer["Data"]["Result"]}


async def test_a_public_only_gateway_fails_naming_the_private_slb_setting(lab: dict[str, Any],
                                                                         lab_profile: Profile) -> None:
    with fleet_config_patched(lab, lab_profile.gateway.mse_ingress_config, {"privateSLBSpec": None}):
        public_only = await check(lab_profile)
    assert (public_only.status, public_only.code) == (Status.FAIL, "GW-MSE-PUBLIC-ONLY"), public_only
    assert public_only.fix_step == "gateway.mse-ingress-config" and "privateSLBSpec" in (public_only.remedy or "")
    assert str(lab_profile.gateway.address) not in public_only.summary
    assert (await check(lab_profile)).status is Status.PASS


async def test_the_mse_gateway_in_another_vpc_is_missing(lab_profile: Profile) -> None:
    known = ids(lab_profile)
    result = await run(lab_profile, "gateway.mse-gateway", mse_ingress_config=lab_profile.gateway.mse_ingress_config,
                       vpc_id="vpc-otherone0001", fleet_id=known["fleet_id"])
    assert result.status is Status.FAIL and result.code == "GW-MSE-MISSING"
