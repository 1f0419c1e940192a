"""What the setup wizard asks the cloud and the kubeconfig, with credentials not yet stored anywhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, get_args

from drconsole.cen import virtual_border_routers
from drconsole.paging import listing
from drconsole.profile import Cloud, Product

PRODUCTS_ALL: tuple[str, ...] = get_args(Product)
CHEAP_CALL = ("adcp", "DescribeHubClusters")


@dataclass
class Found:
    fleets: list[dict[str, Any]] = field(default_factory=list)  # {id, name, state, vpc_id}
    clusters: list[dict[str, Any]] = field(default_factory=list)  # {id, name, type, zone, vpc_id, vswitch_ids}
    vbrs: list[dict[str, Any]] = field(default_factory=list)  # {id, name, local_ip, peer_ip, pc_id}
    cens: list[dict[str, Any]] = field(default_factory=list)  # {id, name}
    problems: list[str] = field(default_factory=list)


def cloud_section(region: str, endpoint: str | None, protocol: str) -> Cloud:
    endpoints = {p: endpoint for p in PRODUCTS_ALL} if endpoint else {}
    return Cloud.model_validate({"region": region, "endpoints": endpoints, "protocol": protocol})


class Probe:
    """SDK clients for a Cloud section and a credential that lives only in memory."""

    def __init__(self, cloud: Cloud, access_key_id: str | None, secret: str | None) -> None:
        from drconsole.cloud import Credentials

        source = "wizard" if access_key_id else "credential chain"
        self.credentials = Credentials(access_key_id, secret, source)
        self.shim: Any = SimpleNamespace(cloud=cloud, name="wizard")
        self.cloud = cloud
        self._clients: dict[str, Any] = {}

    def call(self, product: str, action: str, **fields: Any) -> dict[str, Any]:
        import re

        from drconsole.cloud import call, make_client, models

        if product not in self._clients:
            self._clients[product] = make_client(self.shim, self.credentials, product)
        client = self._clients[product]
        method = getattr(client, re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower().replace("v_1", "v1"))
        request = getattr(models(product), f"{action}Request")(**fields)
        response = call(product, action, lambda: method(request), attempts=1,
                        hidden=self.credentials.hidden())
        return dict(response.body.to_map())

    def verify(self) -> str:
        """One cheap read; raises CloudError (e.g. SignatureDoesNotMatch) when the credential is wrong."""
        body = self.call(*CHEAP_CALL)
        return f"credentials accepted ({len(body.get('Clusters') or [])} Fleet(s) visible)"

    def discover(self) -> Found:
        from drconsole.errors import DrconsoleError

        found = Found()
        region = self.cloud.region
        lookups = (
            ("Fleets", lambda: self._fleets(found)),
            ("clusters", lambda: self._clusters(found, region)),
            ("VBRs", lambda: self._vbrs(found, region)),
            ("CENs", lambda: self._cens(found)),
        )
        for what, lookup in lookups:
            try:
                lookup()
            except DrconsoleError as exc:
                found.problems.append(f"{what}: {exc.message}")
        return found

    def _fleets(self, found: Found) -> None:
        for item in self.call("adcp", "DescribeHubClusters").get("Clusters") or []:
            info, net = item.get("ClusterInfo") or {}, item.get("Network") or {}
            found.fleets.append({"id": info.get("ClusterId"), "name": info.get("Name"), "state": info.get("State"),
                                 "vpc_id": net.get("VpcId")})

    def _clusters(self, found: Found, region: str) -> None:
        for item in listing(self.call, "cs", "DescribeClustersV1", "clusters", region_id=region, page_size=100):
            found.clusters.append({"id": item.get("cluster_id"), "name": item.get("name"),
                                   "type": item.get("cluster_type"), "zone": item.get("zone_id"),
                                   "vpc_id": item.get("vpc_id"), "vswitch_ids": item.get("vswitch_ids") or []})

    def _vbrs(self, found: Found, region: str) -> None:
        for item in virtual_border_routers(self.call, region):
            found.vbrs.append({"id": item.get("VbrId"), "name": item.get("Name"),
                               "local_ip": item.get("LocalGatewayIp"), "peer_ip": item.get("PeerGatewayIp"),
                               "pc_id": item.get("PhysicalConnectionId")})

    def _cens(self, found: Found) -> None:
        for item in listing(self.call, "cbn", "DescribeCens", "Cens.Cen", page_size=50):
            found.cens.append({"id": item.get("CenId"), "name": item.get("Name")})
