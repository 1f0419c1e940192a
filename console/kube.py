"""Kubernetes API clients per kube context, with clear messages for a bad kubeconfig."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from drconsole.errors import DrconsoleError


class KubeConfigError(DrconsoleError):
    """The kubeconfig cannot give a client for a context."""


def kubeconfig_paths(explicit: Path | None) -> list[Path]:
    """The kubeconfig files to read, as kubectl reads them: the profile's file; else every file $KUBECONFIG lists
    (separated by os.pathsep; the first file to name a context, cluster or user wins); else ~/.kube/config."""
    if explicit:
        return [explicit.expanduser()]
    listed = [Path(part).expanduser() for part in os.environ.get("KUBECONFIG", "").split(os.pathsep) if part]
    return listed or [Path.home() / ".kube" / "config"]


def kubeconfig_contexts(explicit: Path | None) -> tuple[list[Path], list[str]]:
    """The kubeconfig files that exist (of `kubeconfig_paths`) and the context names they give, in order.
    Raises KubeConfigError, naming the file, when none exists or one is not a kubeconfig."""
    import yaml

    paths = kubeconfig_paths(explicit)
    found = [path for path in paths if path.is_file()]
    if not found:
        listed = ", ".join(map(str, paths))
        raise KubeConfigError(f"kubeconfig {listed} does not exist", where=listed,
                              fix="set clusters.kubeconfig in the profile, or $KUBECONFIG")
    contexts: list[str] = []
    for path in found:
        try:
            document = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            raise KubeConfigError(f"kubeconfig is not valid YAML ({exc.__class__.__name__})", where=str(path),
                                  fix="regenerate it (e.g. DescribeClusterUserKubeconfig) or fix the syntax") from None
        if not isinstance(document, dict):
            raise KubeConfigError("kubeconfig is not a mapping with clusters, users and contexts", where=str(path),
                                  fix="regenerate it (e.g. DescribeClusterUserKubeconfig) or fix its structure")
        entries = document.get("contexts")
        names = [c.get("name") for c in entries if isinstance(c, dict)] if isinstance(entries, list) else []
        contexts += [str(name) for name in names if name is not None and str(name) not in contexts]
    return found, contexts


def manifest_documents(text: str) -> list[dict[str, Any]]:
    """The mappings of a multi-document YAML manifest (libyaml's parser when it is there: 10x faster)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return [doc for doc in yaml.load_all(text, Loader=loader) if isinstance(doc, dict)]


def api_client(kubeconfig: Path | None, context: str, *, timeout_s: float = 5.0) -> Any:
    """A kubernetes ApiClient for `context`, from the kubeconfig files `kubeconfig_paths` gives (merged as kubectl
    merges them). Raises KubeConfigError with a fix when it cannot."""
    from kubernetes import config as kube_config
    from kubernetes.config.config_exception import ConfigException

    paths, contexts = kubeconfig_contexts(kubeconfig)
    where = os.pathsep.join(map(str, paths))
    if context not in contexts:
        raise KubeConfigError(f"kubeconfig has no context {context!r}", where=where,
                              fix=f"use one of: {', '.join(contexts) or '(none)'}; "
                                  "or correct the profile's clusters.*.context")
    try:
        client = kube_config.new_client_from_config(config_file=where, context=context)
    except (ConfigException, ValueError, OSError, TypeError, KeyError, AttributeError) as exc:
        raise KubeConfigError(f"context {context!r} is unusable: {exc}", where=where,
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
