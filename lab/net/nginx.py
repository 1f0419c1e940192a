"""What every nginx of the lab shares: foreground, logs to stderr, and one process each
(`master_process off`, so one PID serves and a signal hits the process that answers). The
gateway is the exception: it keeps its master process, because only a master reloads its
configuration on SIGHUP (a single-process nginx runs out of connections after a reload)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from drconsole.errors import LabError
from drconsole.lab.supervisor import Daemon


def render(workdir: Path, http_body: str, master: bool = False) -> str:
    tmp = workdir / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    temp_paths = "\n".join(f"  {kind}_temp_path {tmp};" for kind in
                           ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""\
# Written by drconsole's lab; rewritten on every start.
daemon off;
master_process {"on" if master else "off"};
worker_processes 1;
pid {workdir / "nginx.pid"};
error_log stderr warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  server_tokens off;
{temp_paths}
{http_body}
}}
"""


def write(workdir: Path, http_body: str) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "nginx.conf"
    conf.write_text(render(workdir, http_body))
    return conf


def argv(workdir: Path, conf: Path) -> list[str]:
    return ["nginx", "-p", f"{workdir}/", "-c", str(conf), "-e", "stderr"]


def daemon(name: str, workdir: Path, conf: Path, netns: str | None) -> Daemon:
    return Daemon(name=name, argv=argv(workdir, conf), netns=netns, cwd=workdir)


def validate(workdir: Path, conf: Path, netns: str | None) -> None:
    """`nginx -t` on a config before it is used."""
    cmd = [*argv(workdir, conf), "-t", "-q"]
    if netns:
        cmd = ["ip", "netns", "exec", netns, *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    if proc.returncode != 0:
        raise LabError(f"nginx rejected the generated config: {proc.stderr.strip()}", where=str(conf),
                       fix="this is a lab bug; the previous config stays in force")
