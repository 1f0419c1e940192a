"""The data center's resolver: dnsmasq answering the region's private names and the gateway
host, NXDOMAIN for anything else under those zones, and nothing forwarded anywhere. Every query is logged
(`query[A] <name> from <address>` in the daemon's log), as a data center's resolver can be asked to."""

from __future__ import annotations

from pathlib import Path

from drconsole.lab.net.layout import GATEWAY_ZONE, NAMES, WRONG_ANSWER, Layout
from drconsole.lab.supervisor import Daemon

DNS_DAEMON = "net-dnsmasq"


def answers(lay: Layout, wrong: bool = False) -> dict[str, str]:
    """Name -> address the resolver gives; with `wrong`, the registry name gets a public address."""
    table = {NAMES["acr"]: lay.acr_ip, NAMES["acr_ee"]: lay.acr_ee_ip, NAMES["oss"]: lay.oss_ip,
             NAMES["gateway"]: lay.gateway_ip, NAMES["cs_register"]: lay.register_ip}
    if wrong:
        table[NAMES["acr"]] = WRONG_ANSWER[lay.mode]
    return table


def config(lay: Layout, wrong: bool = False) -> str:
    records = "\n".join(f"host-record={name},{address}" for name, address in answers(lay, wrong).items())
    return f"""\
# The data center's resolver. Written by drconsole's lab; rewritten on every start.
port={lay.dns_port}
listen-address={lay.dns_ip}
bind-interfaces
no-resolv
no-hosts
no-poll
log-facility=-
log-queries
local-ttl=5
local=/aliyuncs.com/
local=/{GATEWAY_ZONE}/
{records}
"""


def daemon(net_dir: Path, lay: Layout, netns: str | None, wrong: bool = False) -> Daemon:
    conf = net_dir / "dnsmasq.conf"
    conf.write_text(config(lay, wrong))
    # As root, dnsmasq binds port 53 and then drops to `nobody` itself (same PID).
    argv = ["dnsmasq", "--no-daemon", f"--conf-file={conf}", "--pid-file="]
    return Daemon(name=DNS_DAEMON, argv=argv, netns=netns)
