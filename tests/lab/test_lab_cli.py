"""A newcomer's first hour with the lab, through the CLI in one home of its own: a built lab; down;
`lab up --state fresh` gives a world where nothing is built, so the setup runbook runs every action and the
sweep after it passes; `lab up --state built` over the running fresh lab converges; after `lab down`, a
break changes nothing and says so."""

from __future__ import annotations

import json
from typing import Any

import pytest

from drconsole.runbooks.loader import load_runbook
from tests.actions.helpers import drconsole, journal_events, run_id_of

pytestmark = [pytest.mark.lab, pytest.mark.kube]


def status() -> dict[str, Any]:
    shown = drconsole("lab", "status", "--json")
    assert shown.exit_code == 0, shown.output
    return dict(json.loads(shown.output))


def running(shown: dict[str, Any]) -> list[str]:
    return [c["name"] for c in shown["components"] if c["pid"]]


# Three full lab starts, a whole setup run and three sweeps: minutes on a loaded two-core machine.
@pytest.mark.timeout(1800)
def test_a_newcomers_lab_from_built_to_fresh_to_built() -> None:
    from tests.fixtures.kube import require_kube_binaries

    require_kube_binaries()
    try:
        assert drconsole("lab", "up").exit_code == 0
        assert (status()["phase"], status()["start_state"]) == ("up", "built")
        assert drconsole("lab", "down").exit_code == 0
        assert status()["phase"] == "down" and running(status()) == []

        assert drconsole("lab", "up", "--state", "fresh").exit_code == 0
        assert (status()["phase"], status()["start_state"]) == ("up", "fresh")
        first = drconsole("run", "zone-dr-hybrid", "--profile", "lab", "--yes")
        assert first.exit_code == 0, first.output
        outcomes = [e for e in journal_events("lab", run_id_of(first.output)) if e["kind"] != "planned"]
        kinds = [e["kind"] for e in outcomes]
        # Only the on-premises cluster's own ECI configuration (not a cloud record) may already span two zones, and
        # the zone beacon has nothing to deploy while the lab profile attributes by the demo application's page.
        found = [e["action"] for e in outcomes if e["kind"] == "already-done"]
        assert set(found) <= {"eci.add-zones", "gitops.beacon"}, f"the fresh lab kept records of the built one: {found}"
        setup_actions = sum(len(step.actions) for step in load_runbook("zone-dr-hybrid").steps)
        assert kinds.count("succeeded") == setup_actions - len(found), kinds
        swept = drconsole("check", "--profile", "lab")
        assert swept.exit_code == 0, swept.output

        converged = drconsole("lab", "up", "--state", "built")
        assert converged.exit_code == 0, converged.output
        assert (status()["phase"], status()["start_state"]) == ("up", "built")
        swept = drconsole("check", "--profile", "lab")
        assert swept.exit_code == 0, swept.output

        # The realistic lab: another timing restarts the world in it, and the built state still checks out.
        real = drconsole("lab", "up", "--timing", "real")
        assert real.exit_code == 0, real.output
        assert (status()["phase"], status()["start_state"], status()["timing"]) == ("up", "built", "real")
        swept = drconsole("check", "--profile", "lab")
        assert swept.exit_code == 0, swept.output
    finally:
        drconsole("lab", "down")
    after = status()
    assert after["phase"] == "down" and running(after) == []
    refused = drconsole("lab", "break", "zone-a")
    assert refused.exit_code != 0
    assert running(status()) == [] and status()["broken"] == []
