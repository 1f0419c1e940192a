"""Which MSE gateway is the MseIngressConfig's, and its addresses, without a lab: same-named gateways
told apart by their tags (never by list order), the status-reported ID, and private/public entries."""

from __future__ import annotations

from typing import Any

import pytest

from drconsole.checks.gateway_mse import (
    CLUSTER_TAG,
    CONFIG_TAG,
    addresses,
    identify,
    judge_gateway,
    reported_gateway_id,
    tags_by_gateway,
)
from drconsole.results import Evidence, Status

FLEET = "c" + "f" * 32
ACK = "c" + "a" * 32
CONFIG = "ackone-gateway"
EV = Evidence(source="test")


def gateway(gid: str, *, slb: list[tuple[str, str]] = (), entries: list[tuple[str, str]] = ()) -> dict[str, Any]:
    return {"GatewayUniqueId": gid, "Name": "mse-ingress", "Status": 2,
            "Slb": [{"Type": kind, "SlbIp": ip} for kind, ip in slb],
            "GatewayEntry": [{"NetType": kind, "IpList": [ip]} for kind, ip in entries]}


def tags(**by_id: tuple[str | None, str | None]) -> dict[str, dict[str, str]]:
    rows = [{"ResourceId": gid, "TagKey": key, "TagValue": value}
            for gid, (config, cluster) in by_id.items()
            for key, value in ((CONFIG_TAG, config), (CLUSTER_TAG, cluster)) if value is not None]
    return tags_by_gateway(rows)


FOREIGN, OURS = gateway("gw-foreign"), gateway("gw-ours")


@pytest.mark.parametrize("order", [[FOREIGN, OURS], [OURS, FOREIGN]])
@pytest.mark.parametrize("foreign_tags", [("mse-ingress", ACK), (CONFIG, ACK), ("other-config", FLEET)])
def test_the_tags_pick_ours_whatever_the_list_order(order: list[dict[str, Any]],
                                                    foreign_tags: tuple[str, str]) -> None:
    found = identify(order, tags(**{"gw-foreign": foreign_tags, "gw-ours": (CONFIG, FLEET)}), CONFIG, FLEET)
    assert found.gateway is OURS and not found.ambiguous
    assert CONFIG_TAG in found.how and len(found.others) == 1 and "gw-foreign" in found.others[0]


def test_a_gateway_tagged_for_someone_else_is_never_ours_even_alone() -> None:
    found = identify([FOREIGN], tags(**{"gw-foreign": ("mse-ingress", ACK)}), CONFIG, FLEET)
    assert found.gateway is None and not found.ambiguous and found.others


def test_a_lone_untagged_gateway_is_taken_by_name_and_says_so() -> None:
    found = identify([OURS], {}, CONFIG, FLEET)
    assert found.gateway is OURS and found.how.startswith("name only")


def test_two_untagged_gateways_are_ambiguous() -> None:
    found = identify([FOREIGN, OURS], {}, CONFIG, FLEET)
    assert found.gateway is None and found.ambiguous == ["gw-foreign", "gw-ours"]


def test_two_gateways_tagged_as_ours_are_ambiguous() -> None:
    both = tags(**{"gw-foreign": (CONFIG, FLEET), "gw-ours": (CONFIG, FLEET)})
    assert identify([FOREIGN, OURS], both, CONFIG, FLEET).ambiguous == ["gw-foreign", "gw-ours"]


@pytest.mark.parametrize(("status", "expected"), [
    ({"status": "Listening", "gatewayId": "gw-0a1b2c"}, ("status.gatewayId", "gw-0a1b2c")),
    ({"status": "Listening", "instanceId": "gw-77"}, ("status.instanceId", "gw-77")),
    ({"status": "Listening", "message": "the gateway is running"}, None),
    ({}, None),
])
def test_a_gateway_id_in_the_status_is_used_whatever_its_field(status: dict[str, Any],
                                                                expected: tuple[str, str] | None) -> None:
    assert reported_gateway_id({"status": status}) == expected


def test_addresses_come_from_the_slbs_and_the_entries() -> None:
    both = addresses(gateway("gw-1", slb=[("PUB_NET", "198.51.100.10"), ("PRIVATE_NET", "192.168.10.20")]))
    assert (both.private, both.public) == (["192.168.10.20"], ["198.51.100.10"])
    assert both.seen == ["Slb[].Type=PRIVATE_NET", "Slb[].Type=PUB_NET"]
    entries = addresses(gateway("gw-1", entries=[("Intranet", "192.168.10.20")]))
    assert (entries.private, entries.seen) == (["192.168.10.20"], ["GatewayEntry[].NetType=Intranet"])
    unknown = addresses(gateway("gw-1", entries=[("Something", "10.0.0.1")]))
    assert (unknown.private, unknown.public) == ([], [])


@pytest.mark.parametrize(("found", "expected", "status", "code"), [
    (gateway("gw-1", slb=[("PUB_NET", "198.51.100.10")], entries=[("Internet", "198.51.100.10")]), None,
     Status.FAIL, "GW-MSE-PUBLIC-ONLY"),
    (gateway("gw-1"), None, Status.FAIL, "GW-MSE-NO-ADDRESS"),
    (gateway("gw-1", slb=[("PRIVATE_NET", "192.168.10.20")]), "192.168.10.99", Status.WARN,
     "GW-MSE-ADDRESS-DIFFERS"),
    (gateway("gw-1", slb=[("PUB_NET", "198.51.100.10"), ("PRIVATE_NET", "192.168.10.20")]), "192.168.10.20",
     Status.PASS, None),
])
def test_the_gateway_needs_an_intranet_address(found: dict[str, Any], expected: str | None, status: Status,
                                               code: str | None) -> None:
    outcome = judge_gateway(found, 2, "tags", expected, EV)
    assert (outcome.status, outcome.code) == (status, code)


def test_public_only_names_the_private_slb_setting() -> None:
    outcome = judge_gateway(gateway("gw-1", slb=[("PUB_NET", "198.51.100.10")]), 2, "tags", None, EV)
    assert outcome.fix_step == "gateway.mse-ingress-config" and "privateSLBSpec" in (outcome.remedy or "")


def test_a_gateway_not_running_fails_before_its_address_is_read() -> None:
    outcome = judge_gateway(gateway("gw-1", slb=[("PRIVATE_NET", "192.168.10.20")]), 0, "tags", None, EV)
    assert (outcome.status, outcome.code) == (Status.FAIL, "GW-MSE-NOT-RUNNING")
