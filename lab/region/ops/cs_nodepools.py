"""ACK node pools (cs 2015-12-15, ROA): DescribeClusterNodePools for the registered cluster's ECS pools."""

from __future__ import annotations

from typing import Any

from drconsole.lab.region import capacity, ids
from drconsole.lab.region.ops.cs import find_cluster
from drconsole.lab.region.ops.registry import roa
from drconsole.lab.region.region import Region
from drconsole.lab.region.wire import Params


@roa("GET", "/clusters/{ClusterId}/nodepools", "DescribeClusterNodePools")
def describe_cluster_node_pools(region: Region, params: Params) -> dict[str, Any]:
    cluster = find_cluster(region, params.need("ClusterId"))
    wanted = params.text("NodepoolName")
    with region.store.read() as state:
        pools = [dict(p) for p in state.get("node_pools", {}).values()
                 if p["cluster_id"] == cluster["cluster_id"] and (not wanted or p["name"] == wanted)]
    emptied = "ecs-pool-empty" in region.flags()
    return {"nodepools": [capacity.pool_view(p, region.region_id, emptied, ids.cs_time(p["created"]))
                          for p in pools]}
