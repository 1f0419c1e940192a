"""The network actions against a region of their own, on both kinds of CEN. Creates carry a
ClientToken from the journaled action: under `region-lost-response` (every create is committed and its
answer lost) the actions still finish, and nothing is created twice."""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.actions.helpers import PROFILE_TAIL
from tests.fixtures.region import RegionLab, fresh

if TYPE_CHECKING:
    from collections.abc import Iterator

    from drconsole.lab.env import LabEnv

pytestmark = [pytest.mark.lab]

RUNBOOK = textwrap.dedent('''
    id: idem
    title: the network creates
    summary: VBR, BGP and CEN
    steps:
      - id: vbr
        title: vbr
        guide: creates the VBR
        actions: [{use: network.vbr-create}]
      - id: bgp
        title: bgp
        guide: creates the BGP group and peer
        actions: [{use: network.bgp-create}]
      - id: cen
        title: cen
        guide: creates the CEN and attaches
        actions: [{use: network.cen-attach}]
      - id: svc
        title: svc
        guide: routes the cloud-service ranges
        actions: [{use: network.service-routes}]
''')


@pytest.fixture(scope="module")
def own_region(tmp_path_factory: pytest.TempPathFactory, lab_env: LabEnv) -> Iterator[RegionLab]:
    """A fresh region for this module alone: the creates below would spoil the shared fresh one."""
    yield from fresh(tmp_path_factory, lab_env, "ic")


@pytest.fixture(scope="module")
def legacy_region(tmp_path_factory: pytest.TempPathFactory, lab_env: LabEnv) -> Iterator[RegionLab]:
    """A fresh region whose account already has a CEN from before transit routers."""
    yield from fresh(tmp_path_factory, lab_env, "il", legacy_cen=True)


def _profile(region: RegionLab, cen_id: str | None = None) -> Any:
    from drconsole.profile import parse_profile

    ids, endpoint = region.ids(), region.facts["endpoint"]
    endpoints = "\n".join(f'{p} = "{endpoint}"' for p in ("cs", "adcp", "vpc", "cbn", "mse"))
    return parse_profile(textwrap.dedent(f'''
        name = "idem"
        [cloud]
        region = "{region.facts["region"]}"
        access_key_id = "{region.facts["access_key_id"]}"
        protocol = "http"
        timeout_s = 5.0
        [cloud.endpoints]
        ''') + endpoints + textwrap.dedent(f'''
        [network]
        vpc_id = "{ids["vpc_id"]}"
        vpc_cidrs = ["192.168.0.0/16"]
        idc_cidrs = ["10.0.0.0/16"]
        physical_connection_id = "{ids["physical_connection_id"]}"
        {f'cen_id = "{cen_id}"' if cen_id else ""}
        [network.vswitch_ids]
        cn-hangzhou-h = "{ids["vswitches"]["cn-hangzhou-h"]}"
        cn-hangzhou-i = "{ids["vswitches"]["cn-hangzhou-i"]}"
        ''') + PROFILE_TAIL, source="test")


class Setup:
    """A runner over RUNBOOK with the region's credentials, one journal, and the live profile."""

    def __init__(self, region: RegionLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 cen_id: str | None = None) -> None:
        from drconsole.actions.confirm import CliConfirmer
        from drconsole.actions.runner import Runner
        from drconsole.context import Context
        from drconsole.journal import Journal
        from drconsole.runbooks.loader import parse_runbook

        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", region.facts["access_key_id"])
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", region.secret)
        self.region = region
        self.journal = Journal(tmp_path / "journal.sqlite")
        self.runner = Runner(Context(_profile(region, cen_id)), self.journal, parse_runbook(RUNBOOK, source="test"),
                             CliConfirmer(yes=True, interactive=False), out=print)

    def run(self, *steps: str, lose_answers: bool = False) -> Any:
        from drconsole.lab.region import PART

        fault = PART.faults()["region-lost-response"]
        if lose_answers:
            fault.inject(self.region.env)
        try:
            return self.runner.run(steps)
        finally:
            fault.heal(self.region.env)

    def check(self, name: str) -> Any:
        import asyncio

        from drconsole.context import Context
        from drconsole.registry import load_checks

        spec = load_checks()[name]
        ctx = Context(self.runner.ctx.profile)
        try:
            return asyncio.run(spec.fn(ctx, spec.params()))
        finally:
            ctx.close()


def test_no_create_is_duplicated_when_answers_are_lost(own_region: RegionLab, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    start = len(own_region.requests())
    setup = Setup(own_region, tmp_path, monkeypatch)
    report = setup.run("vbr", "bgp", "cen", lose_answers=True)
    assert report.exit_code == 0, report.outcomes
    cen = next(o for o in report.outcomes if o.action == "network.cen-attach")
    assert cen.output.cen_kind == "transit-router"
    missing = setup.check("routes.service-routes")
    assert (missing.code, missing.fix_step) == ("ROUTE-SERVICE-MISSING", "network.service-routes")
    assert setup.run("svc", lose_answers=True).exit_code == 0
    assert setup.check("routes.service-routes").status.value == "pass"

    creates = [r for r in own_region.requests()[start:] if r["action"].startswith("Create")]
    made = Counter(r["action"] for r in creates if r["status"] == 0)  # committed, answer lost
    ranges = len(missing.evidence[0].answer)
    assert made == {"CreateVirtualBorderRouter": 1, "CreateBgpGroup": 1, "CreateBgpPeer": 1, "CreateCen": 1,
                    "CreateTransitRouter": 1, "CreateTransitRouterVbrAttachment": 1,
                    "CreateTransitRouterVpcAttachment": 1, "CreateTransitRouterRouteEntry": ranges}
    by_token: dict[str, list[int]] = {}
    for record in creates:
        by_token.setdefault(record["params"].get("ClientToken"), []).append(record["status"])
    assert None not in by_token  # every create carried a token
    # each create was committed once, then its retry repeated the token and got the first answer
    assert all(statuses.count(0) == 1 and statuses[-1] == 200 for statuses in by_token.values()), by_token


@pytest.fixture(scope="module")
def slow_region(tmp_path_factory: pytest.TempPathFactory, lab_env: LabEnv) -> Iterator[RegionLab]:
    """A fresh region with a real account's timing: a static route stays Creating for its 100 s."""
    yield from fresh(tmp_path_factory, lab_env, "is", timing="real")


def test_a_route_still_creating_is_seen_and_not_made_again(slow_region: RegionLab, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """ListTransitRouterRouteEntries lists Active routes only unless asked for every status: the check and the
    action ask for all, so a route made a moment ago is reported Creating and the action does not create it again."""
    from alibabacloud_cbn20170912 import models as cbn

    from drconsole.actions.context import ActionContext
    from drconsole.actions.registry import load_all

    ids, region, client = slow_region.ids(), slow_region.facts["region"], slow_region.client("cbn")
    cen_id = client.create_cen(cbn.CreateCenRequest(name="settling")).body.cen_id
    router = client.create_transit_router(cbn.CreateTransitRouterRequest(cen_id=cen_id, region_id=region)).body
    attachment = client.create_transit_router_vpc_attachment(cbn.CreateTransitRouterVpcAttachmentRequest(
        cen_id=cen_id, region_id=region, transit_router_id=router.transit_router_id, vpc_id=ids["vpc_id"],
        zone_mappings=[cbn.CreateTransitRouterVpcAttachmentRequestZoneMappings(v_switch_id=vsw, zone_id=zone)
                       for zone, vsw in ids["vswitches"].items() if zone.startswith(region)]
    )).body.transit_router_attachment_id
    (table,) = client.list_transit_router_route_tables(cbn.ListTransitRouterRouteTablesRequest(
        transit_router_id=router.transit_router_id)).body.transit_router_route_tables
    setup = Setup(slow_region, tmp_path, monkeypatch, cen_id=cen_id)
    profile = setup.runner.ctx.profile
    ranges = [str(r) for r in (*profile.services.oss.vip_ranges, *profile.services.acr.vip_ranges)]
    client.create_transit_router_route_entry(cbn.CreateTransitRouterRouteEntryRequest(
        transit_router_route_table_id=table.transit_router_route_table_id,
        transit_router_route_entry_destination_cidr_block=ranges[0],
        transit_router_route_entry_next_hop_type="Attachment", transit_router_route_entry_next_hop_id=attachment))

    def listed(status: str | None) -> dict[str, str]:
        entries = client.list_transit_router_route_entries(cbn.ListTransitRouterRouteEntriesRequest(
            transit_router_route_table_id=table.transit_router_route_table_id,
            transit_router_route_entry_status=status, max_results=100)).body.transit_router_route_entries
        return {e.transit_router_route_entry_destination_cidr_block: e.transit_router_route_entry_status
                for e in entries}

    assert ranges[0] not in listed(None) and listed("All")[ranges[0]] == "Creating"
    seen = setup.check("routes.service-routes")
    assert seen.code == "ROUTE-SERVICE-MISSING" and seen.evidence[0].answer[ranges[0]] == "Creating"
    spec = load_all()["network.service-routes"]
    plan = spec.plan(ActionContext(setup.runner.ctx), spec.params())
    planned = [call.params["TransitRouterRouteEntryDestinationCidrBlock"] for call in plan.calls]
    assert planned == ranges[1:]


def test_a_legacy_cen_is_attached_through_child_instances(legacy_region: RegionLab, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    start = len(legacy_region.requests())
    setup = Setup(legacy_region, tmp_path, monkeypatch, cen_id=legacy_region.facts["ids"]["cen_id"])
    report = setup.run("vbr", "bgp", "cen")
    assert report.exit_code == 0, report.outcomes
    cen = next(o for o in report.outcomes if o.action == "network.cen-attach")
    assert cen.output.cen_kind == "legacy"
    sent = [r["action"] for r in legacy_region.requests()[start:] if r["mutating"]]
    assert sent.count("AttachCenChildInstance") == 2 and not [a for a in sent if "TransitRouter" in a]
    missing = setup.check("routes.service-routes")
    assert (missing.code, missing.fix_step) == ("ROUTE-SERVICE-MISSING", "network.service-routes")
    assert setup.run("svc").exit_code == 0
    assert setup.check("routes.service-routes").status.value == "pass"
    sent = [r["action"] for r in legacy_region.requests()[start:] if r["mutating"]]
    assert sent.count("ResolveAndRouteServiceInCen") == len(missing.evidence[0].answer)
