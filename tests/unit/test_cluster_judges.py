"""Fleet, association, registered-cluster and MseIngressConfig judges without a lab: every state the facts
list (docs: ackone-facts.md) turns into its code."""

from __future__ import annotations

import pytest

from drconsole.checks.fleet import judge_fleet, judge_member
from drconsole.checks.gateway_k8s import REMOTE_CLUSTERS, MseConfigParams, judge_mse_config
from drconsole.checks.registered import judge_running
from drconsole.results import Evidence, Status

EV = Evidence(source="test")
ACK, REG = "c" + "1" * 32, "c" + "2" * 32


@pytest.mark.parametrize(("state", "code"), [
    ("running", None), ("initial", "FLEET-CREATING"), ("failed", "FLEET-FAILED"), ("delete_failed", "FLEET-FAILED"),
    ("inactive", "FLEET-NOT-RUNNING"), ("deleting", "FLEET-NOT-RUNNING"), ("deleted", "FLEET-NOT-RUNNING"),
])
def test_every_fleet_state(state: str, code: str | None) -> None:
    outcome = judge_fleet({"ClusterInfo": {"State": state, "ErrorMessage": "quota"}}, "c-fleet", EV)
    assert outcome.code == code
    if code:
        assert outcome.fix_step == "fleet.create" and state in (outcome.cause or "")


@pytest.mark.parametrize(("state", "code"), [
    ("Successed", None), ("Installing", "FLEET-MEMBER-INSTALLING"), ("Failed", "FLEET-MEMBER-FAILED"),
    ("Deleting", "FLEET-MEMBER-DETACHING"), ("Deleted", "FLEET-MEMBER-DETACHING"),
    ("Unknown", "FLEET-MEMBER-NOT-ASSOCIATED"),
])
def test_every_association_state(state: str, code: str | None) -> None:
    body = {"Clusters": [{"Cluster": {"ClusterID": ACK, "Name": "ack"}, "Status": {"State": state}}]}
    outcome = judge_member(body, "c-fleet", ACK, EV)
    assert outcome.code == code and outcome.status is (Status.PASS if code is None else Status.FAIL)


def test_a_cluster_the_fleet_does_not_list() -> None:
    body = {"Clusters": [{"Cluster": {"ClusterID": REG}, "Status": {"State": "Successed"}}]}
    outcome = judge_member(body, "c-fleet", ACK, EV)
    assert (outcome.code, outcome.fix_step) == ("FLEET-MEMBER-MISSING", "fleet.attach") and REG in (outcome.cause or "")


CLUSTER_STATES = ["initial", "failed", "running", "updating", "upgrading", "removing", "draining", "scaling",
                  "inactive", "unavailable", "deleting", "deleted", "delete_failed", "waiting", "disconnected"]


@pytest.mark.parametrize("state", CLUSTER_STATES)
def test_every_registered_cluster_state(state: str) -> None:
    outcome = judge_running({"state": state, "name": "idc"}, REG, EV)
    expected = {"running": None, "waiting": "REG-WAITING", "disconnected": "REG-DISCONNECTED"}.get(state,
                                                                                                    "REG-NOT-RUNNING")
    assert outcome.code == expected
    if expected:
        assert outcome.fix_step == "registered.agent-connected"


@pytest.mark.parametrize(("state", "applied", "code", "fix_step"), [
    ("waiting", True, "REG-AGENT-UNREACHABLE", "network.connectivity"),
    ("disconnected", True, "REG-AGENT-UNREACHABLE", "network.connectivity"),
    ("waiting", False, "REG-AGENT-NOT-APPLIED", "registered.agent-apply"),
    ("disconnected", False, "REG-AGENT-NOT-APPLIED", "registered.agent-apply"),
    ("running", False, None, None),
    ("failed", True, "REG-NOT-RUNNING", "registered.agent-connected"),
])
def test_a_silent_agent_is_told_from_a_missing_one(state: str, applied: bool, code: str | None,
                                                    fix_step: str | None) -> None:
    outcome = judge_running({"state": state, "name": "idc"}, REG, EV, EV, agent_applied=applied)
    assert (outcome.code, outcome.fix_step) == (code, fix_step)
    if code:
        assert state in (outcome.cause or "")


def mse_config(phase: str | None, clusters: str = f"{ACK},{REG}", message: str = "") -> dict[str, object]:
    return {"metadata": {"name": "mse-ingress", "annotations": {REMOTE_CLUSTERS: clusters}},
            "status": {"status": phase, "message": message} if phase else {}}


PARAMS = MseConfigParams(name="mse-ingress", cluster_ids=[ACK, REG])


@pytest.mark.parametrize(("phase", "code"), [
    ("Listening", None), ("Pending", "GW-CONFIG-PENDING"), ("Running", "GW-CONFIG-PENDING"),
    ("Failed", "GW-CONFIG-FAILED"), (None, "GW-CONFIG-NO-STATUS"),
])
def test_every_mse_ingress_config_phase(phase: str | None, code: str | None) -> None:
    outcome = judge_mse_config(mse_config(phase, message="cluster not associated"), PARAMS, EV)
    assert outcome.code == code
    if code == "GW-CONFIG-FAILED":
        assert "cluster not associated" in (outcome.cause or "")


def test_an_mse_ingress_config_missing_or_short_of_a_cluster() -> None:
    assert judge_mse_config(None, PARAMS, EV).code == "GW-CONFIG-MISSING"
    short = judge_mse_config(mse_config("Listening", clusters=ACK), PARAMS, EV)
    assert short.code == "GW-CONFIG-CLUSTERS" and REG in (short.cause or "") and REG in (short.remedy or "")
