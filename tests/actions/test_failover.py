"""The failover runbook against the built lab with zone A broken; the safety rule and its
override; read-only mode. The session lab is shared: the Ingress is pinned back to zone A after."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.actions.helpers import drconsole, journal_events, kube_writes, region_log, run_id_of, writes_between
from tests.fixtures.net import wait_until

if TYPE_CHECKING:
    from drconsole.lab.env import LabEnv
    from drconsole.profile import Profile

pytestmark = [pytest.mark.lab]
PIN = textwrap.dedent('''
    id: pin-{zone}
    title: pin traffic to zone {zone}
    summary: one step that pins the DR Ingress to zone {zone}
    steps:
      - id: pin
        title: pin
        guide: pins
        actions:
          - use: traffic.pin
            with: {{zone: {zone}}}
''')
INGRESS_RESOURCES = {"ingresses"}


def pin_runbook(tmp_path: Path, zone: str) -> str:
    path = tmp_path / f"pin-{zone}.yaml"
    path.write_text(PIN.format(zone=zone))
    return str(path)


def pinned_cluster(profile: Profile) -> str | None:
    from drconsole.actions.context import ActionContext
    from drconsole.actions.traffic import pinned_zone
    from drconsole.context import Context

    ctx = Context(profile)
    try:
        _zone, seen = pinned_zone(ActionContext(ctx))
        return seen["pinned_cluster"]
    finally:
        ctx.close()


def served_zone(profile: Profile) -> dict[str, Any]:
    from drconsole.actions.context import ActionContext
    from drconsole.actions.probes import gateway_get
    from drconsole.context import Context

    ctx = Context(profile)
    try:
        return gateway_get(ActionContext(ctx))
    finally:
        ctx.close()


def zone_healthy(profile: Profile, zone: str) -> bool:
    from drconsole.actions.context import ActionContext
    from drconsole.actions.probes import zone_health
    from drconsole.context import Context

    ctx = Context(profile)
    try:
        return zone_health(ActionContext(ctx), zone).healthy
    finally:
        ctx.close()


@pytest.fixture
def zone_a_broken(lab_env: LabEnv, lab_profile: Profile, tmp_path: Path) -> Iterator[None]:
    """Zone A's backend down for the test; afterwards healed and traffic pinned back to zone A."""
    from drconsole.lab.lab import Lab

    Lab(lab_env).break_("zone-a")
    try:
        wait_until(lambda: not zone_healthy(lab_profile, "a"), 20, "zone A reported unhealthy after the break")
        yield
    finally:
        Lab(lab_env).heal("zone-a")
        wait_until(lambda: zone_healthy(lab_profile, "a"), 30, "zone A healthy again after the heal")
        restore = drconsole("run", pin_runbook(tmp_path, "a"), "--profile", lab_profile.name, "--yes",
                            "--confirm-target", str(lab_profile.clusters.ack.zone),
                            "--override", "target-zone-healthy=test clean-up: zone A was just healed",
                            "--override", "one-zone-serving=test clean-up")
        assert restore.exit_code == 0
        assert pinned_cluster(lab_profile) == lab_profile.clusters.ack.id


def test_failover_moves_traffic_to_zone_b_and_records_recovery(lab_profile: Profile, zone_a_broken: None,
                                                               tmp_path: Path) -> None:
    zone_b = str(lab_profile.clusters.registered.zone)
    result = drconsole("run", "zone-failover", "--profile", lab_profile.name, "--step", "decide", "--step", "shift",
                       "--step", "verify", "--yes", "--confirm-target", zone_b)
    assert result.exit_code == 0, result.output
    assert "recovery" in result.output
    assert pinned_cluster(lab_profile) == lab_profile.clusters.registered.id
    reply = served_zone(lab_profile)
    assert reply["status"] == 200 and reply["served_zone"] == "b", reply
    events = journal_events(lab_profile.name, run_id_of(result.output))
    verified = [e for e in events if e["action"] == "traffic.verify" and e["kind"] == "succeeded"]
    assert len(verified) == 1 and 0 < verified[0]["data"]["output"]["recovery_s"] < 60
    confirmed = [e for e in events if e["action"] == "traffic.pin" and e["kind"] == "confirmed"]
    assert confirmed and confirmed[0]["data"]["typed"] == zone_b and confirmed[0]["data"]["who"]
    assert confirmed[0]["identity"] and "LTAI" in confirmed[0]["identity"]
    assessed = [e for e in events if e["action"] == "traffic.assess" and e["kind"] == "succeeded"]
    assert assessed[0]["data"]["output"]["healthy_zones"] == ["b"]

    # Back to the broken zone: the safety rule blocks it and nothing is sent ...
    book = pin_runbook(tmp_path, "a")
    zone_a = str(lab_profile.clusters.ack.zone)
    blocked = drconsole("run", book, "--profile", lab_profile.name, "--yes", "--confirm-target", zone_a)
    assert blocked.exit_code == 4, blocked.output
    assert "target-zone-healthy" in blocked.output
    refused = [e for e in journal_events(lab_profile.name, run_id_of(blocked.output)) if e["kind"] == "refused"]
    assert refused and refused[0]["data"]["rule"] == "target-zone-healthy"
    assert pinned_cluster(lab_profile) == lab_profile.clusters.registered.id

    # ... and a break-glass override with a reason goes through and is recorded.
    reason = "game day: prove the override path"
    forced = drconsole("run", book, "--profile", lab_profile.name, "--yes", "--confirm-target", zone_a,
                       "--override", f"target-zone-healthy={reason}")
    assert forced.exit_code == 0, forced.output
    assert "OVERRIDE of rule target-zone-healthy" in forced.output
    overrides = [e for e in journal_events(lab_profile.name, run_id_of(forced.output)) if e["kind"] == "override"]
    assert len(overrides) == 1
    assert overrides[0]["data"]["rule"] == "target-zone-healthy" and overrides[0]["data"]["reason"] == reason
    assert pinned_cluster(lab_profile) == lab_profile.clusters.ack.id


def test_destructive_action_needs_the_target_typed_back(lab_profile: Profile, tmp_path: Path) -> None:
    result = drconsole("run", pin_runbook(tmp_path, "b"), "--profile", lab_profile.name, "--yes",
                       "--confirm-target", "cn-hangzhou-x")
    assert result.exit_code == 4, result.output
    declined = [e for e in journal_events(lab_profile.name, run_id_of(result.output)) if e["kind"] == "declined"]
    assert declined and declined[0]["data"]["typed"] == "cn-hangzhou-x"
    assert pinned_cluster(lab_profile) == lab_profile.clusters.ack.id


def test_read_only_sends_no_mutating_request(lab: dict[str, Any], lab_env: LabEnv, lab_profile: Profile,
                                             tmp_path: Path) -> None:
    kube = lab_env.facts()["kube"]
    before_log = len(region_log(lab_env.facts()))
    before = kube_writes(kube["kubeconfig"], kube["contexts"]["fleet"], INGRESS_RESOURCES)
    result = drconsole("run", pin_runbook(tmp_path, "b"), "--profile", lab_profile.name, "--read-only", "--yes",
                       "--confirm-target", str(lab_profile.clusters.registered.zone))
    assert result.exit_code == 4, result.output
    assert "read-only" in result.output
    after = kube_writes(kube["kubeconfig"], kube["contexts"]["fleet"], INGRESS_RESOURCES)
    assert writes_between(before, after) == {}
    assert pinned_cluster(lab_profile) == lab_profile.clusters.ack.id
    assert [r for r in region_log(lab_env.facts())[before_log:] if r.get("mutating")] == []

    # The same change without --read-only does write (so the counters above can see writes).
    book = pin_runbook(tmp_path, "a")  # already pinned to A: planned as already done, no write
    unchanged = drconsole("run", book, "--profile", lab_profile.name, "--yes", "--confirm-target",
                          str(lab_profile.clusters.ack.zone))
    assert unchanged.exit_code == 0 and "already-done" in unchanged.output
    assert writes_between(after, kube_writes(kube["kubeconfig"], kube["contexts"]["fleet"], INGRESS_RESOURCES)) == {}
