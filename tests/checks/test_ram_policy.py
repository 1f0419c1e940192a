"""RAM across the seam: the read-only policy `drconsole profile ram-policy --read-only` prints, attached to the lab
identity (the lab's region then refuses what it does not allow, as RAM does), lets a whole sweep of the setup
runbook pass; taking one action out of it fails the check that needs it, with the RAM action to grant."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from drconsole.lab.env import LabEnv
from tests.actions.helpers import drconsole

pytestmark = [pytest.mark.lab, pytest.mark.kube]
TAKEN_OUT = "cen:ListTransitRouters"


@pytest.fixture
def attach(lab_profile: Any, lab_env: LabEnv) -> Iterator[Any]:
    """Attach a policy to the lab identity; detached again afterwards (the session lab is shared)."""
    from drconsole.lab.region import ram
    from drconsole.lab.region.part import region_dir

    yield lambda policy: ram.attach(region_dir(lab_env), policy)
    ram.attach(region_dir(lab_env), None)


def swept() -> list[dict[str, Any]]:
    report = drconsole("check", "--profile", "lab", "--format", "json")
    return [check for step in json.loads(report.output)["steps"] for check in step["checks"]]


def test_the_printed_read_only_policy_is_enough_for_a_sweep_and_each_of_its_actions_is_needed(attach: Any) -> None:
    printed = drconsole("profile", "ram-policy", "--read-only")
    assert printed.exit_code == 0
    policy = json.loads(printed.output)

    attach(policy)
    checks = swept()
    assert checks and all(c["status"] in ("pass", "skipped") for c in checks), \
        [(c["key"], c["status"], c.get("code")) for c in checks if c["status"] not in ("pass", "skipped")]

    policy["Statement"][0]["Action"].remove(TAKEN_OUT)
    attach(policy)
    refused = [c for c in swept() if c["status"] not in ("pass", "skipped")]
    assert refused, "a sweep without a read it needs still passed"
    assert {c["code"] for c in refused} == {"CLOUD-API-ERROR"}, refused
    assert all(TAKEN_OUT in (c.get("remedy") or "") for c in refused), refused
