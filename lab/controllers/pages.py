"""What the workloads of a member cluster serve, as static pages for the zone's backend
(drconsole.lab.net.zonepages): the lab runs no containers, so it stands in for the two images the
procedure deploys, each only while its Deployment has a ready pod.

* ACK One's demo image `acs/web-demo` (gitops-demo manifests/helm/web-demo): a page naming its
  `ENV_NAME` (the chart's `envCluster`). What else the real page holds is UNCONFIRMED (docs/cloud-facts.md).
* A stock nginx image serving ConfigMap files mounted under its document root `/usr/share/nginx/html`
  (the drconsole zone beacon): each file at its path under the root.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drconsole.lab.controllers.kubeapi import Kube, Obj, api_path

DEMO_IMAGE = "/acs/web-demo:"
NGINX_ROOT = "/usr/share/nginx/html"


def served_pages(kube: Kube) -> dict[str, str]:
    """URL path -> content, for every ready Deployment of the cluster that serves pages."""
    pages: dict[str, str] = {}
    for deploy in kube.list("/apis/apps/v1/deployments"):
        if not int((deploy.get("status") or {}).get("readyReplicas") or 0):
            continue
        pod = ((deploy.get("spec") or {}).get("template") or {}).get("spec") or {}
        for container in pod.get("containers") or []:
            image = str(container.get("image", ""))
            if DEMO_IMAGE in image:
                pages["/index.html"] = demo_page(_env(container).get("ENV_NAME", ""))
            elif _is_nginx(image):
                pages.update(_mounted_files(kube, deploy["metadata"]["namespace"], pod, container))
    return pages


def demo_page(env_name: str) -> str:
    return f"<html><body>{env_name}</body></html>\n"


def _env(container: Mapping[str, Any]) -> dict[str, str]:
    return {str(e.get("name")): str(e.get("value", "")) for e in container.get("env") or [] if "value" in e}


def _is_nginx(image: str) -> bool:
    name = image.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0]
    return name == "nginx"


def _mounted_files(kube: Kube, namespace: str, pod: Obj, container: Obj) -> dict[str, str]:
    volumes = {v.get("name"): (v.get("configMap") or {}).get("name") for v in pod.get("volumes") or []}
    files: dict[str, str] = {}
    for mount in container.get("volumeMounts") or []:
        where = str(mount.get("mountPath", "")).rstrip("/")
        config_map = volumes.get(mount.get("name"))
        if not config_map or not (where == NGINX_ROOT or where.startswith(NGINX_ROOT + "/")):
            continue
        data = (kube.get(api_path("v1", "configmaps", namespace, config_map)) or {}).get("data") or {}
        prefix = where[len(NGINX_ROOT):]
        files.update({f"{prefix}/{key}": str(text) for key, text in data.items()})
    return files
