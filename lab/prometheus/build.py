"""Get prometheus and promtool: reuse ones on PATH of the pinned version, else build them once.

The Go module proxy serves github.com/prometheus/prometheus (v0.316.0 is Prometheus 3.x); its go.mod
has no replace directives, so `go install <package>@<version>` builds both commands. The build tag
`remove_all_sd` drops the cloud service-discovery plugins (AWS, Azure, GCE, Kubernetes, ...): the lab
scrapes static targets only, and the build takes a fraction of the time. Binaries land in the XDG
cache keyed by version; Go's caches make a rebuild cheap. `python -m drconsole.lab.prometheus.build`
builds ahead of the tests (./dev setup does).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from drconsole.lab.kube.build import Progress, _go, _go_run
from drconsole.paths import cache_dir

MODULE = "github.com/prometheus/prometheus"
VERSION = "v0.316.0"
RELEASE = "3.16.0"  # the module's VERSION file at v0.316.0
BUILD_TAGS = "remove_all_sd"


@dataclass(frozen=True)
class PrometheusBinaries:
    prometheus: Path
    promtool: Path


def build_dir() -> Path:
    return cache_dir() / "prometheus" / VERSION


def ensure_binaries(progress: Progress = print) -> PrometheusBinaries:
    """Binaries on PATH when they are this release, else the cached build (built if absent)."""
    found = _on_path()
    if found:
        return found
    target = build_dir()
    binaries = PrometheusBinaries(target / "prometheus", target / "promtool")
    if binaries.prometheus.exists() and binaries.promtool.exists():
        return binaries
    go = _go()
    target.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    progress(f"building prometheus and promtool {VERSION} (a few minutes when Go's build cache is cold)")
    scratch = target / "src"
    scratch.mkdir(exist_ok=True)
    _install(go, scratch, {"GOBIN": str(target)})
    progress(f"prometheus ready in {target} ({time.monotonic() - started:.0f} s)")
    return binaries


def _install(go: str, cwd: Path, env: dict[str, str]) -> None:
    """`go install` both commands; GOBIN (where they land) is set for the call and restored after."""
    previous = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        stamp = f"-X github.com/prometheus/common/version.Version={RELEASE}"  # as the release build stamps it
        _go_run(go, ["install", "-p", "2", "-tags", BUILD_TAGS, f"-ldflags=-s -w {stamp}",
                     f"{MODULE}/cmd/prometheus@{VERSION}", f"{MODULE}/cmd/promtool@{VERSION}"], cwd, timeout=3600)
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _on_path() -> PrometheusBinaries | None:
    prometheus, promtool = shutil.which("prometheus"), shutil.which("promtool")
    if not (prometheus and promtool):
        return None
    try:
        out = subprocess.run([prometheus, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"prometheus, version (\d+\.\d+\.\d+)", out)
    return PrometheusBinaries(Path(prometheus), Path(promtool)) if match and match.group(1) == RELEASE else None


def main() -> None:
    binaries = ensure_binaries()
    print(f"prometheus: {binaries.prometheus}")
    print(f"promtool: {binaries.promtool}")


if __name__ == "__main__":
    main()
