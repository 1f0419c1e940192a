"""The attribution marker in the profile: the beacon by default, a header or a body regex with one capture
group, refused with the key named when it is both, neither, a bad regex or a bad header name."""

from __future__ import annotations

import pytest

from drconsole.errors import ProfileError
from drconsole.probes.attribution import marker_of, served_by
from drconsole.profile import BEACON_PATH, parse_profile
from drconsole.zones import zones


def test_the_default_marker_is_the_beacon(profile_text: str) -> None:
    profile = parse_profile(profile_text, source="p.toml")
    marker = marker_of(profile)
    assert marker.path == BEACON_PATH and marker.header is None
    ack_id = profile.clusters.ack.id
    assert served_by({}, f"drconsole-beacon cluster={ack_id}\n".encode(), zones(profile), marker).zone == \
        zones(profile)[0]


@pytest.mark.parametrize(("section", "path", "header", "regex"), [
    ('path = "/"\nbody_regex = \'\\b(c[0-9a-f]{32})\\b\'', "/", None, r"\b(c[0-9a-f]{32})\b"),
    ('path = "/"\nheader = "X-Site-Cluster"', "/", "x-site-cluster", None),
])
def test_a_header_or_a_body_regex(profile_text: str, section: str, path: str, header: str | None,
                                  regex: str | None) -> None:
    marker = marker_of(parse_profile(profile_text + f"\n[attribution]\n{section}\n", source="p.toml"))
    assert (marker.path, marker.header, marker.body_regex) == (path, header, regex)


@pytest.mark.parametrize(("section", "expected"), [
    ('path = "/"\nheader = "x-a"\nbody_regex = "(x)"', ["attribution", "not both"]),
    ('path = "/"', ["attribution", "neither"]),
    ('path = "/"\nbody_regex = "(unclosed"', ["attribution", "not a valid regex"]),
    ('path = "/"\nbody_regex = "no-group"', ["attribution", "0 capture groups"]),
    ('path = "/"\nbody_regex = "(a)(b)"', ["attribution", "2 capture groups"]),
    ('path = "/"\nheader = "x zone"', ["attribution", "not a header name"]),
    ('path = "drconsole-beacon"', ["attribution", "must start with '/'"]),
])
def test_a_bad_marker_is_refused_with_the_key_named(profile_text: str, section: str, expected: list[str]) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile(profile_text + f"\n[attribution]\n{section}\n", source="p.toml")
    message = str(caught.value)
    assert all(fragment in message for fragment in expected), message
    assert "fix:" in message


def test_the_readmes_attribution_examples_load_and_attribute(profile_text: str) -> None:
    """Each `[attribution]` TOML block of README.md is a valid profile section, and its marker attributes the
    answer it is documented for (the beacon's page; a demo page naming the cluster ID)."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    blocks = [b for b in re.findall(r"```toml\n(.*?)```", readme, re.S) if "[attribution]" in b]
    assert len(blocks) == 2
    for block in blocks:
        profile = parse_profile(profile_text + "\n" + block, source="README.md")
        marker, ack = marker_of(profile), zones(profile)[0]
        page = f"drconsole-beacon cluster={ack.cluster_id}\n" if profile.attribution.uses_beacon \
            else f"<html><body>{ack.cluster_id}</body></html>\n"
        assert served_by({}, page.encode(), zones(profile), marker).zone == ack


@pytest.mark.parametrize(("section", "paths"), [("", ["/", "/drconsole-beacon"]),
                                                ('[attribution]\npath = "/"\nheader = "x-cluster"', ["/"])])
def test_the_dr_ingress_writes_the_pin_as_documented_and_routes_the_beacon(profile_text: str, section: str,
                                                                          paths: list[str]) -> None:
    """`subset-labels` is exactly `key value` (no newline from YAML folding); the beacon's path rides the same
    Ingress, and so the same pin, only when the attribution asks the beacon."""
    from types import SimpleNamespace

    from drconsole.actions.kube_setup import dr_ingress
    from drconsole.lab.controllers.ingress import parse_subset_labels

    profile = parse_profile(profile_text + "\n" + section, source="p.toml")
    ingress = dr_ingress(SimpleNamespace(profile=profile), "c" + "1" * 32)  # type: ignore[arg-type]
    labels = ingress["metadata"]["annotations"]["mse.ingress.kubernetes.io/subset-labels"]
    assert labels == "topology.istio.io/cluster c" + "1" * 32
    assert parse_subset_labels(labels) == {"topology.istio.io/cluster": "c" + "1" * 32}
    assert [p["path"] for p in ingress["spec"]["rules"][0]["http"]["paths"]] == paths
