"""Temporary credentials from STS in the environment (an `STS.` AccessKey ID, its secret and the security token,
as a CI job or an operator who assumed a role exports them) reach the lab region with the token, and the
secret and token never show."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drconsole.context import Context
from drconsole.profile import Profile
from tests.fixtures.region import RegionLab

pytestmark = pytest.mark.lab


def _profile_without_a_key(region: RegionLab) -> Profile:
    """An operator's profile pointed at the region that names no AccessKey: the environment supplies it."""
    from drconsole.profile import parse_profile
    from tests.core.conftest import VALID_PROFILE

    facts = region.facts
    profile = parse_profile(VALID_PROFILE, source="test")
    data = profile.model_dump(mode="json", exclude_none=True)
    data["cloud"].pop("access_key_id", None)
    data["cloud"].update(region=facts["region"], protocol="http",
                         endpoints={p: facts["endpoint"] for p in ("cs", "adcp", "vpc", "cbn", "mse")})
    return type(profile).model_validate(data)


@pytest.fixture
def sts_env(fresh_region: RegionLab, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    from drconsole.lab.region import sts

    secret, token = sts.temporary(fresh_region.secret)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", sts.ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret)
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", token)
    yield secret, token


def test_the_security_token_goes_with_every_call(fresh_region: RegionLab, sts_env: tuple[str, str]) -> None:
    from drconsole.actions.context import ActionContext
    from drconsole.lab.region import sts

    secret, token = sts_env
    ctx = Context(_profile_without_a_key(fresh_region))
    try:
        body = ActionContext(ctx).call("vpc", "DescribeVpcs", region_id=fresh_region.facts["region"])
        assert [v["VpcId"] for v in body["Vpcs"]["Vpc"]] == [fresh_region.ids()["vpc_id"]]
        assert ctx.cloud_identity() == f"{sts.ACCESS_KEY_ID} (environment, STS token)"
        shown = repr(ctx.credentials())
        assert sts.ACCESS_KEY_ID in shown and secret not in shown and token not in shown
        assert set(ctx.credentials().hidden()) == {secret, token}
    finally:
        ctx.close()


def test_a_token_the_cloud_refuses_is_its_error_without_the_token(fresh_region: RegionLab, sts_env: tuple[str, str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from drconsole.actions.context import ActionContext
    from drconsole.cloud import CloudError

    stale = sts_env[1][:-4] + "AAAA"
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", stale)
    ctx = Context(_profile_without_a_key(fresh_region))
    try:
        with pytest.raises(CloudError) as refused:
            ActionContext(ctx).call("vpc", "DescribeVpcs", region_id=fresh_region.facts["region"])
        assert refused.value.code == "InvalidSecurityToken.MismatchWithAccessKey"
        assert stale not in refused.value.message and sts_env[0] not in refused.value.message
        assert "ALIBABA_CLOUD_SECURITY_TOKEN" in (refused.value.fix or "")
    finally:
        ctx.close()
