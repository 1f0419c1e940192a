"""Cloud-service routes: the CEN must route every OSS and ACR VIP range toward the VPC, or the VBR
never announces them to the data center and image and object pulls over Express Connect fail.

A legacy CEN does this with route services (DescribeRouteServicesInCen); a transit-router CEN with
static routes in its route table toward the VPC attachment. The check reads whichever the CEN uses
and says which it saw."""

from __future__ import annotations

import time

from drconsole.cen import LEGACY, ServiceRoutes
from drconsole.checks import _cloud
from drconsole.context import Context
from drconsole.registry import NoParams, check
from drconsole.results import Evidence, Outcome

RANGE_KEYS = "services.oss.vip_ranges and services.acr.vip_ranges"


@check("routes.service-routes", family="routes", title="The CEN routes the OSS and ACR ranges toward the VPC",
       timeout=_cloud.CLOUD_TIMEOUT)
async def service_routes_check(ctx: Context, params: NoParams) -> Outcome:
    from drconsole.actions.context import ActionContext
    from drconsole.cen import service_routes
    from drconsole.cloud import CloudError

    profile = ctx.profile
    cen_id = profile.network.cen_id
    ranges = list(profile.services.oss.vip_ranges) + list(profile.services.acr.vip_ranges)
    if not ranges:
        return Outcome.skipped("ROUTE-NO-RANGES", f"the profile lists no OSS or ACR VIP ranges ({RANGE_KEYS})",
                               key=RANGE_KEYS)
    if not cen_id:
        return Outcome.failed("ROUTE-NO-CEN", "the profile has no CEN (network.cen_id), so nothing routes the "
                              "service ranges")
    started = time.monotonic()
    try:  # the action's read path (drconsole.cen), which reads the CEN whichever kind it is
        seen = await ctx.blocking(service_routes, ActionContext(ctx).call, profile.cloud.region, cen_id,
                                  profile.network.vpc_id, ranges)
    except CloudError as exc:
        raise _cloud.in_words(exc) from None
    evidence = Evidence(source=seen.source, asked=f"CenId={cen_id} ({seen.kind} CEN)", answer=seen.statuses,
                        ms=round((time.monotonic() - started) * 1000, 1))
    return judge_service_routes(seen, cen_id, evidence)


def judge_service_routes(seen: ServiceRoutes, cen_id: str, evidence: Evidence) -> Outcome:
    """Every service range must be routed, and Active, in the way the CEN's kind routes them."""
    how = "route services" if seen.kind == LEGACY else "transit-router routes toward the VPC attachment"
    if seen.missing:
        listed = ", ".join(f"{c} ({seen.statuses[c]})" for c in seen.missing)
        return Outcome.failed("ROUTE-SERVICE-MISSING", f"the CEN {cen_id} has no active {how} for {listed}",
                              evidence, how=how)
    return Outcome.passed(f"the CEN {cen_id} routes all {len(seen.statuses)} service ranges ({how})", evidence)
