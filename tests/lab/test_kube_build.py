"""The kube-apiserver build carries the upstream version stamp (pure: no Go run)."""

from __future__ import annotations

from drconsole.lab.kube.build import VERSION_PACKAGES, build_dir, version_ldflags


def test_the_stamp_sets_every_version_variable_in_both_packages() -> None:
    flags = version_ldflags("v1.34.4", "2026-02-10T12:53:36Z").split()
    pairs = {tuple(flag.split("=", 1)) for flag in flags if flag != "-X"}
    expected = {("gitVersion", "v1.34.4"), ("gitMajor", "1"), ("gitMinor", "34"), ("gitTreeState", "clean"),
                ("buildDate", "2026-02-10T12:53:36Z")}
    for package in VERSION_PACKAGES:
        assert {(f"{package}.{key}", value) for key, value in expected} <= pairs
    assert flags.count("-X") == len(expected) * len(VERSION_PACKAGES)


def test_the_cache_key_names_the_stamp_so_unstamped_binaries_are_rebuilt() -> None:
    assert "stamped" in build_dir().name
