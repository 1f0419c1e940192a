"""Hypothesis mutates runbooks, profiles and kubeconfigs: every outcome is a value or a located, readable
error that names a fix — never another exception."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drconsole.errors import ProfileError, RunbookError
from drconsole.kube import KubeConfigError, api_client
from drconsole.profile import parse_profile
from drconsole.runbooks.loader import find_runbook, parse_runbook
from tests.core.conftest import VALID_PROFILE

RUNBOOK = find_runbook("zone-dr-hybrid").read_text()
NASTY = st.sampled_from(["", " ", "\t", ":", "- ", "{", "[[", '"', "'", "#", "\x00", "é", "☃", "𝔘", "\u202e",
                         "9" * 400, "-1", "1e999", "null", "true", "${profile.nope}", "&a", "*a", "!!python/object"])

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """A document with a few random line-level edits: delete, duplicate, re-indent, replace or insert."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["delete", "duplicate", "indent", "dedent", "replace", "insert", "truncate"]))
        if edit == "delete":
            del lines[i]
        elif edit == "duplicate":
            lines.insert(i, lines[i])
        elif edit == "indent":
            lines[i] = " " * draw(st.integers(1, 3)) + lines[i]
        elif edit == "dedent":
            lines[i] = lines[i].lstrip()
        elif edit == "replace":
            head = lines[i].split(":", 1)[0] if ":" in lines[i] else lines[i][:4]
            lines[i] = head + ": " + draw(NASTY) + draw(st.text(max_size=12))
        elif edit == "insert":
            lines.insert(i, draw(st.text(max_size=40)))
        else:
            lines = lines[:i]
    return "\n".join(lines)


LOCATED = re.compile(r"\S+:\d+(:\d+)?: ")


@SETTINGS
@given(mutated(RUNBOOK))
def test_mutated_runbooks_fail_located_or_load(text: str) -> None:
    try:
        parse_runbook(text, source="book.yaml", check_names=False)
    except RunbookError as exc:
        message = str(exc)
        assert LOCATED.search(message), message
        assert "fix:" in message


@SETTINGS
@given(mutated(VALID_PROFILE))
def test_mutated_profiles_fail_located_or_load(text: str) -> None:
    try:
        parse_profile(text, source="prod.toml")
    except ProfileError as exc:
        message = str(exc)
        assert "prod.toml" in message
        assert "fix:" in message


KUBECONFIG = yaml.safe_dump({
    "apiVersion": "v1", "kind": "Config", "current-context": "ack",
    "clusters": [{"name": "ack", "cluster": {"server": "https://127.0.0.1:1", "insecure-skip-tls-verify": False}}],
    "users": [{"name": "admin", "user": {"token": "not-a-secret-lab-token"}}],
    "contexts": [{"name": "ack", "context": {"cluster": "ack", "user": "admin"}}],
})


@SETTINGS
@given(mutated(KUBECONFIG))
def test_mutated_kubeconfigs_fail_clearly_or_load(tmp_path_factory: object, text: str) -> None:
    path = Path(str(tmp_path_factory.mktemp("kc"))) / "config"  # type: ignore[attr-defined]
    path.write_text(text)
    try:
        api_client(path, "ack")
    except KubeConfigError as exc:
        assert str(path) in str(exc) and "fix:" in str(exc)
