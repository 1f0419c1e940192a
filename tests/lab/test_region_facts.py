"""The IDs the lab hands the profile come from the region's store file: they must name what the lab built,
whatever else was created on the same account since (the contract tests create CENs in the session's region)."""

from __future__ import annotations

import json
from pathlib import Path

from drconsole.lab.region.config import REGION
from drconsole.lab.region.ops.cbn import new_cen
from drconsole.lab.region.seed import facts_ids
from drconsole.lab.region.store import Store


def test_a_later_cen_whose_id_sorts_first_does_not_replace_the_labs_own(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    store = Store(path)
    with store.write() as state:
        state.update({"vpc": {"vpc_id": "vpc-lab", "route_table_id": "vtb-lab"}, "vswitches": {},
                      "ack_cluster_id": "c-ack", "physical_connection": {"pc_id": "pc-lab"}, "gateway_id": "gw-lab"})
        own = new_cen(state, name="lab", protection="REDUCED", created=1000.0, region_id=REGION)["cen_id"]
    later = own
    for created in range(1001, 5001):  # random IDs: one sorts before the lab's own within a few tries
        with store.write() as state:
            later = new_cen(state, name="other", protection="REDUCED", created=float(created), region_id=REGION)[
                "cen_id"]
        if later < own:
            break
    assert later < own

    stored = json.loads(path.read_text())  # as the lab's facts read it back
    assert next(iter(stored["cens"])) != own  # the store's order is not the order things were made
    assert facts_ids(stored)["cen_id"] == own
