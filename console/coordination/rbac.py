"""The Roles drconsole needs on the Fleet, shipped as a manifest next to this module (rbac/drconsole.yaml)."""

from __future__ import annotations

from importlib import resources
from typing import Any

NAMESPACE = "drconsole"
VIEWER_ROLE = "drconsole-viewer"
RESPONDER_ROLE = "drconsole-responder"


def manifest_text() -> str:
    return resources.files("drconsole.coordination").joinpath("rbac/drconsole.yaml").read_text()


def manifests() -> list[dict[str, Any]]:
    from drconsole.kube import manifest_documents

    return manifest_documents(manifest_text())
