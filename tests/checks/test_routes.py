"""The routes checks against the running lab: kernel decisions from the data center, the VPC table."""

from __future__ import annotations

import pytest

from drconsole.profile import Profile
from drconsole.results import Status
from tests.checks.network_support import ROUTES, describe, run_keys

pytestmark = [pytest.mark.lab]


def test_route_checks_pass_against_the_lab(lab_profile: Profile) -> None:
    results = run_keys(lab_profile, ROUTES)
    assert set(results) == set(ROUTES)
    assert all(r.status is Status.PASS for r in results.values()), describe(results)
    oss = results["network.routes-oss/oss-routes"]
    asked = [e.asked for e in oss.evidence]
    assert len(asked) == 4, "every OSS VIP range is looked at, not one"
    assert all(e.answer["gateway"] == "10.200.0.1" and e.answer["matched"] != "default" for e in oss.evidence)


def test_kernel_route_check_is_skipped_for_a_loopback_lab(lab_profile: Profile) -> None:
    from drconsole.profile import LabLink

    loopback = lab_profile.model_copy(deep=True)
    loopback.network.vantage_netns = None
    loopback.lab = LabLink(dir=lab_profile.lab.dir if lab_profile.lab else "/tmp", mode="loopback")
    result = run_keys(loopback, ["network.routes-oss/oss-routes"])["network.routes-oss/oss-routes"]
    assert result.status is Status.SKIPPED and result.code == "ROUTE-LOOPBACK-LAB"
