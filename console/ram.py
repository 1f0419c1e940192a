"""The RAM permissions drconsole uses on a real account, and the policy that grants them.

Every cloud API call is one RAM action, `<RAM code>:<API name>` (each product's "RAM authorization" page; the
RAM code of CEN is `cen` although its SDK product is `cbn`). `CALLS` lists every API drconsole calls;
tests/unit/test_ram.py holds it to the code's own call sites, both ways. Reads and writes are told apart by
the cloud's naming (drconsole.sweepreads.is_read), so checks and `drconsole watch` need only the read policy.
"""

from __future__ import annotations

from typing import Any

from drconsole.profile import Product
from drconsole.sweepreads import is_read

RAM_CODES: dict[str, str] = {"cs": "cs", "adcp": "adcp", "vpc": "vpc", "cbn": "cen", "mse": "mse"}
CALLS: dict[Product, tuple[str, ...]] = {
    "adcp": ("AttachClusterToHub", "CreateHubCluster", "DescribeHubClusterDetails", "DescribeHubClusters",
             "DescribeManagedClusters", "UpdateHubClusterFeature"),
    "cbn": ("AttachCenChildInstance", "CreateCen", "CreateTransitRouter", "CreateTransitRouterRouteEntry",
            "CreateTransitRouterVbrAttachment", "CreateTransitRouterVpcAttachment",
            "DescribeCenAttachedChildInstances", "DescribeCens", "DescribeRouteServicesInCen",
            "ListTransitRouterRouteEntries", "ListTransitRouterRouteTables", "ListTransitRouterVbrAttachments",
            "ListTransitRouterVpcAttachments", "ListTransitRouters", "ResolveAndRouteServiceInCen"),
    "cs": ("CreateCluster", "DescribeClusterDetail", "DescribeClusterNodePools", "DescribeClustersV1",
           "DescribeExternalAgent", "DescribeTaskInfo"),
    "mse": ("ListGateway", "ListTagResources"),
    "vpc": ("CreateBgpGroup", "CreateBgpPeer", "CreateVirtualBorderRouter", "DescribeBgpGroups", "DescribeBgpPeers",
            "DescribeRouteEntryList", "DescribeVSwitches", "DescribeVirtualBorderRouters", "DescribeVpcs"),
}


def ram_action(product: str, action: str) -> str:
    """The RAM action that allows one API call, e.g. ('cbn', 'ListTransitRouters') -> 'cen:ListTransitRouters'."""
    return f"{RAM_CODES.get(product, product)}:{action}"


def actions(*, writes: bool) -> list[str]:
    """Every RAM action drconsole uses (reads only unless `writes`), sorted."""
    return sorted(ram_action(product, action) for product, names in CALLS.items() for action in names
                  if writes or is_read(action))


def policy(*, writes: bool) -> dict[str, Any]:
    """A RAM policy document ("Policy structure and syntax": Version 1, one Allow statement) granting them."""
    return {"Version": "1", "Statement": [{"Effect": "Allow", "Action": actions(writes=writes), "Resource": "*"}]}
