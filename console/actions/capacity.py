"""Elastic-capacity actions. `eci.add-zones` adds, to the registered cluster's ECI configuration
(the eci-profile's data.vSwitchIds), one existing vSwitch of the VPC for every zone it does not
cover yet. It creates no vSwitch and buys nothing; the plan shows the diff, and the operator types
the ConfigMap back to apply it."""

from __future__ import annotations

from typing import Any

from drconsole.actions.base import ApiCall, Plan, Result, Risk, action
from drconsole.actions.cloud_setup import NoParams, _need
from drconsole.actions.context import ActionContext, ActionFailed
from drconsole.actions.kube_setup import KubeAction
from drconsole.actions.manifests import plan_manifests
from drconsole.checks.capacity import (
    ECI_MAX_VSWITCHES,
    ECI_PROFILE,
    ECI_PROFILE_PATH,
    NAMESPACE,
    VIRTUAL_STEP,
    eci_config,
    missing_zones,
)
from drconsole.checks.topology import VSWITCHES, zones_of
from drconsole.context import ClusterRole
from drconsole.paging import listing

TARGET = f"{NAMESPACE}/{ECI_PROFILE}"


def chosen_additions(current: tuple[str, ...], spare: dict[str, list[str]], preferred: dict[str, str],
                     free_ips: dict[str, int]) -> list[str]:
    """One vSwitch per missing zone (the profile's own for that zone if it has one, else the one with
    the most free addresses), never past the documented maximum."""
    room = ECI_MAX_VSWITCHES - len(current)
    picks = []
    for zone, candidates in sorted(spare.items()):
        own = preferred.get(zone)
        picks.append(own if own in candidates else max(candidates, key=lambda v: (free_ips.get(v, 0), v)))
    return picks[:max(room, 0)]


@action("eci.add-zones", risk=Risk.DESTRUCTIVE,
        title="Add vSwitches in the missing zones to the registered cluster's ECI configuration", params=NoParams)
class AddEciZones(KubeAction):
    role: ClusterRole = "registered"

    def plan(self, actx: ActionContext, params: NoParams) -> Plan:
        profile = actx.profile
        if not profile.capacity.eci:
            return self.new_plan(actx, "the profile does not use ECI (capacity.eci is not true): nothing to spread",
                                 already_done=True, evidence={"capacity.eci": profile.capacity.eci})
        vpc_id = _need(profile.network.vpc_id, "VPC ID", "design.same-vpc")
        config = eci_config(actx.kube_get(self.role, ECI_PROFILE_PATH), None)
        if config is None:
            raise ActionFailed(f"the registered cluster has no {TARGET} ConfigMap",
                               fix=f"install ack-virtual-node first (step {VIRTUAL_STEP})")
        listed = listing(actx.call, "vpc", "DescribeVSwitches", VSWITCHES, region_id=profile.cloud.region,
                         vpc_id=vpc_id, page_size=50)
        zone_of = zones_of(listed)
        used = sorted({zone_of[v] for v in config.vswitch_ids if v in zone_of})
        evidence: dict[str, Any] = {"vSwitchIds": list(config.vswitch_ids), "zones": used}
        reads = [ApiCall("vpc", "DescribeVSwitches", {"VpcId": vpc_id}).render(), f"GET {ECI_PROFILE_PATH}"]
        if len(used) >= 2:
            return self.new_plan(actx, f"ECI already spans {', '.join(used)}", already_done=True, evidence=evidence)
        spare = missing_zones(config, zone_of)
        if not spare:
            raise ActionFailed(f"{vpc_id} has no vSwitch outside {', '.join(used) or 'the configured zone'}",
                               fix="create a vSwitch in another zone of the VPC (this action creates none), "
                                   "then run it again")
        free = {str(v.get("VSwitchId")): int(v.get("AvailableIpAddressCount") or 0) for v in listed}
        added = chosen_additions(config.vswitch_ids, spare, dict(profile.network.vswitch_ids), free)
        if not added:
            raise ActionFailed(f"{TARGET} already lists {len(config.vswitch_ids)} vSwitches, the most ECI accepts",
                               fix="remove a vSwitch of the same zone from data.vSwitchIds first")
        manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": ECI_PROFILE, "namespace": NAMESPACE},
                    "data": {"vSwitchIds": ",".join([*config.vswitch_ids, *added])}}
        changes, _ = plan_manifests(actx, self.role, [manifest])
        zones = sorted({*used, *(zone_of[v] for v in added)})
        return self.new_plan(actx, f"add {', '.join(added)} to {TARGET}: ECI then spans {', '.join(zones)}",
                             changes=changes, already_done=not changes, evidence=evidence, target=TARGET,
                             data={"reads": reads, "added": added})

    def apply(self, actx: ActionContext, plan: Plan) -> Result:
        result = super().apply(actx, plan)
        return Result(f"{result.summary}; added {', '.join(plan.data['added'])}", output=result.output)
