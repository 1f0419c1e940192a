"""The endpoint checks against the lab's registry and OSS stand-ins, TLS verified with the lab CA."""

from __future__ import annotations

from pathlib import Path

import pytest

from drconsole.profile import Profile
from drconsole.results import Status
from tests.checks.network_support import ENDPOINTS, describe, run_keys

pytestmark = [pytest.mark.lab]


def test_endpoint_checks_pass_against_the_lab(lab_profile: Profile) -> None:
    results = run_keys(lab_profile, ENDPOINTS)
    assert set(results) == set(ENDPOINTS)
    assert all(r.status is Status.PASS for r in results.values()), describe(results)
    registry = results["network.routes-acr/acr-endpoint"].evidence[1].answer
    assert registry["status"] == 401 and "www-authenticate" in registry["headers"]
    assert set(registry["timings_ms"]) == {"connect", "tls", "first_byte"}
    assert results["network.routes-oss/oss-endpoint"].evidence[1].answer["status"] == 403


def test_an_untrusted_certificate_fails(lab_profile: Profile, tmp_path: Path) -> None:
    """Another CA than the lab's: verification fails; nothing is ever accepted unverified."""
    from drconsole.lab.net.tls import ensure_ca

    other_ca, _ = ensure_ca(tmp_path)
    untrusting = lab_profile.model_copy(deep=True)
    untrusting.services.ca_file = other_ca
    result = run_keys(untrusting, ["network.routes-oss/oss-endpoint"])["network.routes-oss/oss-endpoint"]
    assert result.status is Status.FAIL and "certificate not trusted" in result.summary
