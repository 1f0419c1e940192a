"""The CEN route judges without a lab: routes.vpc-table accepts only the next-hop shapes
DescribeRouteEntryList documents, and routes.service-routes wants every service range Active."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from drconsole.cen import LEGACY, TRANSIT_ROUTER, ServiceRoutes
from drconsole.checks.routes import TableParams, _through_cen, judge_vpc_table
from drconsole.checks.service_routes import judge_service_routes
from drconsole.results import Evidence, Status

EV = Evidence(source="test")
IDC = [ipaddress.IPv4Network("10.0.0.0/16")]
PARAMS = TableParams(route_table_id="vtb-1", vbr_id="vbr-1")


def _row(kind: str, *hops: tuple[str, str], status: str = "Available",
         destination: str = "10.0.0.0/16") -> dict[str, Any]:
    return {"DestinationCidrBlock": destination, "Type": kind, "Status": status,
            "NextHops": [{"NextHopType": t, "NextHopId": i} for t, i in hops]}


@pytest.mark.parametrize(("row", "shape"), [
    (_row("CEN", ("Attachment", "tr-attach-1")), "next hop: transit-router attachment tr-attach-1"),
    (_row("Custom", ("Attachment", "tr-attach-1")), "next hop: transit-router attachment tr-attach-1"),
    (_row("CEN"), "a CEN route (legacy CEN)"),
    (_row("CEN", ("Attachment", "tr-attach-1"), status="Pending"), None),
    (_row("Custom", ("VBR", "vbr-1")), None),  # not a documented NextHopType
    (_row("Custom", ("Instance", "i-1")), None),
    (_row("System"), None),
])
def test_only_documented_shapes_count(row: dict[str, Any], shape: str | None) -> None:
    assert _through_cen(row) == shape


@pytest.mark.parametrize(("table", "code"), [
    ([_row("CEN", ("Attachment", "tr-attach-1"))], None),
    ([_row("CEN")], None),
    ([_row("CEN", destination="10.0.0.0/8")], None),  # a wider route covers the CIDR
    ([_row("CEN", destination="10.0.0.0/24")], "ROUTE-VPC-TABLE-MISSING"),  # a narrower one does not
    ([_row("Custom", ("VBR", "vbr-1"))], "ROUTE-VPC-TABLE-MISSING"),
    ([_row("CEN", status="Pending")], "ROUTE-VPC-TABLE-MISSING"),
    ([], "ROUTE-VPC-TABLE-MISSING"),
])
def test_the_vpc_table_judge(table: list[dict[str, Any]], code: str | None) -> None:
    outcome = judge_vpc_table(table, IDC, PARAMS, EV)
    assert outcome.code == code and outcome.status is (Status.PASS if code is None else Status.FAIL)
    if code:
        assert outcome.fix_step == "network.cen-attach"


@pytest.mark.parametrize("kind", [LEGACY, TRANSIT_ROUTER])
@pytest.mark.parametrize(("statuses", "code"), [
    ({"100.64.0.0/16": "Active", "100.103.0.0/16": "Active"}, None),
    ({"100.64.0.0/16": "Active", "100.103.0.0/16": "Creating"}, "ROUTE-SERVICE-MISSING"),
    ({"100.64.0.0/16": "missing", "100.103.0.0/16": "Active"}, "ROUTE-SERVICE-MISSING"),
])
def test_the_service_routes_judge(kind: str, statuses: dict[str, str], code: str | None) -> None:
    outcome = judge_service_routes(ServiceRoutes(kind, statuses), "cen-1", EV)
    assert outcome.code == code
    if code:
        assert outcome.fix_step == "network.service-routes"
