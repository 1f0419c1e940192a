"""Incident actions: assess the zones, pin the DR Ingress to a zone (failover), verify through
the gateway which zone serves and how long recovery took, and fail back after a stable period."""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from drconsole import zones
from drconsole.action_events import ActionOutput
from drconsole.actions.base import Action, Plan, Result, Risk, action
from drconsole.actions.context import ActionContext, ActionFailed
from drconsole.actions.kube_setup import MSE, dr_ingress
from drconsole.actions.manifests import apply_changes, plan_manifests
from drconsole.actions.probes import gateway_get, ingress_path, require_ids, zone_health
from drconsole.actions.safety import TrafficChange, live_health
from drconsole.probes.users import pinned_cluster

BLIND_ANSWERS = 3  # served answers in a row the marker does not match: attribution cannot work, stop waiting


class MarkerUnmatched(ActionFailed):
    """Answers arrive but the attribution marker names no zone in them: waiting longer cannot help."""

    finding = "GW-MARKER-NO-MATCH"


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


def pinned_zone(actx: ActionContext) -> tuple[str | None, dict[str, Any]]:
    """The zone the live Ingress is pinned to (None when not pinned), and what was read."""
    ingress = actx.kube_get("fleet", ingress_path(actx))
    if ingress is None:
        raise ActionFailed(f"no Ingress {actx.profile.gateway.namespace}/{actx.profile.gateway.ingress} on the Fleet",
                           fix="run step gateway.ingress of the setup runbook first")
    notes = (ingress.get("metadata") or {}).get("annotations") or {}
    cluster = pinned_cluster(notes)
    ids = require_ids(actx)
    zone = next((z for z, c in ids.items() if c == cluster), None)
    return zone, {"subset-labels": notes.get(MSE + "subset-labels"), "pinned_cluster": cluster,
                  "resourceVersion": ingress["metadata"].get("resourceVersion")}


def zone_label(actx: ActionContext, zone: zones.ZoneKey) -> str:
    return zones.zone(actx.profile, zone).zone_id or f"zone-{zone}"


@action("traffic.assess", risk=Risk.READ, title="Decide: which zone is healthy (live probes)", params=NoParams)
class Assess(Action):
    def plan(self, actx: ActionContext, params: NoParams) -> Plan:
        return self.new_plan(actx, "probe both zones' clusters, app endpoints and the gateway")

    def apply(self, actx: ActionContext, plan: Plan) -> Result:
        health = live_health(actx)
        for zone_health_ in health.values():
            actx.progress(zone_health_.describe())
        healthy = [z for z, h in health.items() if h.healthy]
        actx.run_state.healthy_zones = healthy
        pinned, _ = pinned_zone(actx)
        verdict = (f"healthy: {', '.join(zone_label(actx, z) for z in healthy)}" if healthy
                   else "no zone is healthy")
        return Result(f"{verdict}; traffic pinned to {zone_label(actx, pinned) if pinned else 'no single zone'}",
                      output=ActionOutput(healthy_zones=healthy, pinned_zone=pinned,
                                          zones={z: h.describe() for z, h in health.items()}))


class PinParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zone: Literal["a", "b", "healthy"] = "healthy"


@action("traffic.pin", risk=Risk.DESTRUCTIVE, title="Shift traffic: pin the DR Ingress to one zone",
        params=PinParams)
class Pin(Action):
    def plan(self, actx: ActionContext, params: PinParams) -> Plan:
        target = params.zone
        if target == "healthy":
            health = {z: zone_health(actx, z) for z in zones.KEYS}
            healthy = [z for z, h in health.items() if h.healthy]
            if not healthy:
                raise ActionFailed("no zone is healthy; there is nowhere to shift traffic to",
                                   fix="restore a zone first (the assess step lists what fails)")
            primary = zones.primary(actx.profile).key
            target = primary if primary in healthy else healthy[0]
        return pin_plan(self, actx, target)

    def apply(self, actx: ActionContext, plan: Plan) -> Result:
        return pin_apply(actx, plan)


def pin_plan(spec: Action, actx: ActionContext, zone: str) -> Plan:
    ids = require_ids(actx)
    current, seen = pinned_zone(actx)
    changes, evidence = plan_manifests(actx, "fleet", [dr_ingress(actx, ids[zone])])
    others = [z for z in zones.KEYS if z != zone]
    label = zone_label(actx, zone)
    plan = spec.new_plan(actx, f"pin traffic to zone {zone} ({label}, cluster {ids[zone]}); now "
                         f"{'pinned to zone ' + current if current else 'not pinned'}",
                         changes=changes, already_done=current == zone and not changes,
                         evidence={**evidence, "ingress": seen}, target=label,
                         traffic=TrafficChange(to_zones=[zone], fallback=list(zones.KEYS), away_from=others),
                         data={"zone": zone})
    return plan


def pin_apply(actx: ActionContext, plan: Plan) -> Result:
    versions = apply_changes(actx, plan.changes)
    zone = plan.data["zone"]
    actx.run_state.pinned_zone = zone
    return Result(f"Ingress pinned to zone {zone} ({zone_label(actx, zone)})",
                  output=ActionOutput(applied=versions, zone=zone))


class VerifyParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zone: Literal["a", "b", "pinned"] = "pinned"
    requests: int = Field(default=5, ge=1, le=100)
    timeout_s: float = Field(default=60.0, gt=0, le=900)


@action("traffic.verify", risk=Risk.READ,
        title="Verify through the gateway that the chosen zone serves; measure the recovery time",
        params=VerifyParams)
class Verify(Action):
    def plan(self, actx: ActionContext, params: VerifyParams) -> Plan:
        zone: str = params.zone
        if zone == "pinned":
            zone = actx.run_state.pinned_zone or pinned_zone(actx)[0] or ""
        if not zone:
            raise ActionFailed("traffic is not pinned to a zone, so there is no zone to verify",
                               fix="name the zone in the step's `with: {zone: a|b}`")
        return self.new_plan(actx, f"{params.requests} consecutive requests through the gateway served by zone "
                             f"{zone} ({zone_label(actx, zone)})",
                             data={"zone": zone, "requests": params.requests, "timeout_s": params.timeout_s})

    def apply(self, actx: ActionContext, plan: Plan) -> Result:
        zone, wanted = plan.data["zone"], plan.data["requests"]
        decided = actx.run_state.decision_at or time.time()
        streak: list[dict[str, Any]] = []
        blind: list[dict[str, Any]] = []
        last: dict[str, Any] = {}

        def served() -> bool | None:
            nonlocal last
            last = gateway_get(actx)
            if last.get("marker_matched") is False:
                blind.append(last)
            else:
                blind.clear()
            if len(blind) >= BLIND_ANSWERS:
                raise MarkerUnmatched(f"{BLIND_ANSWERS} answers in a row were served, but the attribution marker "
                                      f"({last.get('marker')}) matched none of them, so which zone serves cannot "
                                      f"be verified; the last answer had headers {last.get('header_names')} and "
                                      f"began {last.get('first_bytes')!r}",
                                      fix="set [attribution] in the profile to a header or body_regex the answer "
                                          "carries (README: Zone attribution)")
            if 200 <= int(last.get("status") or 0) < 300 and last.get("served_zone") == zone:
                streak.append(last)
            else:
                streak.clear()
            return True if len(streak) >= wanted else None

        actx.wait(f"{wanted} requests in a row served by zone {zone}", served, timeout=plan.data["timeout_s"],
                  interval=0.2)
        recovery = round(time.time() - decided, 2)
        actx.run_state.recovery_s = recovery
        return Result(f"zone {zone} ({zone_label(actx, zone)}) serves; recovery {recovery} s from decision",
                      output=ActionOutput(recovery_s=recovery, served_zone=zone, last_reply=last))


class FailbackParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stabilize_s: float = Field(default=120.0, ge=0, le=3600)
    interval_s: float = Field(default=2.0, gt=0, le=60)


@action("traffic.failback", risk=Risk.DESTRUCTIVE,
        title="Fail back: after a stable period, return traffic to the primary zone", params=FailbackParams)
class Failback(Action):
    def plan(self, actx: ActionContext, params: FailbackParams) -> Plan:
        primary = zones.primary(actx.profile).key
        if actx.profile.gateway.mode == "active-active":
            plan = self._spread_plan(actx)
        else:
            plan = pin_plan(self, actx, primary)
        plan.summary = f"after zone {primary} stays healthy for {params.stabilize_s:g} s: " + plan.summary
        plan.data.update(primary=primary, stabilize_s=params.stabilize_s, interval_s=params.interval_s)
        return plan

    def _spread_plan(self, actx: ActionContext) -> Plan:
        current, seen = pinned_zone(actx)
        changes, evidence = plan_manifests(actx, "fleet", [dr_ingress(actx, None)])
        return self.new_plan(actx, "spread traffic over both zones (active-active)", changes=changes,
                             already_done=current is None and not changes, evidence={**evidence, "ingress": seen},
                             target="both-zones", traffic=TrafficChange(to_zones=list(zones.KEYS),
                                                                       fallback=list(zones.KEYS)),
                             data={"zone": None})

    def apply(self, actx: ActionContext, plan: Plan) -> Result:
        primary, window = plan.data["primary"], float(plan.data["stabilize_s"])
        started = time.monotonic()
        samples = 0
        while True:
            health = zone_health(actx, primary)
            samples += 1
            if not health.healthy:
                raise ActionFailed(f"zone {primary} is not stable: {health.describe()}",
                                   fix="wait until it stays healthy, then run the failback step again")
            if time.monotonic() - started >= window:
                break
            actx.progress(f"zone {primary} healthy for {time.monotonic() - started:.0f}/{window:g} s")
            time.sleep(float(plan.data["interval_s"]))
        actx.run_state.decision_at = time.time()
        if plan.data.get("zone") is None:
            versions = apply_changes(actx, plan.changes)
            _drop_pin(actx)
            return Result("traffic spread over both zones",
                          output=ActionOutput(applied=versions, stable_samples=samples))
        result = pin_apply(actx, plan)
        result.output.stable_samples = samples
        return result


def _drop_pin(actx: ActionContext) -> None:
    """Remove pin annotations another field manager may still own (merge patch)."""
    patch = {"metadata": {"annotations": {MSE + "service-subset": None, MSE + "subset-labels": None}}}
    actx.kube_request("fleet", "PATCH", ingress_path(actx), patch, None, "application/merge-patch+json")
