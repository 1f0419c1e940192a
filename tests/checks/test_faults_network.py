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
# What each fault must do to the sweep: key -> (status, finding code; "|" separates codes any of which will do).
ROUTES_GONE: dict[str, tuple[Status, str]] = {
    "network.bgp-idc/vpc-routes": (FAIL, "ROUTE-NOT-VIA-VBR"),
    "network.bgp-idc/vpc-route-table": (FAIL, "ROUTE-VPC-TABLE-MISSING"),
    "network.routes-acr/acr-routes": (FAIL, "ROUTE-NOT-VIA-VBR"),
    "network.routes-oss/oss-routes": (FAIL, "ROUTE-NOT-VIA-VBR"),
    "network.routes-acr/acr-endpoint": (FAIL, "EP-UNREACHABLE"),
    "network.routes-acr/acr-ee-endpoint": (FAIL, "EP-UNREACHABLE"),
    "network.routes-oss/oss-endpoint": (FAIL, "EP-UNREACHABLE"),
    "gateway.verify/app-served": (FAIL, "GW-UNREACHABLE"),
    "gateway.verify/zone-a": (FAIL, "GW-ZONE-UNREACHABLE"),
    "gateway.verify/zone-b": (FAIL, "GW-ZONE-UNREACHABLE"),
    # the agent's connection to the private registration endpoint has no route left: ACK stops hearing it
    "registered.agent-connected/registered.running": (FAIL, "REG-AGENT-UNREACHABLE"),
}
EXPECTED: dict[str, dict[str, tuple[Status, str]]] = {
    "bgp": {"network.bgp-idc/session": (FAIL, "BGP-PEER-IDLE"), **ROUTES_GONE},
    "bgp-routes": {
        "network.routes-acr/acr-routes": (FAIL, "ROUTE-NOT-VIA-VBR"),
        "network.routes-oss/oss-routes": (FAIL, "ROUTE-NOT-VIA-VBR"),
        "network.routes-acr/acr-endpoint": (FAIL, "EP-UNREACHABLE"),
        "network.routes-acr/acr-ee-endpoint": (FAIL, "EP-UNREACHABLE"),
        "network.routes-oss/oss-endpoint": (FAIL, "EP-UNREACHABLE"),
    },
    "idc-routes": {"network.bgp-idc/vpc-route-table": (FAIL, "ROUTE-VPC-TABLE-MISSING")},
    "link": {
        "network.bgp-idc/session": (FAIL, "BGP-PEER-IDLE|BGP-PEER-CONNECT|BGP-PEER-ACTIVE"),
        "network.bgp-idc/tcp-179": (FAIL, "BGP-TCP-TIMEOUT"),
        "network.bgp-idc/open": (FAIL, "BGP-TCP-TIMEOUT"),
        **ROUTES_GONE,
    },
    "dns": {
        **{key: (FAIL, "DNS-RESOLVER-REFUSED") for key in (
            "network.routes-acr/acr-dns", "network.routes-acr/acr-ee-dns", "network.routes-oss/oss-dns",
            "gateway.verify/app-dns")},
        **{key: (ERROR, "EP-UNRESOLVED") for key in (
            "network.routes-acr/acr-endpoint", "network.routes-acr/acr-ee-endpoint",
            "network.routes-oss/oss-endpoint")},
    },
    "dns-wrong": {
        "network.routes-acr/acr-dns": (FAIL, "DNS-PUBLIC-ANSWER"),
        "network.routes-acr/acr-endpoint": (FAIL, "EP-NOT-PRIVATE"),
    },
    "endpoint-acr": {
        "network.routes-acr/acr-endpoint": (FAIL, "EP-CONNECT-REFUSED"),
        "network.routes-acr/acr-ee-endpoint": (FAIL, "EP-CONNECT-REFUSED"),
    },
    "endpoint-oss": {"network.routes-oss/oss-endpoint": (FAIL, "EP-CONNECT-REFUSED")},
    # A zone's backend going away also makes that cluster's pods unready, so its Argo CD Application
    # stops being Healthy (the lab's kubelet probes the zone's backend).
    "zone-a": {
        "gateway.verify/app-served": (WARN, "GW-FAILED-OVER"),
        "gateway.verify/zone-a": (FAIL, "GW-ZONE-DOWN"),
        "gitops.synced/ack-app": (FAIL, "GITOPS-NOT-SYNCED"),
    },
    "zone-a-hang": {
        "gateway.verify/app-served": (WARN, "GW-FAILED-OVER"),
        "gateway.verify/zone-a": (FAIL, "GW-ZONE-HANGS"),
        "gitops.synced/ack-app": (FAIL, "GITOPS-NOT-SYNCED"),
    },
    "zone-b": {
        "gateway.verify/zone-b": (FAIL, "GW-ZONE-DOWN"),
        "gitops.synced/registered-app": (FAIL, "GITOPS-NOT-SYNCED"),
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
        for key, (_status, codes) in expected.items():
            result = results[key]
            assert result.code in codes.split("|"), f"{fault}: {key} should be {codes}; it is {result.code}"
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
