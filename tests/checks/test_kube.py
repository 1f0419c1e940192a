"""kube.api-ready against the lab's three real API servers, and against real kubeconfig copies
broken one way each: missing file, bad YAML, unknown context, wrong CA, untrusted client
certificate (401), an unknown token (401: the token is sent, and a bearer token that authenticates no one is
rejected, not taken for anonymous), a closed port and a listener that never answers; and a ServiceAccount's
token that does authenticate, written in the kubeconfig or printed by an exec plugin."""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drconsole.checks.kube import FIX_STEPS
from drconsole.profile import Profile
from drconsole.results import Status
from tests.checks.cloudkube_support import (
    ca_data,
    kubeconfig_variant,
    other_ca,
    rogue_client_cert,
    run,
    with_kubeconfig,
)

pytestmark = [pytest.mark.lab, pytest.mark.kube]
EXEC_API = "client.authentication.k8s.io/v1"


@pytest.mark.parametrize("cluster", ["fleet", "ack", "registered"])
async def test_each_context_answers(lab_profile: Profile, cluster: str) -> None:
    result = await run(lab_profile, "kube.api-ready", cluster=cluster)
    assert result.status is Status.PASS, result
    assert "is ready, Kubernetes v" in result.summary and "we are drconsole-admin" in result.summary
    assert [e.asked for e in result.evidence] == ["GET /readyz", "GET /version",
                                                  "POST /apis/authentication.k8s.io/v1/selfsubjectreviews"]


async def test_fleet_api_reachable(lab_profile: Profile) -> None:
    result = await run(lab_profile, "fleet.api-reachable")
    assert result.status is Status.PASS, result
    assert result.evidence[0].answer == "ok"


async def failing(profile: Profile, cluster: str = "fleet") -> tuple[str, str]:
    result = await run(profile, "kube.api-ready", cluster=cluster)
    assert result.status is Status.FAIL and result.code == "KUBE-API-DOWN", result
    assert result.remedy and result.fix_step == FIX_STEPS[cluster]
    return result.summary, result.remedy


async def test_missing_kubeconfig(lab_profile: Profile, tmp_path: Path) -> None:
    summary, remedy = await failing(with_kubeconfig(lab_profile, tmp_path / "nowhere.kubeconfig"))
    assert "nowhere.kubeconfig does not exist" in summary and "kubeconfig" in remedy


async def test_kubeconfig_not_yaml(lab_profile: Profile, tmp_path: Path) -> None:
    path = tmp_path / "broken.kubeconfig"
    path.write_text("clusters: [unclosed\n  - {")
    summary, _ = await failing(with_kubeconfig(lab_profile, path))
    assert "not valid YAML" in summary


async def test_unknown_context(lab_profile: Profile) -> None:
    profile = lab_profile.model_copy(deep=True)
    profile.clusters.ack.context = "no-such-context"
    summary, remedy = await failing(profile, "ack")
    assert "no context 'no-such-context'" in summary and "fleet" in remedy


async def test_wrong_ca(lab_profile: Profile, tmp_path: Path) -> None:
    _, cert = other_ca(tmp_path)
    path = kubeconfig_variant(lab_profile, tmp_path, "wrong-ca", "fleet",
                              cluster={"certificate-authority-data": ca_data(cert)})
    summary, remedy = await failing(with_kubeconfig(lab_profile, path))
    assert "TLS verification" in summary and "not signed by the CA in the kubeconfig" in summary
    assert "certificate-authority" in remedy


async def test_untrusted_client_certificate_is_401(lab_profile: Profile, tmp_path: Path) -> None:
    cert, key = rogue_client_cert(tmp_path)
    path = kubeconfig_variant(lab_profile, tmp_path, "rogue", "fleet",
                              user={"client-certificate": str(cert), "client-key": str(key)})
    summary, remedy = await failing(with_kubeconfig(lab_profile, path))
    assert "rejected the credentials (401 Unauthorized)" in summary
    assert "expired, revoked" in remedy


async def test_unknown_token_is_rejected(lab_profile: Profile, tmp_path: Path) -> None:
    path = kubeconfig_variant(lab_profile, tmp_path, "token", "ack", user={"token": "not-a-token-of-this-cluster"})
    summary, remedy = await failing(with_kubeconfig(lab_profile, path), "ack")
    assert "(401 Unauthorized)" in summary and "expired, revoked" in remedy


@pytest.mark.parametrize("handed", ["token", "exec plugin", "exec plugin, slow and expired"])
async def test_a_service_account_token_authenticates(lab_profile: Profile, tmp_path: Path, handed: str) -> None:
    """A kubeconfig whose user is only a bearer token (here a ServiceAccount's, from the TokenRequest API), written
    in the kubeconfig or printed by an exec credential plugin (as cloud kubeconfigs often do). A plugin whose
    token has expired is run again before each request; its run is local set-up, so three runs of 2.5 s inside a
    check of 5 s do not time the check out."""
    from kubernetes import client as kube

    from drconsole.kube import api_client

    admin = kube.CoreV1Api(api_client(lab_profile.clusters.kubeconfig, lab_profile.clusters.ack.context))
    name = f"reader-{secrets.token_hex(3)}"
    admin.create_namespaced_service_account("default", kube.V1ServiceAccount(metadata=kube.V1ObjectMeta(name=name)))
    request = kube.AuthenticationV1TokenRequest(spec=kube.V1TokenRequestSpec(audiences=[], expiration_seconds=600))
    issued = admin.create_namespaced_service_account_token(name, "default", request).status
    assert issued is not None
    user: dict[str, Any] = {"token": issued.token}
    if handed.startswith("exec plugin"):
        status: dict[str, Any] = {"token": issued.token}
        slow = ""
        if handed.endswith("expired"):
            status["expirationTimestamp"] = "2000-01-01T00:00:00Z"
            slow = "sleep 2.5\n"
        credential = {"apiVersion": EXEC_API, "kind": "ExecCredential", "status": status}
        plugin = tmp_path / "credential-plugin"
        plugin.write_text(f"#!/bin/sh\n{slow}cat <<'EOF'\n{json.dumps(credential)}\nEOF\n")
        plugin.chmod(0o700)
        user = {"exec": {"apiVersion": EXEC_API, "command": str(plugin), "interactiveMode": "Never"}}
    path = kubeconfig_variant(lab_profile, tmp_path, "sa-token", "ack", user=user)
    result = await run(with_kubeconfig(lab_profile, path), "kube.api-ready", cluster="ack")
    assert result.status is Status.PASS, result
    review = result.evidence[2].answer
    assert review["status"]["userInfo"]["username"] == f"system:serviceaccount:default:{name}"


async def test_kubeconfig_files_listed_in_kubeconfig_are_merged(lab_profile: Profile, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """One file per cluster in $KUBECONFIG (a missing one among them, and a later file repeating a context that an
    earlier one already names), as operators keep them: every context is found, the first file's entry wins."""
    import yaml

    assert lab_profile.clusters.kubeconfig
    whole = yaml.safe_load(lab_profile.clusters.kubeconfig.read_text())
    files = []
    for context in whole["contexts"]:
        entry = context["context"]
        one = {**whole, "current-context": context["name"], "contexts": [context],
               "clusters": [c for c in whole["clusters"] if c["name"] == entry["cluster"]],
               "users": [u for u in whole["users"] if u["name"] == entry["user"]]}
        path = tmp_path / f"{context['name']}.kubeconfig"
        path.write_text(yaml.safe_dump(one))
        files.append(str(path))
    shadowed = kubeconfig_variant(lab_profile, tmp_path, "later", lab_profile.clusters.fleet.context,
                                  cluster={"server": f"https://127.0.0.1:{_closed_port()}"})
    paths = [files[0], str(tmp_path / "absent.kubeconfig"), *files[1:], str(shadowed)]
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join(paths))
    merged = lab_profile.model_copy(deep=True)
    merged.clusters.kubeconfig = None
    for cluster in ("fleet", "ack", "registered"):
        result = await run(merged, "kube.api-ready", cluster=cluster)
        assert result.status is Status.PASS, result


def _closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_closed_port(lab_profile: Profile, tmp_path: Path) -> None:
    path = kubeconfig_variant(lab_profile, tmp_path, "closed", "fleet",
                              cluster={"server": f"https://127.0.0.1:{_closed_port()}"})
    summary, remedy = await failing(with_kubeconfig(lab_profile, path))
    assert "refused the connection" in summary and "down" in remedy


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A port that accepts TCP into its backlog but never speaks TLS."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


async def test_server_that_never_answers(lab_profile: Profile, tmp_path: Path, silent_listener: int) -> None:
    path = kubeconfig_variant(lab_profile, tmp_path, "silent", "fleet",
                              cluster={"server": f"https://127.0.0.1:{silent_listener}"})
    started = time.monotonic()
    summary, _ = await failing(with_kubeconfig(lab_profile, path))
    assert "did not answer in time" in summary
    assert time.monotonic() - started < 5.0


async def test_a_list_read_in_pages_holds_every_item_once(lab_profile: Profile) -> None:
    """The API server's own paging (limit/continue), one item a page: the registered cluster's nodes arrive
    as they do in one read, each once, and the evidence says how many pages it took."""
    from drconsole.checks import _k8s
    from drconsole.context import Context

    ctx = Context(lab_profile)
    try:
        whole, _ = await _k8s.get(ctx, "registered", "/api/v1/nodes")
        paged, evidence = await _k8s.get_list(ctx, "registered", "/api/v1/nodes", chunk=1)
    finally:
        ctx.close()
    names = sorted(node["metadata"]["name"] for node in whole["items"])
    assert len(names) >= 3
    assert sorted(node["metadata"]["name"] for node in paged) == names
    assert evidence.answer == {"items": len(names)}
    assert evidence.asked == f"GET /api/v1/nodes ({len(names)} pages of up to 1)"
