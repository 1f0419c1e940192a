"""The Roles drconsole needs on the Fleet, shipped as a manifest next to this module (rbac/drconsole.yaml)."""

from __future__ import annotations

from importlib import resources
from typing import Any

NAMESPACE = "drconsole"
VIEWER_ROLE = "drconsole-viewer"
RESPONDER_ROLE = "drconsole-responder"
TRAFFIC_ROLE = "drconsole-traffic"  # in the gateway's namespace


def manifest_text() -> str:
    return resources.files("drconsole.coordination").joinpath("rbac/drconsole.yaml").read_text()


def manifests(gateway_namespace: str = "demo") -> list[dict[str, Any]]:
    """The namespace and Roles, the traffic Role placed in `gateway_namespace`."""
    from drconsole.kube import manifest_documents

    docs = manifest_documents(manifest_text())
    for doc in docs:
        if doc["metadata"]["name"] == TRAFFIC_ROLE:
            doc["metadata"]["namespace"] = gateway_namespace
    return docs
