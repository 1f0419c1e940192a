"""Helpers for the core tests: a valid profile as TOML text."""

from __future__ import annotations

import pytest

VALID_PROFILE = """\
name = "prod-hz"
production = true

[cloud]
region = "cn-hangzhou"
access_key_id = "LTAI5tExampleKeyId00"

[network]
vpc_id = "vpc-bp1abcdef012345"
vpc_cidrs = ["192.168.0.0/16"]
idc_cidrs = ["10.20.0.0/16"]
vbr_id = "vbr-bp1abcdef012345"
resolvers = ["10.20.0.53"]

[network.bgp]
idc_asn = 65001
vbr_peer_ip = "10.20.255.1"
idc_peer_ip = "10.20.255.2"

[clusters.fleet]
id = "c0123456789abcdef0123456789abcdef"
context = "fleet"

[clusters.ack]
id = "c1111111111abcdef0123456789abcdef"
context = "ack"
zone = "cn-hangzhou-h"

[clusters.registered]
id = "c2222222222abcdef0123456789abcdef"
context = "idc"
zone = "cn-hangzhou-i"

[gateway]
host = "app.example.com"
"""


@pytest.fixture
def profile_text() -> str:
    return VALID_PROFILE
