"""The dns checks against the running lab's resolver, asked from the data center's side."""

from __future__ import annotations

import pytest

from drconsole.profile import Profile
from drconsole.results import Status
from tests.checks.network_support import DNS, describe, run_keys

pytestmark = [pytest.mark.lab]


def test_dns_checks_pass_against_the_lab(lab_profile: Profile) -> None:
    results = run_keys(lab_profile, DNS)
    assert set(results) == set(DNS)
    assert all(r.status is Status.PASS for r in results.values()), describe(results)
    acr = results["network.routes-acr/acr-dns"].evidence[0].answer
    assert acr["addresses"] == ["100.103.9.188"] and acr["rcode"] == "NOERROR"


def test_an_unknown_name_fails_with_nxdomain(lab_profile: Profile) -> None:
    unknown = lab_profile.model_copy(deep=True)
    unknown.services.oss.endpoint = "oss-nowhere-internal.aliyuncs.com"
    result = run_keys(unknown, ["network.routes-oss/oss-dns"])["network.routes-oss/oss-dns"]
    assert result.status is Status.FAIL and result.code == "DNS-NXDOMAIN"
