"""One `drconsole watch` on the lab at one sweep per 10 s (with its Lease on the Fleet and a webhook):
its CPU share of one core and resident memory over the run (targets: under 2 %, under 150 MB), and the
time from a fault (`lab break agent`, at random moments) to its alert at a local receiver (target: one
interval plus 2 s). Minutes from argv[1] (default 10)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import bench_lab, line, median, private_home

INTERVAL_S = 10.0
FAULT = "agent"
FAILING_KEY = "registered.agent-connected/registered.agent-available"
WAIT_S = 120.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def memory_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) in MB."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024


def alerted(rx: Any, since: int, status: str, key: str | None = None) -> bool:
    """Whether the receiver got an alert of `status` (for `key`, if given) after its first `since` posts."""
    return any(a["status"] == status and key in (None, a["fingerprint"])
               for body in rx.bodies()[since:] for a in body["alerts"])


def until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        time.sleep(0.1)


def main() -> None:
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    home = private_home()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from drconsole.coordination.fleet import kube_call
    from drconsole.kube import api_client
    from drconsole.lab.lab import Lab
    from tests.watch.receiver import receiver

    with bench_lab(home, lab_id="bw") as (env, profile), receiver() as rx:
        fleet = api_client(profile.clusters.kubeconfig, profile.clusters.fleet.context)
        kube_call(fleet, "POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                        "metadata": {"name": "drconsole"}},
                  verb="create", resource="namespaces", namespace="", conflict_ok=True)
        config = home / "watch.toml"
        config.write_text(f'interval_s = {INTERVAL_S}\n[[alerts.webhooks]]\nname = "bench"\nurl = "{rx.url}"\n')
        exe = str(Path(sys.executable).parent / "drconsole")
        watcher = subprocess.Popen([exe, "watch", "--profile", profile.name, "--config", str(config),
                                    "--metrics-port", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        lab = Lab(env)
        try:
            status_file = home / "xdg_state_home" / "drconsole" / "watch" / f"{profile.name}.json"
            until(lambda: status_file.exists() and '"last_sweep":null' not in status_file.read_text(),
                  "the first sweep")
            started_cpu, started = cpu_seconds(watcher.pid), time.monotonic()
            end = started + minutes * 60
            detected: list[float] = []
            rss: list[float] = []
            while time.monotonic() < end - 3 * INTERVAL_S:
                time.sleep(random.uniform(0, INTERVAL_S))
                rss.append(memory_mb(watcher.pid)[0])
                seen = len(rx.posts)
                broken = time.monotonic()
                lab.break_(FAULT)
                until(lambda s=seen: alerted(rx, s, "firing", FAILING_KEY), "the alert")
                detected.append(time.monotonic() - broken)
                seen = len(rx.posts)
                lab.heal(FAULT)
                until(lambda s=seen: alerted(rx, s, "resolved"), "the recovery")
                rss.append(memory_mb(watcher.pid)[0])
            time.sleep(max(0.0, end - time.monotonic()))
            wall = time.monotonic() - started
            cpu = cpu_seconds(watcher.pid) - started_cpu
            current, peak = memory_mb(watcher.pid)
        finally:
            watcher.terminate()
            watcher.wait(timeout=60)
            fleet.close()
    share = 100 * cpu / wall
    print(f"watch benchmark: one watcher, a sweep every {INTERVAL_S:g} s, {wall / 60:.1f} min, "
          f"{len(detected)} faults; {os.cpu_count()} cores")
    print(line("CPU share of one core", f"{share:.2f} %", "target < 2 %", share < 2))
    print(line("resident memory (peak)", f"{peak:.0f} MB", "target < 150 MB", peak < 150))
    print(line("resident memory (median of samples, at end)", f"{median([*rss, current]):.0f} MB / {current:.0f} MB"))
    if detected:
        limit = INTERVAL_S + 2
        print(line(f"fault -> alert at the receiver (median of {len(detected)})", f"{median(detected):.2f} s",
                   f"target <= {limit:g} s", median(detected) <= limit))
        print(line("  slowest", f"{max(detected):.2f} s", f"target <= {limit:g} s", max(detected) <= limit))
        print(line("  ratio slowest / interval", f"{max(detected) / INTERVAL_S:.2f}"))


if __name__ == "__main__":
    main()
