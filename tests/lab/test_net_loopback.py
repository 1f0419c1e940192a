"""Loopback mode, the way a user without root gets it: the whole network part brought up by an
unprivileged process (as `nobody` through setpriv when the tests run as root), checked, and
taken down again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.lab]

# Runs in the unprivileged process. Prints one JSON object with what it observed.
CHECK = r"""
import json, site, sys, time
site.addsitedir(sys.argv[2])
from pathlib import Path
import dns.resolver
from drconsole.lab.env import LabEnv
from drconsole.lab.lab import Lab
from drconsole.lab.net import PART
from drconsole.lab.net.bgp import bgp_session, idc_routes, vbr_routes
from drconsole.lab.net.probe import http_request, tcp_open, tls_context

env = LabEnv(root=Path(sys.argv[1]), mode="loopback", lab_id="lo")
seen = {"euid": __import__("os").geteuid()}
try:
    started = time.monotonic()
    facts = PART.up(env)
    seen["up_seconds"] = time.monotonic() - started
    seen["facts"] = facts
    seen["session"] = bgp_session(env)
    seen["idc_routes"] = idc_routes(env)
    seen["vbr_routes"] = vbr_routes(env)
    res = dns.resolver.Resolver(configure=False)
    res.nameservers, res.port, res.lifetime, res.cache = facts["dns"]["servers"], facts["dns"]["port"], 1.0, None
    seen["dns"] = {k: [r.address for r in res.resolve(name, "A")] for k, name in facts["names"].items()}
    tls = tls_context(facts["ca_file"])
    def get(service, path="/v2/"):
        ep = facts["endpoints"][service]
        return http_request(None, ep["address"], ep["port"], path, host=facts["names"][service], tls=tls,
                            timeout=3)
    seen["acr"] = [get("acr").status, get("acr_ee").status]
    seen["oss"] = get("oss", "/").status
    gw = facts["gateway"]
    from drconsole.lab.net.gateway import Routing, apply_routing
    apply_routing(env, Routing(weights={"a": 1, "b": 1}))
    seen["zones"] = sorted({json.loads(http_request(None, gw["address"], gw["https_port"], "/", host=gw["host"],
                                                    tls=tls, timeout=3).body)["zone"] for _ in range(4)})
    lab = Lab(env, parts=[PART])
    lab.break_("link")
    sock_ok = tcp_open(None, facts["bgp"]["vbr_ip"], facts["bgp"]["vbr_port"], timeout=0.5)
    deadline = time.monotonic() + 8
    while bgp_session(env)["state"] == "Established" and time.monotonic() < deadline:
        time.sleep(0.1)
    seen["link_broken"] = {"state": bgp_session(env)["state"], "tcp_accepts": sock_ok,
                           "status": {c.name: c.state for c in PART.status(env)}}
    lab.heal("link")
    seen["link_healed"] = bgp_session(env)["state"]
    lab.break_("dns")
    try:
        res.resolve(facts["names"]["oss"], "A")
        seen["dns_broken"] = "answered"
    except dns.exception.Timeout:
        seen["dns_broken"] = "timeout"
    lab.heal("dns")
    seen["dns_healed"] = [r.address for r in res.resolve(facts["names"]["oss"], "A")]
finally:
    PART.down(env)
    seen["pids_after_down"] = env.supervisor.names()
print(json.dumps(seen))
"""


def _runner(workdir: Path) -> tuple[list[str], str]:
    """How to run the check unprivileged, and who runs it."""
    if os.geteuid() != 0:
        return [sys.executable], "current user"
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    system_python = shutil.which(f"python{version}", path="/usr/bin:/usr/local/bin")
    if system_python and shutil.which("setpriv"):
        shutil.chown(workdir, "nobody", "nogroup")
        return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", system_python], "nobody"
    pytest.skip("no interpreter that an unprivileged user can run (the venv's lives under /root)")


def test_loopback_lab_as_an_unprivileged_user() -> None:
    from drconsole.lab.net.probe import tcp_open

    workdir = Path(tempfile.mkdtemp(prefix="drc-loopback-"))
    try:
        workdir.chmod(0o755)
        runner, who = _runner(workdir)
        site_packages = sysconfig.get_paths()["purelib"]
        proc = subprocess.run([*runner, "-c", CHECK, str(workdir / "lab"), site_packages], cwd=workdir,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-3000:]
        seen = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"loopback lab as {who} (euid {seen['euid']}): up in {seen['up_seconds']:.2f} s")
    if who == "nobody":
        assert seen["euid"] != 0
    facts = seen["facts"]
    assert facts["mode"] == "loopback" and facts["vantage_netns"] is None
    assert facts["routes"]["kernel_table"] is False
    addresses = [facts["bgp"]["vbr_ip"], facts["dns"]["servers"][0], facts["gateway"]["address"],
                 *(ep["address"] for ep in facts["endpoints"].values())]
    assert all(a.startswith("127.") for a in addresses)
    assert seen["session"]["state"] == "Established"
    assert {"192.168.0.0/16", "100.118.28.0/24", "100.103.9.188/32"} <= set(seen["idc_routes"])
    assert seen["vbr_routes"] == facts["cidrs"]["idc"] and seen["session"]["received"] == len(seen["vbr_routes"])
    assert seen["dns"] == {"acr": [facts["endpoints"]["acr"]["address"]],
                           "acr_ee": [facts["endpoints"]["acr_ee"]["address"]],
                           "oss": [facts["endpoints"]["oss"]["address"]], "gateway": [facts["gateway"]["address"]],
                           "cs_register": [facts["endpoints"]["cs_register"]["address"]]}
    assert seen["acr"] == [401, 401] and seen["oss"] == 403
    assert seen["zones"] == ["cn-hangzhou-h", "cn-hangzhou-i"]
    # a frozen VBR: the kernel still accepts the connection, but the peer says nothing
    assert seen["link_broken"]["state"] != "Established" and seen["link_broken"]["tcp_accepts"]
    assert seen["link_broken"]["status"]["bird-vbr"] == "broken"
    assert seen["link_healed"] == "Established"
    assert seen["dns_broken"] == "timeout" and seen["dns_healed"] == [facts["endpoints"]["oss"]["address"]]
    # nothing left behind
    assert seen["pids_after_down"] == []
    bgp, gw = facts["bgp"], facts["gateway"]
    for address, port in [(bgp["vbr_ip"], bgp["vbr_port"]), (bgp["idc_ip"], bgp["idc_port"]),
                          (gw["address"], gw["http_port"]), (gw["address"], gw["https_port"]),
                          *((ep["address"], ep["port"]) for ep in facts["endpoints"].values())]:
        assert not tcp_open(None, address, port, timeout=0.3), f"{address}:{port} still listening"
