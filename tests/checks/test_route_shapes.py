"""routes.vpc-table accepts only the next-hop shapes DescribeRouteEntryList documents (pure judge)."""

from __future__ import annotations

from typing import Any

import pytest

from drconsole.checks.routes import _through_cen


def _row(kind: str, *hops: tuple[str, str], status: str = "Available") -> dict[str, Any]:
    return {"DestinationCidrBlock": "10.0.0.0/16", "Type": kind, "Status": status,
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
