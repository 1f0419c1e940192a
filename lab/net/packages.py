"""The Debian packages the lab network needs, installed on first `lab up` when we are root."""

from __future__ import annotations

import os
import shutil
import subprocess

from drconsole.errors import LabError

# program -> Debian package
PROGRAMS = {"bird": "bird2", "birdc": "bird2", "dnsmasq": "dnsmasq-base", "nginx": "nginx-light"}
NETNS_PROGRAMS = {"nft": "nftables", "ip": "iproute2"}
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


def missing(mode: str) -> list[str]:
    wanted = {**PROGRAMS, **(NETNS_PROGRAMS if mode == "netns" else {})}
    return sorted({pkg for prog, pkg in wanted.items() if shutil.which(prog, path=SEARCH_PATH) is None})


def ensure_programs(mode: str) -> None:
    """Install what is missing (root only), or say which packages to install."""
    packages = missing(mode)
    if not packages:
        _extend_path()
        return
    if os.geteuid() != 0:
        raise LabError("the lab network needs programs that are not installed: " + ", ".join(packages),
                       fix="sudo apt-get install -y --no-install-recommends " + " ".join(packages))
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if proc.returncode != 0 or missing(mode):
        raise LabError("installing the lab network's packages failed: " + proc.stderr.strip()[-400:],
                       where=" ".join(cmd), fix="run `apt-get update` and try `drconsole lab up` again")
    _extend_path()


def _extend_path() -> None:
    """Daemons are started by name; make sure the sbin directories are searched."""
    if "/usr/sbin" not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = SEARCH_PATH
