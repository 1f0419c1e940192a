"""The DNS judge without a lab: every answer shape a private name can get."""

from __future__ import annotations

import ipaddress

import pytest

from drconsole.checks.dns import Target, problem
from drconsole.probes.dns import Resolution, Silence

ACR = Target("acr", "the ACR VPC endpoint", "registry-vpc.cn-hangzhou.aliyuncs.com",
             [ipaddress.IPv4Network("100.103.0.0/16")], "services.acr.vip_ranges", "network.routes-acr")
NAME = ACR.name or ""


def answered(rcode: str, *addresses: str) -> Resolution:
    return Resolution(NAME, addresses=list(addresses), server="10.200.0.4:53", rcode=rcode)


def silent(*kinds: str) -> Resolution:
    return Resolution(NAME, silent=[Silence(f"10.200.0.{i}:53", kind, f"{kind}")  # type: ignore[arg-type]
                                    for i, kind in enumerate(kinds)])


@pytest.mark.parametrize(("res", "code"), [
    (answered("NOERROR", "100.103.9.188"), None),
    (answered("NXDOMAIN"), "DNS-NXDOMAIN"),
    (answered("SERVFAIL"), "DNS-NO-ADDRESS"),
    (answered("REFUSED"), "DNS-NO-ADDRESS"),
    (answered("NOERROR"), "DNS-NO-ADDRESS"),  # NODATA: the name exists, with no A record
    (answered("NOERROR", "47.96.0.10"), "DNS-PUBLIC-ANSWER"),
    (answered("NOERROR", "100.103.9.188", "47.96.0.10"), "DNS-PUBLIC-ANSWER"),
    (answered("NOERROR", "192.168.7.7"), "DNS-OUTSIDE-RANGES"),
    (silent("timeout", "timeout"), "DNS-TIMEOUT"),
    (silent("timeout", "refused"), "DNS-TIMEOUT"),
    (silent("refused", "refused"), "DNS-RESOLVER-REFUSED"),
    (silent("unreachable"), "DNS-TIMEOUT"),
])
def test_every_answer_shape(res: Resolution, code: str | None) -> None:
    found = problem(res, ACR)
    assert (found[0] if found else None) == code
