"""Cloud-service routes: the CEN must route every OSS and ACR VIP range toward the VPC, or the VBR
never announces them to the data center and image and object pulls over Express Connect fail.

A legacy CEN does this with route services (DescribeRouteServicesInCen); a transit-router CEN with
static routes in its route table toward the VPC attachment. The check reads whichever the CEN uses
and says which it saw."""

from __future__ import annotations

import time

from drconsole.context import Context
from drconsole.registry import NoParams, check
from drconsole.results import Evidence, Outcome

FIX_STEP = "network.service-routes"


@check("routes.service-routes", family="routes", title="The CEN routes the OSS and ACR ranges toward the VPC",
       timeout=8.0, fix_step=FIX_STEP)
async def service_routes_check(ctx: Context, params: NoParams) -> Outcome:
    from drconsole.actions.context import ActionContext
    from drconsole.cen import service_routes

    profile = ctx.profile
    cen_id = profile.network.cen_id
    ranges = list(profile.services.oss.vip_ranges) + list(profile.services.acr.vip_ranges)
    if not ranges:
        return Outcome.skipped("the profile lists no OSS or ACR VIP ranges",
                               remedy="record them in services.oss.vip_ranges and services.acr.vip_ranges")
    if not cen_id:
        return Outcome.failed("the profile has no CEN (network.cen_id), so nothing routes the service ranges",
                              remedy="attach the VBR and the VPC to a CEN first", fix_step="network.cen-attach")
    started = time.monotonic()
    seen = await ctx.blocking(service_routes, ActionContext(ctx).call, profile.cloud.region, cen_id,
                              profile.network.vpc_id, ranges)
    evidence = Evidence(source=seen.source, asked=f"CenId={cen_id} ({seen.kind} CEN)", answer=seen.statuses,
                        ms=round((time.monotonic() - started) * 1000, 1))
    how = "route services" if seen.kind == "legacy" else "transit-router routes toward the VPC attachment"
    if seen.missing:
        listed = ", ".join(f"{c} ({seen.statuses[c]})" for c in seen.missing)
        return Outcome.failed(f"the CEN {cen_id} has no active {how} for {listed}", evidence,
                              cause="without them the VBR does not announce the service ranges to the data center, "
                                    "so OSS and ACR private addresses are unreachable over Express Connect",
                              remedy=f"add {how} for every OSS and ACR VIP range", fix_step=FIX_STEP)
    return Outcome.passed(f"the CEN {cen_id} routes all {len(ranges)} service ranges ({how})", evidence)
