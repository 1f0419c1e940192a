"""Every network fault of the lab, seen by a full sweep of the shipped runbook: exactly the checks
that depend on the broken part turn non-pass, each naming the cause; healing brings all back."""

from __future__ import annotations

import time
from typing import Any

import pytest

from drconsole.lab.env import LabEnv
from drconsole.profile import Profile
from drconsole.registry import load_checks
from drconsole.results import CheckResult, Status
from tests.checks.network_support import describe, not_passing, run_keys, sweep_until

pytestmark = [pytest.mark.lab]

FAIL, WARN, ERROR = Status.FAIL, Status.WARN, Status.ERROR
DEFAULT_ROUTE = "leaves via the default gateway 203.0.113.254, not the VBR 10.200.0.1"
NO_ANSWER = "no answer within"

# What each fault must do to the sweep: key -> (status, words the summary or cause must contain).
ROUTES_GONE: dict[str, tuple[Status, str]] = {
    "network.bgp-idc/vpc-routes": (FAIL, f"route to 192.168.0.0/16 {DEFAULT_ROUTE}"),
    "network.bgp-idc/vpc-route-table": (FAIL, "has no route to 10.200.0.0/16 via the VBR"),
    "network.routes-acr/acr-routes": (FAIL, f"route to 100.103.9.188/32 {DEFAULT_ROUTE}"),
    "network.routes-oss/oss-routes": (FAIL, f"route to 100.118.28.0/24 {DEFAULT_ROUTE}"),
    "network.routes-acr/acr-endpoint": (FAIL, NO_ANSWER),
    "network.routes-acr/acr-ee-endpoint": (FAIL, NO_ANSWER),
    "network.routes-oss/oss-endpoint": (FAIL, NO_ANSWER),
    "gateway.verify/app-served": (FAIL, "the data center cannot reach the gateway"),
    "gateway.verify/zone-a": (FAIL, "the data center cannot reach zone a"),
    "gateway.verify/zone-b": (FAIL, "the data center cannot reach zone b"),
}
EXPECTED: dict[str, dict[str, tuple[Status, str]]] = {
    "bgp": {"network.bgp-idc/session": (FAIL, "BGP session with 10.200.0.2 is Idle"), **ROUTES_GONE},
    "bgp-routes": {
        "network.routes-acr/acr-routes": (FAIL, f"route to 100.103.9.188/32 {DEFAULT_ROUTE}"),
        "network.routes-oss/oss-routes": (FAIL, f"route to 100.118.28.0/24 {DEFAULT_ROUTE}"),
        "network.routes-acr/acr-endpoint": (FAIL, NO_ANSWER),
        "network.routes-acr/acr-ee-endpoint": (FAIL, NO_ANSWER),
        "network.routes-oss/oss-endpoint": (FAIL, NO_ANSWER),
    },
    "idc-routes": {"network.bgp-idc/vpc-route-table": (FAIL, "has no route to 10.200.0.0/16 via the VBR")},
    "link": {
        "network.bgp-idc/session": (FAIL, "BGP session with 10.200.0.2 is"),
        "network.bgp-idc/tcp-179": (FAIL, "10.200.0.1:179 did not answer within 2 s"),
        "network.bgp-idc/open": (FAIL, "packets to 10.200.0.1:179 are dropped on the way"),
        **ROUTES_GONE,
    },
    "dns": {
        **{key: (FAIL, "10.200.0.4:53 refused the query") for key in (
            "network.routes-acr/acr-dns", "network.routes-acr/acr-ee-dns", "network.routes-oss/oss-dns",
            "gateway.verify/app-dns")},
        **{key: (ERROR, "did not resolve, so its endpoint was not tried") for key in (
            "network.routes-acr/acr-endpoint", "network.routes-acr/acr-ee-endpoint",
            "network.routes-oss/oss-endpoint")},
    },
    "dns-wrong": {
        "network.routes-acr/acr-dns": (FAIL, "resolves to the public address 47.96.0.10"),
        "network.routes-acr/acr-endpoint": (FAIL, "outside the private ranges; not connecting"),
    },
    "endpoint-acr": {
        "network.routes-acr/acr-endpoint": (FAIL, "nothing listens at 100.103.9.188:443"),
        "network.routes-acr/acr-ee-endpoint": (FAIL, "nothing listens at 100.103.7.181:443"),
    },
    "endpoint-oss": {"network.routes-oss/oss-endpoint": (FAIL, "nothing listens at 100.118.28.1:443")},
    # A zone's backend going away also makes that cluster's pods unready, so its Argo CD Application
    # stops being Healthy (the lab's kubelet probes the zone's backend).
    "zone-a": {
        "gateway.verify/app-served": (WARN, "not the primary zone a (cn-hangzhou-h)"),
        "gateway.verify/zone-a": (FAIL, "nothing listens for the application in zone a"),
        "gitops.synced/ack-app": (FAIL, "Progressing"),
    },
    "zone-a-hang": {
        "gateway.verify/app-served": (WARN, "not the primary zone a (cn-hangzhou-h)"),
        "gateway.verify/zone-a": (FAIL, "zone a (cn-hangzhou-h) accepts connections but does not answer"),
        "gitops.synced/ack-app": (FAIL, "Progressing"),
    },
    "zone-b": {
        "gateway.verify/zone-b": (FAIL, "nothing listens for the application in zone b"),
        "gitops.synced/registered-app": (FAIL, "Progressing"),
    },
}
EFFECT_DEADLINE = 20.0  # BGP hold time is 3 s in the lab; the region reads BIRD; nginx retries zones after 2 s


def _shape(results: dict[str, CheckResult]) -> dict[str, Status]:
    return {key: r.status for key, r in not_passing(results).items()}


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_network_fault_turns_exactly_its_checks(fault: str, lab_profile: Profile, lab_env: LabEnv,
                                                lab: dict[str, Any]) -> None:
    from drconsole.lab.lab import Lab

    expected = EXPECTED[fault]
    wanted = {key: status for key, (status, _) in expected.items()}
    baseline = run_keys(lab_profile)
    assert not not_passing(baseline), "the sweep must pass before the fault:\n" + describe(not_passing(baseline))
    lab_ctl = Lab(lab_env)
    try:
        lab_ctl.break_(fault)
        results = sweep_until(lab_profile, lambda r: _shape(r) == wanted, EFFECT_DEADLINE)
        assert _shape(results) == wanted, f"{fault}: non-pass checks differ\n" + describe(not_passing(results))
        for key, (_status, words) in expected.items():
            result = results[key]
            said = f"{result.summary} | {result.cause}"
            assert words in said, f"{fault}: {key} should say {words!r}; it says {said!r}"
            assert result.fix_step, f"{fault}: {key} names no runbook step that fixes it"
        if fault == "link":
            _assert_sweep_is_bounded(lab_profile)
    finally:
        lab_ctl.heal(fault)
    healed = sweep_until(lab_profile, lambda r: not not_passing(r), EFFECT_DEADLINE)
    assert not not_passing(healed), f"after healing {fault}:\n" + describe(not_passing(healed))


def _assert_sweep_is_bounded(profile: Profile) -> None:
    """A silently dropping peer must not stretch the sweep past its slowest check's timeout."""
    largest = max(spec.timeout for spec in load_checks().values())
    started = time.monotonic()
    run_keys(profile)
    elapsed = time.monotonic() - started
    assert elapsed <= largest + 2.0, f"the sweep took {elapsed:.1f} s with the link cut (largest timeout {largest} s)"
