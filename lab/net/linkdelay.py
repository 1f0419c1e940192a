"""The Express Connect link's one-way delay (`timing.link_delay_ms`): a netem qdisc on both ends of the link's
veth pair in namespace mode, so traffic each way waits that long. A kernel without `sch_netem` cannot delay the
link: the lab says so in its facts instead of pretending."""

from __future__ import annotations

import subprocess
from typing import Any

from drconsole.lab.env import LabEnv
from drconsole.lab.net import topology

ENDS = (("idc", topology.IDC_LINK), ("vpc", topology.VBR_LINK))


def _tc(ns: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["tc", "-n", ns, *args], capture_output=True, text=True, timeout=10)


def apply(env: LabEnv) -> None:
    """Delay both ends of the link by the timing's one-way delay (nothing when it is 0 or not in netns mode).
    A refusal (no netem in the kernel) is left for `facts` to report."""
    delay_ms = env.timing.link_delay_ms
    if env.mode != "netns" or delay_ms <= 0:
        return
    for side, link in ENDS:
        _tc(env.netns(side), "qdisc", "replace", "dev", link, "root", "netem", "delay", f"{delay_ms:g}ms")


def facts(env: LabEnv) -> dict[str, Any]:
    """The delay the timing asks for and whether both ends of the link carry it, as the kernel shows."""
    wanted = env.timing.link_delay_ms
    if wanted <= 0:
        return {"one_way_ms": 0.0, "applied": True, "why": ""}
    if env.mode != "netns":
        return {"one_way_ms": wanted, "applied": False, "why": "loopback mode has no link to delay"}
    for side, link in ENDS:
        if "netem" not in _tc(env.netns(side), "qdisc", "show", "dev", link).stdout:
            return {"one_way_ms": wanted, "applied": False,
                    "why": f"the kernel took no netem qdisc on {link} (`tc qdisc add ... netem` needs sch_netem)"}
    return {"one_way_ms": wanted, "applied": True, "why": ""}
