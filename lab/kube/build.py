"""Get kube-apiserver and etcd binaries: reuse ones on the machine, else build them from Go modules.

No kube-apiserver is packaged for Debian or PyPI, so we build it: a wrapper module requires
k8s.io/kubernetes and maps each staging module (required at v0.0.0 in its go.mod) to the matching
published v0.X.Y tag; etcd comes from go.etcd.io/etcd/server/v3, whose root package is the etcd
binary. kube-apiserver is linked with the version stamp the upstream build sets
(hack/lib/version.sh, kube::version::ldflags), so /version reports v1.34.4 like a released build.
Binaries land in the XDG cache, keyed by version and stamp; Go's module and build caches make a
rebuild cheap. Run `python -m drconsole.lab.kube.build` to build ahead of the tests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from drconsole.errors import LabError
from drconsole.paths import cache_dir

KUBE_VERSION = "v1.34.4"
ETCD_VERSION = "v3.6.16"
GO_FALLBACK = Path("/usr/local/go/bin/go")
_STAGING_REQUIRE = re.compile(r"^\s*(k8s\.io/[\w\-\.]+) v0\.0\.0\s*$", re.MULTILINE)
_MIN_KUBE_MINOR = 34
# Part of the cache key: binaries built before kube-apiserver carried its version stamp are rebuilt.
BUILD_FLAVOUR = "stamped"
# The packages whose version variables the upstream build sets with -X (hack/lib/version.sh).
VERSION_PACKAGES = ("k8s.io/client-go/pkg/version", "k8s.io/component-base/version")

Progress = Callable[[str], None]


class KubeBuildUnavailable(LabError):
    """The binaries are not on the machine and cannot be built here (no Go toolchain)."""


@dataclass(frozen=True)
class KubeBinaries:
    kube_apiserver: Path
    etcd: Path
    kube_version: str


def ensure_binaries(progress: Progress = print) -> KubeBinaries:
    """Binaries from $KUBEBUILDER_ASSETS or PATH when usable, else the cached build (built if absent)."""
    found = _found_on_machine()
    if found:
        return found
    target = build_dir()
    binaries = KubeBinaries(target / "kube-apiserver", target / "etcd", KUBE_VERSION)
    if binaries.kube_apiserver.exists() and binaries.etcd.exists():
        return binaries
    go = _go()
    target.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if not binaries.etcd.exists():
        _build_etcd(go, binaries.etcd, progress)
    if not binaries.kube_apiserver.exists():
        _build_kube_apiserver(go, binaries.kube_apiserver, progress)
    progress(f"kube binaries ready in {target} ({time.monotonic() - started:.0f} s)")
    return binaries


def build_dir() -> Path:
    return cache_dir() / "kube" / f"k8s-{KUBE_VERSION}-{BUILD_FLAVOUR}_etcd-{ETCD_VERSION}"


# -- binaries already on the machine -------------------------------------------------------------
def _found_on_machine() -> KubeBinaries | None:
    assets = os.environ.get("KUBEBUILDER_ASSETS")
    candidates: list[tuple[str | None, str | None]] = []
    if assets:
        candidates.append((str(Path(assets) / "kube-apiserver"), str(Path(assets) / "etcd")))
    candidates.append((shutil.which("kube-apiserver"), shutil.which("etcd")))
    for apiserver, etcd in candidates:
        if not (apiserver and etcd and os.access(apiserver, os.X_OK) and os.access(etcd, os.X_OK)):
            continue
        kube_version = _version(apiserver, r"Kubernetes (v1\.(\d+)\.\d+)")
        etcd_version = _version(etcd, r"etcd Version: (3\.(\d+)\.\d+)")
        if kube_version and etcd_version and _minor(kube_version) >= _MIN_KUBE_MINOR \
                and _minor(etcd_version) >= 5:
            return KubeBinaries(Path(apiserver), Path(etcd), kube_version)
    return None


def _version(binary: str, pattern: str) -> str | None:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(pattern, out)
    return match.group(1) if match else None


def _minor(version: str) -> int:
    return int(version.lstrip("v").split(".")[1])


# -- building --------------------------------------------------------------------------------------
def _go() -> str:
    go = shutil.which("go") or (str(GO_FALLBACK) if GO_FALLBACK.exists() else None)
    if go is None:
        raise KubeBuildUnavailable(
            "kube-apiserver and etcd are not installed and there is no Go toolchain to build them",
            where="$KUBEBUILDER_ASSETS, PATH and /usr/local/go/bin/go",
            fix="install Go 1.24 or newer (with access to the Go module proxy), "
                "or point $KUBEBUILDER_ASSETS at a directory holding kube-apiserver and etcd",
        )
    return go


def _build_kube_apiserver(go: str, output: Path, progress: Progress) -> None:
    source = _source_dir("kube-apiserver")
    progress(f"reading k8s.io/kubernetes@{KUBE_VERSION} go.mod for its staging modules")
    info = json.loads(_go_run(go, ["mod", "download", "-json", f"k8s.io/kubernetes@{KUBE_VERSION}"],
                              source, timeout=900))
    staging = sorted(set(_STAGING_REQUIRE.findall(Path(info["GoMod"]).read_text())))
    staging_tag = "v0." + KUBE_VERSION.split(".", 1)[1]
    replaces = "\n".join(f"\t{name} => {name} {staging_tag}" for name in staging)
    _write_module(source, "kas", f"k8s.io/kubernetes {KUBE_VERSION}", "k8s.io/kubernetes/cmd/kube-apiserver",
                  f"replace (\n{replaces}\n)\n")
    stamp = version_ldflags(KUBE_VERSION, info.get("Time") or "1970-01-01T00:00:00Z")
    _build(go, source, "k8s.io/kubernetes/cmd/kube-apiserver", output, progress, stamp)


def version_ldflags(version: str, build_date: str) -> str:
    """The -X flags of a released build: gitVersion, gitMajor, gitMinor, gitTreeState and buildDate.

    The build date is the tag's time from the module proxy, so a rebuild links the same binary. The
    commit is not known from a module download, so gitCommit keeps its in-source placeholder."""
    major, minor = version.lstrip("v").split(".")[:2]
    values = {"gitVersion": version, "gitMajor": major, "gitMinor": minor, "gitTreeState": "clean",
              "buildDate": build_date}
    return " ".join(f"-X {package}.{key}={value}" for key, value in values.items() for package in VERSION_PACKAGES)


def _build_etcd(go: str, output: Path, progress: Progress) -> None:
    source = _source_dir("etcd")
    _write_module(source, "etcd", f"go.etcd.io/etcd/server/v3 {ETCD_VERSION}", "go.etcd.io/etcd/server/v3", "")
    _build(go, source, "go.etcd.io/etcd/server/v3", output, progress)


def _source_dir(name: str) -> Path:
    path = cache_dir() / "kube" / "src" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write_module(source: Path, name: str, require: str, package: str, replaces: str) -> None:
    (source / "go.mod").write_text(f"module drconsole.local/{name}\n\ngo 1.24.0\n\nrequire {require}\n\n{replaces}")
    (source / "tools.go").write_text(f'//go:build tools\n\npackage {name}\n\nimport _ "{package}"\n')


def _build(go: str, source: Path, package: str, output: Path, progress: Progress, ldflags: str = "") -> None:
    started = time.monotonic()
    progress(f"resolving modules for {package}")
    _go_run(go, ["mod", "tidy"], source, timeout=1800)
    progress(f"building {output.name} from {package} (several minutes when Go's build cache is cold)")
    partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
    try:
        _go_run(go, ["build", "-p", "2", f"-ldflags=-s -w {ldflags}".rstrip(), "-o", str(partial), package],
                source, timeout=3600)
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    progress(f"built {output} in {time.monotonic() - started:.0f} s")


def _go_run(go: str, args: list[str], cwd: Path, timeout: float) -> str:
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-buildvcs=false"}
    try:
        done = subprocess.run([go, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"`go {' '.join(args)}` took longer than {timeout:.0f} s", where=str(cwd),
                       fix="check the network path to the Go module proxy, then run it again") from exc
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise LabError(f"`go {' '.join(args)}` failed:\n{tail}", where=str(cwd),
                       fix="read the Go output above; `python -m drconsole.lab.kube.build` retries")
    return done.stdout


def main() -> None:
    binaries = ensure_binaries()
    print(f"kube-apiserver {binaries.kube_version}: {binaries.kube_apiserver}")
    print(f"etcd: {binaries.etcd}")


if __name__ == "__main__":
    main()
