"""Route checks over a big kernel table: 100,000 routes in the lab's data-center namespace, then the
kernel route decision for every range the routes checks ask about, as one batch the way `routes.via-vbr`
asks (target < 50 ms per batch). Loading the 100,000 routes (`ip -batch`) is timed apart and is outside
the figure."""

from __future__ import annotations

import ipaddress
import subprocess
import tempfile
import time

from common import bench_lab, line, median, private_home

ROUTES = 100_000
RUNS = 50


def main() -> None:
    home = private_home()
    from drconsole.vantage import route_get, route_get_many

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
        batches, singles = [], []
        for _ in range(RUNS):  # the figure: the whole batch, as the check asks it
            started = time.perf_counter()
            decisions = route_get_many(vantage, targets)
            batches.append(time.perf_counter() - started)
            started = time.perf_counter()  # for comparison: one namespace entry and socket per lookup
            for target in targets:
                route_get(vantage, target)
            singles.append(time.perf_counter() - started)
        assert all(d.gateway == gateway for d in decisions), [d.describe() for d in decisions]
    per_batch, one_by_one = median(batches) * 1000, median(singles) * 1000
    print(f"routes benchmark: {count} routes in {vantage} (loaded in {loaded:.1f} s, not part of the figure), "
          f"batch of {len(targets)} lookups")
    print(line(f"route decisions per batch (median of {RUNS})", f"{per_batch:.2f} ms", "target < 50 ms",
               per_batch < 50))
    print(line(f"the same lookups one by one (median of {RUNS})", f"{one_by_one:.2f} ms"))


if __name__ == "__main__":
    main()
