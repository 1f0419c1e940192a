"""The gateway's HTTP side against the lab: the app is served from the primary zone; each zone answers."""

from __future__ import annotations

import pytest

from drconsole.profile import Profile
from drconsole.results import Status
from tests.checks.network_support import GATEWAY, describe, run_keys

pytestmark = [pytest.mark.lab]


def test_gateway_checks_pass_against_the_lab(lab_profile: Profile) -> None:
    results = run_keys(lab_profile, GATEWAY)
    assert set(results) == set(GATEWAY)
    assert all(r.status is Status.PASS for r in results.values()), describe(results)
    served = results["gateway.verify/app-served"]
    assert "primary zone a (cn-hangzhou-h)" in served.summary
    assert [e.answer["zone"] for e in served.evidence] == ["cn-hangzhou-h", "cn-hangzhou-h"]  # HTTP and HTTPS
    assert results["gateway.verify/zone-b"].evidence[0].answer["zone"] == "cn-hangzhou-i"
    assert results["gateway.verify/zone-a"].zone == "a"
