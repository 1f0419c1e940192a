"""Route checks over a big kernel table: 100,000 routes in the lab's data-center namespace, then the
kernel route decision for every range the routes checks ask about (target < 50 ms per batch)."""

from __future__ import annotations

import ipaddress
import subprocess
import tempfile
import time

from common import bench_lab, line, median, private_home

ROUTES = 100_000


def main() -> None:
    home = private_home()
    from drconsole.vantage import route_get

    with bench_lab(home, lab_id="rs") as (_env, profile):
        vantage = profile.network.vantage_netns
        if not vantage:
            print("routes benchmark needs namespace mode (root); skipped")
            return
        ranges = [*profile.network.vpc_cidrs, *profile.services.acr.vip_ranges, *profile.services.oss.vip_ranges]
        targets = [str(next(iter(net.hosts())) if net.num_addresses > 1 else net.network_address) for net in ranges]
        device = route_get(vantage, targets[0]).interface
        gateway = str(profile.network.bgp.vbr_peer_ip)
        with tempfile.NamedTemporaryFile("w", suffix=".batch", delete=False) as batch:
            base = ipaddress.IPv4Network("172.16.0.0/12")
            for i, subnet in enumerate(base.subnets(new_prefix=29)):
                if i == ROUTES:
                    break
                batch.write(f"route add {subnet} via {gateway} dev {device}\n")
        started = time.monotonic()
        subprocess.run(["ip", "-n", vantage, "-batch", batch.name], check=True)
        loaded = time.monotonic() - started
        count = len(subprocess.run(["ip", "-n", vantage, "route"], capture_output=True, text=True,
                                   check=True).stdout.splitlines())
        timings = []
        for _ in range(20):
            started = time.monotonic()
            decisions = [route_get(vantage, target) for target in targets]
            timings.append(time.monotonic() - started)
        assert all(d.gateway == gateway for d in decisions), [d.describe() for d in decisions]
    per_batch = median(timings) * 1000
    print(f"routes benchmark: {count} routes in {vantage} (loaded in {loaded:.1f} s), batch of {len(targets)} lookups")
    print(line("route decisions per batch (median of 20)", f"{per_batch:.1f} ms", "target < 50 ms", per_batch < 50))


if __name__ == "__main__":
    main()
