"""Shared by the cloud- and kube-side check tests: run one registered check on a profile, and make
kubeconfig copies that are broken in one real way each."""

from __future__ import annotations

import base64
import copy
import subprocess
from pathlib import Path
from typing import Any

import yaml

from drconsole.context import Context
from drconsole.engine import Invocation, run_check
from drconsole.profile import Profile
from drconsole.registry import load_checks
from drconsole.results import CheckResult


async def run(profile: Profile, name: str, /, **params: Any) -> CheckResult:
    """Run the registered check `name` with `params` (templated like a runbook's `with:`)."""
    ctx = Context(profile)
    try:
        return await run_check(ctx, Invocation(key=f"test/{name}", spec=load_checks()[name], raw_params=params))
    finally:
        ctx.close()


def ids(profile: Profile) -> dict[str, str]:
    clusters = profile.clusters
    assert clusters.fleet.id and clusters.ack.id and clusters.registered.id
    return {"fleet_id": clusters.fleet.id, "ack_cluster_id": clusters.ack.id,
            "registered_cluster_id": clusters.registered.id, "vpc_id": profile.network.vpc_id}


def with_kubeconfig(profile: Profile, path: Path) -> Profile:
    changed = profile.model_copy(deep=True)
    changed.clusters.kubeconfig = path
    return changed


def kubeconfig_variant(profile: Profile, tmp: Path, name: str, context: str, **changes: Any) -> Path:
    """A copy of the profile's kubeconfig where `context`'s cluster or user entries are replaced."""
    assert profile.clusters.kubeconfig
    document = yaml.safe_load(profile.clusters.kubeconfig.read_text())
    document = copy.deepcopy(document)
    entry = next(c["context"] for c in document["contexts"] if c["name"] == context)
    cluster = next(c["cluster"] for c in document["clusters"] if c["name"] == entry["cluster"])
    if "user" in changes:
        user = next(u for u in document["users"] if u["name"] == entry["user"])
        user["user"] = changes["user"]
    cluster.update(changes.get("cluster", {}))
    path = tmp / f"{name}.kubeconfig"
    path.write_text(yaml.safe_dump(document))
    return path


def other_ca(tmp: Path) -> tuple[Path, Path]:
    """A self-signed CA that signed nothing of the lab's (openssl, real files)."""
    key, cert = tmp / "other-ca.key", tmp / "other-ca.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=not-the-lab-ca"], check=True, capture_output=True,
                   timeout=30)
    return key, cert


def rogue_client_cert(tmp: Path) -> tuple[Path, Path]:
    """A client certificate for the lab's admin name, signed by a CA the API servers do not trust."""
    ca_key, ca_cert = other_ca(tmp)
    key, csr, cert = tmp / "rogue.key", tmp / "rogue.csr", tmp / "rogue.crt"
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
                    "-subj", "/CN=drconsole-admin/O=system:masters"], check=True, capture_output=True, timeout=30)
    subprocess.run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key),
                    "-CAcreateserial", "-out", str(cert), "-days", "1"], check=True, capture_output=True, timeout=30)
    return cert, key


def ca_data(cert: Path) -> str:
    return base64.b64encode(cert.read_bytes()).decode()
