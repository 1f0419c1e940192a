"""The AccessKey secret goes to the OS keyring only, and never into a file drconsole writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from drconsole import paths, secrets
from drconsole.errors import SecretError
from drconsole.profile import parse_profile, save_profile

CANARY = "CanarySecret-7f3a9c1e-do-not-leak"


def _drconsole(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "drconsole", *args], input=stdin, text=True,
                          capture_output=True, timeout=60, check=False)


def _files_containing(root: Path, needle: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


def test_secret_round_trips_through_the_keyring() -> None:
    secrets.store_secret("prod-hz", "LTAI5tExampleKeyId00", CANARY)
    assert secrets.load_secret("prod-hz", "LTAI5tExampleKeyId00") == CANARY
    assert secrets.load_secret("other", "LTAI5tExampleKeyId00") is None


def test_set_secret_from_stdin_never_lands_in_our_files(profile_text: str, isolated_home: Path) -> None:
    save_profile(parse_profile(profile_text, source="p.toml"))
    done = _drconsole("--profile", "prod-hz", "profile", "set-secret", "--stdin", stdin=CANARY + "\n")
    assert done.returncode == 0, done.stderr
    assert CANARY not in done.stdout + done.stderr
    assert secrets.load_secret("prod-hz", "LTAI5tExampleKeyId00") == CANARY
    # exercise the other writers too: show, validate, journal
    for args in (["profile", "show"], ["profile", "validate"], ["journal"]):
        shown = _drconsole("--profile", "prod-hz", *args)
        assert shown.returncode == 0, shown.stderr
        assert CANARY not in shown.stdout + shown.stderr
    written = [paths.config_dir(), paths.state_dir()]
    assert any(any(d.rglob("*")) for d in written)
    for folder in written:
        assert _files_containing(folder, CANARY) == []


def test_no_keyring_backend_names_the_fix_and_writes_nothing(monkeypatch: pytest.MonkeyPatch,
                                                             isolated_home: Path) -> None:
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())
    with pytest.raises(SecretError) as caught:
        secrets.store_secret("prod-hz", "LTAI5tExampleKeyId00", CANARY)
    assert "keyrings.alt" in str(caught.value)
    assert "ALIBABA_CLOUD_ACCESS_KEY_SECRET" in str(caught.value)
    assert _files_containing(isolated_home, CANARY) == []


def test_mask_hides_every_occurrence() -> None:
    assert secrets.mask(f"a {CANARY} b {CANARY}", CANARY) == "a ******** b ********"


def test_a_headless_host_takes_the_pair_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                             profile_text: str) -> None:
    import keyring
    from keyring.backends import fail

    from drconsole.cloud import resolve_credentials

    profile = parse_profile(profile_text, source="p.toml")
    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())
    with pytest.raises(SecretError) as caught:  # no keyring and nothing in the environment: the fix says both
        resolve_credentials(profile)
    assert "ALIBABA_CLOUD_ACCESS_KEY_SECRET" in (caught.value.fix or "")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", str(profile.cloud.access_key_id))
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", CANARY)
    found = resolve_credentials(profile)
    assert (found.access_key_secret, found.source) == (CANARY, "environment")


def test_the_lab_key_needs_no_keyring(monkeypatch: pytest.MonkeyPatch, profile_text: str, tmp_path: Path) -> None:
    import keyring
    from keyring.backends import fail

    from drconsole.cloud import resolve_credentials
    from drconsole.lab import key
    from drconsole.profile import LabLink

    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())
    made_up = key.ensure(tmp_path)
    assert key.ensure(tmp_path) == made_up and key.path(tmp_path).stat().st_mode & 0o077 == 0
    real = parse_profile(profile_text, source="p.toml")
    with pytest.raises(SecretError):  # a real profile keeps the keyring rule
        resolve_credentials(real)
    lab = real.model_copy(update={"lab": LabLink(dir=tmp_path, mode="loopback")})
    found = resolve_credentials(lab)
    assert (found.access_key_secret, found.source) == (made_up, "lab")
