"""The namespaces of namespace mode: `idc` (data center) and `vpc` (VBR + VPC services),
joined by a veth pair on the peering subnet; `idc` also gets a default route to an
"internet" that leads nowhere, so traffic without a BGP route visibly leaves that way."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from drconsole.errors import LabError
from drconsole.lab.env import LabEnv
from drconsole.lab.net.layout import INTERNET_ADDR, INTERNET_GATEWAY, PEERING_PREFIX, Layout
from drconsole.lab.net.netns import netns_exists, netns_path

IDC_LINK = "veth-idc"
VBR_LINK = "veth-vbr"
INTERNET_LINK = "inet0"
# Who created each lab namespace: a namespace name can be reused by another lab with the same
# lab id, and only the lab that made a namespace may delete it.
OWNERS_DIR = Path("/run/drconsole/netns")


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10)
    if check and proc.returncode != 0:
        raise LabError(f"`ip {' '.join(args)}` failed: {proc.stderr.strip()}",
                       fix="run `drconsole lab down` then `drconsole lab up`")
    return proc


def namespaces(env: LabEnv) -> tuple[str, str]:
    return env.netns("idc"), env.netns("vpc")


def exists(env: LabEnv) -> bool:
    """Both namespaces exist and are this lab's."""
    return all(netns_exists(ns) and owner(ns) == str(env.root) for ns in namespaces(env))


def _owner_path(ns: str) -> Path:
    return OWNERS_DIR / f"{ns}.json"


def _inode(ns: str) -> int | None:
    try:
        return os.stat(netns_path(ns)).st_ino
    except OSError:
        return None


def owner(ns: str) -> str | None:
    """The lab directory that created namespace `ns`, if it is still that namespace."""
    try:
        record = json.loads(_owner_path(ns).read_text())
    except (OSError, ValueError):
        return None
    return str(record["root"]) if record.get("inode") == _inode(ns) else None


def _claim(env: LabEnv, ns: str) -> None:
    OWNERS_DIR.mkdir(parents=True, exist_ok=True)
    _owner_path(ns).write_text(json.dumps({"root": str(env.root), "inode": _inode(ns)}))


def _in_use_by_other_lab(env: LabEnv, ns: str) -> str | None:
    """The directory of another, still running lab that owns `ns`."""
    from drconsole.lab.supervisor import Supervisor

    root = owner(ns)
    if root is None or root == str(env.root):
        return None
    other = Supervisor(Path(root) / "run")
    return root if any(other.pid(name) for name in other.names() if name.startswith("net-")) else None


def create(env: LabEnv, lay: Layout) -> None:
    """Create both namespaces and their links from scratch. Namespaces of the same names left by a
    crashed lab are removed; ones a running lab uses are not touched."""
    idc, vpc = namespaces(env)
    for ns in (idc, vpc):
        other = _in_use_by_other_lab(env, ns)
        if other:
            raise LabError(f"network namespace {ns!r} belongs to another running lab", where=other,
                           fix="stop that lab (`drconsole lab down`) or use another lab id")
        if netns_exists(ns):
            ip("netns", "del", ns)
    for ns in (idc, vpc):
        ip("netns", "add", ns)
        _claim(env, ns)
    ip("-n", idc, "link", "add", IDC_LINK, "type", "veth", "peer", "name", VBR_LINK, "netns", vpc)
    ip("-n", idc, "link", "add", INTERNET_LINK, "type", "veth", "peer", "name", f"{INTERNET_LINK}-far")
    for ns in (idc, vpc):
        ip("-n", ns, "link", "set", "lo", "up")
    ip("-n", idc, "addr", "add", f"{lay.idc_ip}/{PEERING_PREFIX}", "dev", IDC_LINK)
    for extra in (lay.probe_ip, lay.dns_ip):
        ip("-n", idc, "addr", "add", f"{extra}/{PEERING_PREFIX}", "dev", IDC_LINK)
    ip("-n", idc, "addr", "add", INTERNET_ADDR, "dev", INTERNET_LINK)
    for link in (IDC_LINK, INTERNET_LINK, f"{INTERNET_LINK}-far"):
        ip("-n", idc, "link", "set", link, "up")
    ip("-n", idc, "route", "add", "default", "via", INTERNET_GATEWAY, "dev", INTERNET_LINK)
    ip("-n", vpc, "addr", "add", f"{lay.vbr_ip}/{PEERING_PREFIX}", "dev", VBR_LINK)
    ip("-n", vpc, "link", "set", VBR_LINK, "up")
    for address in lay.vpc_service_ips:
        ip("-n", vpc, "addr", "add", f"{address}/32", "dev", "lo")


def delete(env: LabEnv) -> None:
    """Delete this lab's namespaces (never another lab's namespaces of the same names)."""
    for ns in namespaces(env):
        if netns_exists(ns) and owner(ns) == str(env.root):
            ip("netns", "del", ns)
            _owner_path(ns).unlink(missing_ok=True)


def routes(ns: str) -> list[dict[str, object]]:
    """The namespace's IPv4 main routing table (`ip -j route`)."""
    import json

    return list(json.loads(ip("-j", "-n", ns, "route", "show").stdout or "[]"))
