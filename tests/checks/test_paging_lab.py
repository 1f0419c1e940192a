"""Reads that page, across the seam: the product's paged reads (an action's `listing`, a check's `_cloud.ask`
with `pages`) against the lab region's own pages, in pages much smaller than the lists, give the same lists
as one big page, and the region saw one request per page."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from drconsole.context import Context
from drconsole.profile import Profile
from tests.fixtures.net import wait_until
from tests.fixtures.region import RegionLab

pytestmark = pytest.mark.lab


@pytest.fixture
def ctx(lab_profile: Profile) -> Iterator[Context]:
    context = Context(lab_profile)
    yield context
    context.close()


def _sent(region: RegionLab, action: str, since: int, size: tuple[str, str], pages: int) -> list[dict[str, Any]]:
    """The requests for `action` with the page size `size` (name, value) after `since` in the region's log, once
    the `pages` expected are there (the region logs a request after answering it, so the reads before `since`
    may still add lines after it, and the last page's line may come late)."""
    def logged() -> list[dict[str, Any]] | None:
        rows = [r for r in region.requests()[since:] if r["action"] == action and r["params"].get(size[0]) == size[1]]
        return rows if len(rows) >= pages else None
    return list(wait_until(logged, 10, f"{action} in the region's request log"))


def test_an_action_s_list_reads_follow_both_kinds_of_page(ctx: Context, region_lab: RegionLab) -> None:
    from drconsole.actions.context import ActionContext
    from drconsole.paging import listing

    call, region, ids = ActionContext(ctx).call, ctx.profile.cloud.region, region_lab.ids()
    entries = "RouteEntrys.RouteEntry"
    whole = listing(call, "vpc", "DescribeRouteEntryList", entries, region_id=region,
                    route_table_id=ids["route_table_id"], max_result=100)
    since = len(region_lab.requests())
    paged = listing(call, "vpc", "DescribeRouteEntryList", entries, region_id=region,
                    route_table_id=ids["route_table_id"], max_result=2)
    assert paged == whole and len(whole) > 2
    pages = -(-len(whole) // 2)
    sent = _sent(region_lab, "DescribeRouteEntryList", since, ("MaxResult", "2"), pages)
    tokens = [r["params"].get("NextToken") for r in sent]
    assert len(tokens) == pages and tokens[0] is None and all(tokens[1:])

    switches = "VSwitches.VSwitch"
    whole = listing(call, "vpc", "DescribeVSwitches", switches, region_id=region, vpc_id=ids["vpc_id"],
                    page_size=50)
    since = len(region_lab.requests())
    paged = listing(call, "vpc", "DescribeVSwitches", switches, region_id=region, vpc_id=ids["vpc_id"], page_size=1)
    assert paged == whole and len(whole) > 1
    sent = _sent(region_lab, "DescribeVSwitches", since, ("PageSize", "1"), len(whole))
    numbers = [r["params"].get("PageNumber") for r in sent]
    assert numbers == [None] + [str(n) for n in range(2, len(whole) + 1)]


def test_a_check_s_paged_read_is_the_whole_list(ctx: Context, region_lab: RegionLab) -> None:
    from drconsole.checks import _cloud

    table = region_lab.ids()["route_table_id"]

    def read(size: int) -> list[Any]:
        body, evidence = asyncio.run(_cloud.ask(
            ctx, "vpc", "DescribeRouteEntryList",
            lambda c, m, **page: c.describe_route_entry_list(m.DescribeRouteEntryListRequest(
                region_id=ctx.profile.cloud.region, route_table_id=table, max_result=size, **page)),
            asked=f"RouteTableId={table}", pages="RouteEntrys.RouteEntry"))
        assert evidence.answer == body and "RequestId" not in body
        return list(body["RouteEntrys"]["RouteEntry"])

    whole = read(100)
    assert read(3) == whole and len(whole) > 3
