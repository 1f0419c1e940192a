"""The route and GitOps judges without a lab: every way a range can leave the data center, and every
state of a cluster's Argo CD Applications."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from drconsole.checks.gitops import AppParams, judge_applications
from drconsole.checks.routes import judge_decisions
from drconsole.probes.routes import probe_address
from drconsole.results import Evidence, Status
from drconsole.vantage import Route

VBR = "10.200.0.1"
VPC = ipaddress.IPv4Network("192.168.0.0/16")
ACR = ipaddress.IPv4Network("100.103.9.188/32")
EV = Evidence(source="test")


def test_the_probe_address_lies_inside_the_range() -> None:
    assert probe_address(VPC) == "192.168.0.1" and probe_address(ACR) == "100.103.9.188"


@pytest.mark.parametrize(("route", "code"), [
    (Route("192.168.0.1", True, VBR, "eth0", matched="192.168.0.0/16"), None),
    (Route("192.168.0.1", True, "203.0.113.254", "eth1", matched="default"), "ROUTE-NOT-VIA-VBR"),
    (Route("192.168.0.1", True, None, "eth2", matched="192.168.0.0/16"), "ROUTE-NOT-VIA-VBR"),
    (Route("192.168.0.1", False, error="Network is unreachable"), "ROUTE-NOT-VIA-VBR"),
])
def test_every_way_a_range_can_leave(route: Route, code: str | None) -> None:
    outcome = judge_decisions([(VPC, route)], VBR, "vpc", [EV])
    assert outcome.code == code
    if code:
        assert outcome.fix_step == "network.bgp-idc" and VBR in (outcome.remedy or "")


def test_the_fix_step_follows_the_range_family() -> None:
    """The VBR announces the ACR and OSS ranges only once the CEN routes them."""
    default = Route("100.103.9.188", True, "203.0.113.254", "eth1", matched="default")
    assert judge_decisions([(ACR, default)], VBR, "acr", [EV]).fix_step == "network.service-routes"


TARGET = {"name": "idc", "server": "https://10.1.0.1:6443"}
PARAMS = AppParams(cluster_id="c2", namespace="demo")


def app(sync: str | None, health: str | None, namespace: str = "demo",
        server: str = TARGET["server"]) -> dict[str, Any]:
    return {"metadata": {"name": f"web-{namespace}"},
            "spec": {"destination": {"server": server, "namespace": namespace}},
            "status": {"sync": {"status": sync}, "health": {"status": health, "message": "pods pending"}}}


@pytest.mark.parametrize(("apps", "code"), [
    ([app("Synced", "Healthy")], None),
    ([app("OutOfSync", "Healthy")], "GITOPS-NOT-SYNCED"),
    ([app("Synced", "Progressing")], "GITOPS-NOT-SYNCED"),
    ([app("Synced", "Degraded")], "GITOPS-NOT-SYNCED"),
    ([app("Synced", "Missing")], "GITOPS-NOT-SYNCED"),
    ([app(None, None)], "GITOPS-NOT-SYNCED"),  # no status yet: Unknown
    ([app("Synced", "Healthy", server="https://other:6443")], "GITOPS-NO-APPLICATION"),
    ([], "GITOPS-NO-APPLICATION"),
    ([app("Synced", "Healthy"), app("OutOfSync", "Degraded", namespace="other")], None),  # the app's namespace
])
def test_every_application_state(apps: list[dict[str, Any]], code: str | None) -> None:
    outcome = judge_applications(TARGET, apps, PARAMS, EV, EV)
    assert outcome.code == code and outcome.status is (Status.PASS if code is None else Status.FAIL)
