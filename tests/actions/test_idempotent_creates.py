"""Creates carry a ClientToken from the journaled action: under `region-lost-response` (every create is
committed and its answer lost) the network actions still finish, and nothing is created twice."""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

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
''')


@pytest.fixture(scope="module")
def own_region(tmp_path_factory: pytest.TempPathFactory, lab_env: LabEnv) -> Iterator[RegionLab]:
    """A fresh region for this module alone: the creates below would spoil the shared fresh one."""
    yield from fresh(tmp_path_factory, lab_env, "ic")


def _profile(region: RegionLab) -> Any:
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
        [network.bgp]
        idc_asn = 65001
        vbr_peer_ip = "10.200.0.1"
        idc_peer_ip = "10.200.0.2"
        [clusters.fleet]
        context = "fleet"
        [clusters.ack]
        context = "ack"
        [clusters.registered]
        context = "idc"
        [gateway]
        host = "app.example.com"
        '''), source="test")


def test_no_create_is_duplicated_when_answers_are_lost(own_region: RegionLab, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from drconsole.actions.confirm import CliConfirmer
    from drconsole.actions.runner import Runner
    from drconsole.context import Context
    from drconsole.journal import Journal
    from drconsole.lab.region import PART
    from drconsole.runbooks.loader import parse_runbook

    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", own_region.facts["access_key_id"])
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", own_region.secret)
    start = len(own_region.requests())
    fault = PART.faults()["region-lost-response"]
    fault.inject(own_region.env)
    journal = Journal(tmp_path / "journal.sqlite")
    try:
        report = Runner(Context(_profile(own_region)), journal, parse_runbook(RUNBOOK, source="test"),
                        CliConfirmer(yes=True, interactive=False), out=print).run()
    finally:
        fault.heal(own_region.env)
        journal.close()
    assert report.exit_code == 0, report.outcomes

    creates = [r for r in own_region.requests()[start:] if r["action"].startswith("Create")]
    made = Counter(r["action"] for r in creates if r["status"] == 0)  # committed, answer lost
    assert made == {"CreateVirtualBorderRouter": 1, "CreateBgpGroup": 1, "CreateBgpPeer": 1, "CreateCen": 1}
    for action in made:  # every retry repeated the first request's token and was answered from it
        tokens = {r["params"].get("ClientToken") for r in creates if r["action"] == action}
        assert len(tokens) == 1 and None not in tokens
        assert [r["status"] for r in creates if r["action"] == action][-1] == 200
