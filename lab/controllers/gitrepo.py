"""The lab's GitOps source: a local git repository holding the demo app as a tiny Helm-like chart,
and the renderer Argo CD's sync uses (values.yaml + `--set`-style parameters + `{{ .Values.x }}`).

The chart follows gitops-demo's manifests/helm/web-demo: the values registryDomain/image/tag/envCluster/
clusterId, Service `service1` 80 -> 8080, `ENV_NAME` from envCluster. It differs where the lab's template
subset cannot follow: the cluster label is always set (the real chart sets it only `if clusterId`), and
`replicaCount` is a value (the real chart runs 1 replica)."""

from __future__ import annotations

import copy
import functools
import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from drconsole.lab.controllers.gotemplate import render_string

CHART_PATH = "manifests/helm/web-demo"
BEACON_CHART = "drconsole-beacon"

_FILES = {
    f"{CHART_PATH}/Chart.yaml": "apiVersion: v2\nname: web-demo\nversion: 0.1.0\n",
    f"{CHART_PATH}/values.yaml": (
        "replicaCount: 2\n"
        "registryDomain: registry-cn-hangzhou.ack.aliyuncs.com\n"
        "image: acs/web-demo\n"
        "tag: 0.5.0\n"
        "envCluster: cluster-oneregion\n"
        "clusterId: unset\n"
    ),
    f"{CHART_PATH}/templates/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-demo
  namespace: {{ .Release.Namespace }}
  labels:
    app: web-demo
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      app: web-demo
  template:
    metadata:
      labels:
        app: web-demo
        topology.istio.io/cluster: "{{ .Values.clusterId }}"
    spec:
      containers:
      - name: web-demo
        image: "{{ .Values.registryDomain }}/{{ .Values.image }}:{{ .Values.tag }}"
        ports:
        - containerPort: 8080
        env:
        - name: ENV_NAME
          value: "{{ .Values.envCluster }}"
""",
    f"{CHART_PATH}/templates/service.yaml": """\
apiVersion: v1
kind: Service
metadata:
  name: service1
  namespace: {{ .Release.Namespace }}
  labels:
    app: web-demo
spec:
  selector:
    app: web-demo
  ports:
  - name: http
    port: 80
    protocol: TCP
    targetPort: 8080
""",
}

_GIT_ENV = {"GIT_AUTHOR_NAME": "drconsole lab", "GIT_AUTHOR_EMAIL": "lab@drconsole.invalid",
            "GIT_COMMITTER_NAME": "drconsole lab", "GIT_COMMITTER_EMAIL": "lab@drconsole.invalid",
            "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent"}


class RepoError(RuntimeError):
    """The repository, revision or path an Application names cannot be read."""


def ensure_demo_repo(path: Path) -> Path:
    """Create (once) the git repository with the demo chart committed on branch main, and drconsole's
    zone beacon chart beside it, as an operator following drconsole's README commits it."""
    if (path / ".git").exists():
        return path
    path.mkdir(parents=True, exist_ok=True)
    for name, text in {**_FILES, **_beacon_chart()}.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    _git(path, "init", "-q", "-b", "main")
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "web-demo chart")
    return path


def _beacon_chart() -> dict[str, str]:
    """The beacon chart's files as drconsole ships them (data, not code: the lab imports no product code)."""
    from importlib.resources import files

    chart = files("drconsole.runbooks") / "beacon" / BEACON_CHART
    found: dict[str, str] = {}
    pending = [(chart, BEACON_CHART)]
    while pending:
        node, where = pending.pop()
        for child in node.iterdir():
            if child.is_dir():
                pending.append((child, f"{where}/{child.name}"))
            else:
                found[f"{where}/{child.name}"] = child.read_text()
    return found


def repo_url(path: Path) -> str:
    return path.resolve().as_uri()


def resolve_revision(url: str, revision: str) -> str:
    """The commit SHA `revision` (branch, tag, SHA or HEAD) names in the file:// repository `url`."""
    return _git(_local_path(url), "rev-parse", "--verify", "-q", f"{revision or 'HEAD'}^{{commit}}").strip()


def render_chart(url: str, sha: str, chart: str, namespace: str, release: str,
                 parameters: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The manifests of `chart` at commit `sha`, rendered with values.yaml and the parameters. A commit never
    changes, so each rendering is kept (as Argo CD's repo server caches manifests by revision); the caller gets
    its own copy to change."""
    given = tuple((str(param.get("name", "")), json.dumps(param.get("value", ""))) for param in parameters)
    return copy.deepcopy(_rendered(url, sha, chart.strip("/"), namespace, release, given))


@functools.lru_cache(maxsize=64)
def _rendered(url: str, sha: str, chart: str, namespace: str, release: str,
              parameters: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    import yaml

    repo = _local_path(url)
    values = yaml.safe_load(_git(repo, "show", f"{sha}:{chart}/values.yaml")) or {}
    for name, value in parameters:
        _set_value(values, name, json.loads(value))
    context = {"Values": values, "Release": {"Namespace": namespace, "Name": release}}
    listing = _git(repo, "ls-tree", "-r", "--name-only", sha, f"{chart}/templates/").split()
    manifests: list[dict[str, Any]] = []
    for name in sorted(n for n in listing if n.endswith((".yaml", ".yml"))):
        text = render_string(_git(repo, "show", f"{sha}:{name}"), context)
        manifests += [doc for doc in yaml.safe_load_all(text) if isinstance(doc, dict)]
    return manifests


def _set_value(values: dict[str, Any], dotted: str, value: Any) -> None:
    keys = [k for k in dotted.split(".") if k]
    if not keys:
        return
    node = values
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value


def _local_path(url: str) -> Path:
    if not url.startswith("file://"):
        raise RepoError(f"the lab syncs only local file:// repositories, not {url!r}")
    from urllib.parse import unquote, urlparse

    return Path(unquote(urlparse(url).path))


def _git(repo: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=10,
                              env={**os.environ, **_GIT_ENV})
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RepoError(f"git {args[0]} in {repo}: {exc}") from None
    if done.returncode != 0:
        raise RepoError(f"git {args[0]} in {repo}: {done.stderr.strip() or 'failed'}")
    return done.stdout
