"""The running lab network, seen the way drconsole sees it: from the data center's side."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import pytest

from tests.fixtures.net import ZONE_PAGE, gateway_get, https, kernel_routes, resolve, route_get, wait_until, zone_of

pytestmark = [pytest.mark.lab]


def test_facts_describe_the_network(net_lab: dict[str, Any]) -> None:
    assert net_lab["region"] == "cn-hangzhou"
    assert net_lab["bgp"]["vbr_asn"] == 45104 and net_lab["bgp"]["idc_asn"] == 65001
    assert net_lab["cidrs"]["oss_vip"] == ["100.118.28.0/24", "100.114.102.0/24", "100.98.170.0/24",
                                           "100.118.31.0/24"]
    assert net_lab["cidrs"]["acr_vip"] == ["100.103.9.188/32", "100.103.7.181/32"]
    assert net_lab["zones"]["a"]["zone_id"] == "cn-hangzhou-h"
    assert net_lab["zones"]["b"]["zone_id"] == "cn-hangzhou-i"
    with open(net_lab["ca_file"]) as handle:
        assert "BEGIN CERTIFICATE" in handle.read()


def test_bgp_established_in_birds_own_status(lab_env, net_lab: dict[str, Any]) -> None:
    from drconsole.lab.net.bgp import bgp_session, birdc

    session = bgp_session(lab_env)
    assert session["state"] == "Established", session
    assert session["advertised"] == 7  # VPC CIDR + 4 OSS ranges + 2 ACR addresses
    idc_view = birdc(lab_env, "idc", "show", "protocols", net_lab["bgp"]["idc_protocol"])
    assert "Established" in idc_view


def test_vbr_learns_the_data_centers_prefixes(lab_env, net_lab: dict[str, Any]) -> None:
    from drconsole.lab.net.bgp import ROUTE_LIMIT, bgp_session, birdc, vbr_routes

    learnt = vbr_routes(lab_env)
    assert learnt == net_lab["cidrs"]["idc"] == ["10.200.0.0/16"]
    assert bgp_session(lab_env)["received"] == len(learnt)
    detail = birdc(lab_env, "vbr", "show", "route", "all", "protocol", net_lab["bgp"]["vbr_protocol"])
    assert f"BGP.as_path: {net_lab['bgp']['idc_asn']}" in detail
    assert f"BGP.next_hop: {net_lab['bgp']['idc_ip']}" in detail
    limits = birdc(lab_env, "vbr", "show", "protocols", "all", net_lab["bgp"]["vbr_protocol"])
    assert f"Import limit:   {ROUTE_LIMIT}" in limits


def test_announced_aggregate_leaves_the_peering_link_alone(net_lab: dict[str, Any]) -> None:
    if not net_lab["routes"]["kernel_table"]:
        pytest.skip("loopback mode has no kernel routes")
    routes = kernel_routes(net_lab)
    assert "10.200.0.0/16" not in routes  # originated in BIRD only, never in the data center's kernel
    to_vbr = route_get(net_lab, net_lab["bgp"]["vbr_ip"])
    assert to_vbr.get("gateway") is None and to_vbr["dev"] == "veth-idc"  # still the connected /29


def test_vpc_oss_and_acr_routes_in_the_idc_kernel_table(net_lab: dict[str, Any]) -> None:
    if not net_lab["routes"]["kernel_table"]:
        pytest.skip("loopback mode has no kernel routes")
    routes = kernel_routes(net_lab)
    wanted = ["192.168.0.0/16", *net_lab["cidrs"]["oss_vip"], "100.103.9.188", "100.103.7.181"]
    for prefix in wanted:
        assert routes.get(prefix) == net_lab["bgp"]["vbr_ip"], (prefix, routes)
    assert route_get(net_lab, "100.118.28.1")["gateway"] == net_lab["bgp"]["vbr_ip"]


def test_every_private_name_resolves_to_its_endpoint(net_lab: dict[str, Any]) -> None:
    names, endpoints = net_lab["names"], net_lab["endpoints"]
    assert resolve(net_lab, names["acr"]) == [endpoints["acr"]["address"]]
    assert resolve(net_lab, names["acr_ee"]) == [endpoints["acr_ee"]["address"]]
    assert resolve(net_lab, names["oss"]) == [endpoints["oss"]["address"]]
    assert resolve(net_lab, names["gateway"]) == [net_lab["gateway"]["address"]]
    if net_lab["mode"] == "netns":
        for service in ("acr", "acr_ee", "oss"):
            address = ipaddress.ip_address(endpoints[service]["address"])
            cidrs = net_lab["cidrs"]["acr_vip" if service.startswith("acr") else "oss_vip"]
            assert any(address in ipaddress.ip_network(c) for c in cidrs)


@pytest.mark.parametrize("name", ["nope.cn-hangzhou.aliyuncs.com", "other.drlab.example.com",
                                  "www.example.org"])
def test_unknown_names_are_not_answered(net_lab: dict[str, Any], name: str) -> None:
    import dns.resolver

    with pytest.raises((dns.resolver.NXDOMAIN, dns.resolver.NoNameservers)) as caught:
        resolve(net_lab, name)
    if name.endswith((".aliyuncs.com", ".drlab.example.com")):
        assert caught.type is dns.resolver.NXDOMAIN  # answered locally, not forwarded


@pytest.mark.parametrize("service", ["acr", "acr_ee"])
def test_registry_answers_401_over_verified_tls(net_lab: dict[str, Any], service: str) -> None:
    reply = https(net_lab, service, "/v2/")
    assert reply.status == 401
    assert reply.headers["www-authenticate"].startswith('Bearer realm="https://dockerauth.cn-hangzhou.aliyuncs.com')
    assert reply.headers["docker-distribution-api-version"] == "registry/2.0"
    assert json.loads(reply.body)["errors"][0]["code"] == "UNAUTHORIZED"


def test_tls_is_really_verified(net_lab: dict[str, Any]) -> None:
    import ssl

    from drconsole.lab.net.probe import http_request, tls_context

    endpoint = net_lab["endpoints"]["acr"]
    with pytest.raises(ssl.SSLCertVerificationError):  # a name the certificate does not carry
        http_request(net_lab["vantage_netns"], endpoint["address"], endpoint["port"], "/v2/",
                     host="registry.cn-hangzhou.aliyuncs.com", tls=tls_context(net_lab["ca_file"]), timeout=3)
    with pytest.raises(ssl.SSLCertVerificationError):  # trusting the system CAs only
        http_request(net_lab["vantage_netns"], endpoint["address"], endpoint["port"], "/v2/",
                     host=net_lab["names"]["acr"], tls=ssl.create_default_context(), timeout=3)


def test_oss_answers_403_access_denied(net_lab: dict[str, Any]) -> None:
    reply = https(net_lab, "oss", "/some-bucket/object")
    assert reply.status == 403
    assert b"<Code>AccessDenied</Code>" in reply.body
    assert b"<HostId>oss-cn-hangzhou-internal.aliyuncs.com</HostId>" in reply.body
    assert len(reply.headers["x-oss-request-id"]) >= 24
    from drconsole.lab.net.probe import http_request

    oss = net_lab["endpoints"]["oss"]
    plain = http_request(net_lab["vantage_netns"], oss["address"], oss["http_port"], "/",
                         host=net_lab["names"]["oss"], timeout=3)
    assert plain.status == 403 and b"AccessDenied" in plain.body


@pytest.mark.usefixtures("gateway_routing", "zone_pages")
def test_gateway_answers_from_both_zones(lab_env, net_lab: dict[str, Any]) -> None:
    from drconsole.lab.net.gateway import Routing, apply_routing

    apply_routing(lab_env, Routing(weights={"a": 1, "b": 1}, fallback=[]))
    seen = set()
    for use_tls in (False, True) * 4:
        reply = gateway_get(net_lab, tls=use_tls, path=ZONE_PAGE)
        assert reply.status == 200
        seen.add(zone_of(reply))
    assert seen == {"cn-hangzhou-h", "cn-hangzhou-i"}


def test_status_shows_every_component_up(lab_env, net_lab: dict[str, Any]) -> None:
    from drconsole.lab.net import PART

    components = wait_until(lambda: [c for c in PART.status(lab_env)], 1, "status")
    by_name = {c.name: c for c in components}
    assert set(by_name) >= {"bird-vbr", "bird-idc", "dnsmasq", "nginx-acr", "nginx-oss", "nginx-gateway",
                            "nginx-zone-a", "nginx-zone-b", "bgp-session"}
    assert all(c.state == "up" for c in components), [c for c in components if c.state != "up"]
    assert all(c.pid for c in components if c.name != "bgp-session")
    assert by_name["dnsmasq"].address.endswith(f":{net_lab['dns']['port']}")


def test_up_again_is_a_no_op(lab_env, net_lab: dict[str, Any]) -> None:
    from drconsole.lab.net import PART

    pids = {name: lab_env.supervisor.pid(name) for name in lab_env.supervisor.names()}
    assert PART.up(lab_env) == net_lab
    assert {name: lab_env.supervisor.pid(name) for name in lab_env.supervisor.names()} == pids
