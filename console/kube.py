"""Kubernetes API clients per kube context, with clear messages for a bad kubeconfig."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from drconsole.errors import DrconsoleError


class KubeConfigError(DrconsoleError):
    """The kubeconfig cannot give a client for a context."""


def kubeconfig_path(explicit: Path | None) -> Path:
    if explicit:
        return explicit.expanduser()
    env = os.environ.get("KUBECONFIG")
    if env:
        return Path(env.split(os.pathsep)[0]).expanduser()
    return Path.home() / ".kube" / "config"


def manifest_documents(text: str) -> list[dict[str, Any]]:
    """The mappings of a multi-document YAML manifest (libyaml's parser when it is there: 10x faster)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return [doc for doc in yaml.load_all(text, Loader=loader) if isinstance(doc, dict)]


def api_client(kubeconfig: Path | None, context: str, *, timeout_s: float = 5.0) -> Any:
    """A kubernetes ApiClient for `context`. Raises KubeConfigError with a fix when it cannot."""
    import yaml
    from kubernetes import config as kube_config
    from kubernetes.config.config_exception import ConfigException

    path = kubeconfig_path(kubeconfig)
    if not path.is_file():
        raise KubeConfigError(f"kubeconfig {path} does not exist", where=str(path),
                              fix="set clusters.kubeconfig in the profile, or $KUBECONFIG")
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise KubeConfigError(f"kubeconfig is not valid YAML ({exc.__class__.__name__})", where=str(path),
                              fix="regenerate it (e.g. DescribeClusterUserKubeconfig) or fix the syntax") from None
    if not isinstance(document, dict):
        raise KubeConfigError("kubeconfig is not a mapping with clusters, users and contexts", where=str(path),
                              fix="regenerate it (e.g. DescribeClusterUserKubeconfig) or fix its structure")
    entries = document.get("contexts")
    contexts = [c.get("name") for c in entries if isinstance(c, dict)] if isinstance(entries, list) else []
    if context not in contexts:
        raise KubeConfigError(f"kubeconfig has no context {context!r}", where=str(path),
                              fix=f"use one of: {', '.join(map(str, contexts)) or '(none)'}; "
                                  "or correct the profile's clusters.*.context")
    try:
        client = kube_config.new_client_from_config(config_file=str(path), context=context)
    except (ConfigException, ValueError, OSError, TypeError, KeyError, AttributeError) as exc:
        raise KubeConfigError(f"context {context!r} is unusable: {exc}", where=str(path),
                              fix="check the context's cluster server, CA and user credentials") from None
    # One attempt per call, bounded: callers have deadlines of their own (the kubernetes client's
    # Configuration.retries is read only when the client is built, so set the pool directly).
    pool = client.rest_client.pool_manager.connection_pool_kw
    pool["retries"] = False
    pool["timeout"] = timeout_s
    return client


def rest_request(api: Any, method: str, path: str, headers: dict[str, str],
                 body: Any = None) -> tuple[str, str, dict[str, str], Any]:
    """One REST call's method, URL, headers and body as `api.call_api` (a kubernetes ApiClient) takes them, with
    the kubeconfig user's credentials: a client certificate is in the connection pool already, a token (static,
    or from an exec plugin, which the client's loader refreshes when it expires) goes in the Authorization
    header."""
    method, url, headers, body, _ = api.param_serialize(method=method, resource_path=path, header_params=headers,
                                                        body=body, auth_settings=["BearerToken"])
    return method, url, headers, body
