"""The endpoint checks against the lab's registry and OSS stand-ins, TLS verified with the lab CA."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drconsole.lab.env import LabEnv
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
    assert result.status is Status.FAIL and result.code == "EP-TLS-FAILED"
    assert result.evidence[1].answer["failed_at"] == "tls"


def test_each_service_is_tried_on_its_own_port(lab_profile: Profile) -> None:
    """The OSS port is OSS's alone: pointing it elsewhere fails OSS and leaves the registry alone."""
    moved = lab_profile.model_copy(deep=True)
    moved.services.oss.port = 9  # nothing listens there at the OSS address
    results = run_keys(moved, ENDPOINTS)
    oss = results["network.routes-oss/oss-endpoint"]
    assert oss.status is Status.FAIL and oss.code == "EP-CONNECT-REFUSED", describe(results)
    assert oss.evidence[1].asked.split(",")[0].endswith(f":{moved.services.oss.port}")
    assert results["network.routes-acr/acr-endpoint"].status is Status.PASS, describe(results)


@pytest.fixture
def loopback_net(lab: dict, lab_env: LabEnv, tmp_path: Path) -> Iterator[LabEnv]:
    """A second lab network in loopback mode (its endpoints on ports picked for it), beside the
    session lab's cloud and clusters."""
    from drconsole.lab.net import PART

    env = LabEnv(root=tmp_path / "loopback-lab", mode="loopback", lab_id=f"{lab_env.lab_id}lo",
                 access_key_secret=lab_env.access_key_secret)
    try:
        PART.up(env)
        facts = lab_env.facts()
        for part in ("kube", "region", "controllers"):
            if part in facts:
                env.set_facts(part, facts[part])
        yield env
    finally:
        PART.down(env)


def test_endpoint_checks_pass_against_a_loopback_lab(loopback_net: LabEnv) -> None:
    from drconsole.lab.profile import write_lab_profile

    profile = write_lab_profile(loopback_net)
    endpoints = loopback_net.facts()["net"]["endpoints"]
    assert (profile.services.acr.port, profile.services.oss.port) == (endpoints["acr"]["port"],
                                                                      endpoints["oss"]["port"])
    assert profile.services.acr.port != profile.services.oss.port != 443
    results = run_keys(profile, ENDPOINTS)
    assert all(r.status is Status.PASS for r in results.values()), describe(results)
    oss = results["network.routes-oss/oss-endpoint"]
    assert f":{profile.services.oss.port}" in oss.summary and oss.evidence[1].answer["status"] == 403

