"""Profiles: round trip through TOML, defaults per region, and located validation errors."""

from __future__ import annotations

import ipaddress

import pytest

from drconsole.errors import ProfileError
from drconsole.profile import list_profiles, load_profile, parse_profile, profile_path, save_profile


def test_round_trip_keeps_every_value(profile_text: str) -> None:
    original = parse_profile(profile_text, source="prod-hz.toml")
    path = save_profile(original)
    assert path == profile_path("prod-hz")
    reloaded = load_profile("prod-hz")
    assert reloaded == original
    assert list_profiles() == ["prod-hz"]


def test_region_defaults_fill_private_endpoints_and_all_oss_ranges(profile_text: str) -> None:
    profile = parse_profile(profile_text, source="p.toml")
    assert profile.services.acr.endpoint == "registry-vpc.cn-hangzhou.aliyuncs.com"
    assert profile.services.oss.endpoint == "oss-cn-hangzhou-internal.aliyuncs.com"
    assert ipaddress.IPv4Network("100.118.28.0/24") in profile.services.oss.vip_ranges
    assert len(profile.services.oss.vip_ranges) == 4
    assert profile.network.bgp.vbr_asn == 45104
    assert (profile.services.acr.port, profile.services.oss.port) == (443, 443)


def test_each_private_endpoint_has_its_own_port(profile_text: str) -> None:
    text = profile_text + '\n[services.acr]\nport = 8443\n\n[services.oss]\nport = 9443\n'
    profile = parse_profile(text, source="p.toml")
    assert (profile.services.acr.port, profile.services.oss.port) == (8443, 9443)
    with pytest.raises(ProfileError) as caught:
        parse_profile(profile_text + "\n[services]\nport = 8443\n", source="p.toml")
    assert "services.port: unknown key 'port'" in str(caught.value)


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('vpc_id = "vpc-bp1abcdef012345"', 'vpc_id = "vpc_1"', ["p.toml:9", "network.vpc_id", "vpc-bp1"]),
    ('vbr_id = "vbr-bp1abcdef012345"', 'vbr_id = "vrb-1234567"', ["network.vbr_id", "vbr-bp1"]),
    ('id = "c0123456789abcdef0123456789abcdef"', 'id = "cluster-1"', ["clusters.fleet.id", "c0123456789abcdef"]),
    ("idc_asn = 65001", "idc_asn = 65025", ["65025 is reserved"]),
    ("idc_asn = 65001", "idc_asn = 45104", ["different ASNs"]),
    ('zone = "cn-hangzhou-i"', 'zone = "cn-hangzhou-h"', ["different zones"]),
    ('host = "app.example.com"', 'host = "app.example.com"\nhots = 1', ["p.toml:36", "unknown key 'hots'"]),
    ('idc_cidrs = ["10.20.0.0/16"]', 'idc_cidrs = ["10.20.0.0/33"]', ["network.idc_cidrs"]),
    ('[gateway]\nhost = "app.example.com"\n', "", ["gateway", "required but missing"]),
])
def test_invalid_profiles_name_the_key_and_the_expected_shape(profile_text: str, old: str, new: str,
                                                              expected: list[str]) -> None:
    assert old in profile_text
    with pytest.raises(ProfileError) as caught:
        parse_profile(profile_text.replace(old, new), source="p.toml")
    message = str(caught.value)
    for fragment in expected:
        assert fragment in message
    assert "fix:" in message


def test_toml_syntax_error_is_located() -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile("[cloud\nregion = 1", source="broken.toml")
    assert "broken.toml" in str(caught.value)
    assert "line 1" in str(caught.value)


def test_missing_profile_says_how_to_make_one() -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile("nowhere")
    assert "drconsole setup" in str(caught.value)
