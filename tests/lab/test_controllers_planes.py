"""The lab controllers on the real planes of the built lab: MseIngressConfig phases, Argo CD
sync to both member planes, and the Fleet Ingress rendered into the real gateway, including the
active-standby fallback when zone A's backend is broken."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from drconsole.lab.controllers import manifests
from drconsole.lab.controllers.kubeapi import Kube, api_path
from drconsole.lab.env import LabEnv

pytestmark = [pytest.mark.lab, pytest.mark.kube]
T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value:
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not seen within {timeout} s (last value {value!r})")
        time.sleep(0.1)
        value = predicate()
    return value


@pytest.fixture(scope="module")
def planes(lab: dict[str, Any]) -> Iterator[dict[str, Kube]]:
    kubes = {p: Kube.from_kubeconfig(lab["kube"]["kubeconfig"], p) for p in ("fleet", "ack", "idc")}
    yield kubes
    for kube in kubes.values():
        kube.close()


def ids(lab: dict[str, Any]) -> tuple[str, str]:
    region_ids = lab["region"]["ids"]
    return region_ids["ack_cluster_id"], region_ids["registered_cluster_id"]


def served(env: LabEnv) -> str | None:
    """The zone whose copy of the app the gateway served (the lab's own record of each zone's page)."""
    from drconsole.lab.controllers.part import served_zone

    return served_zone(env)


def test_applicationset_syncs_the_app_to_both_member_planes(lab: dict[str, Any], planes: dict[str, Kube]) -> None:
    ack, registered = ids(lab)
    apps = wait_for(lambda: [a for a in planes["fleet"].list(api_path("argoproj.io/v1alpha1", "applications", "argocd"))
                             if (a.get("status") or {}).get("sync", {}).get("status") == "Synced"
                             and a["status"].get("health", {}).get("status") == "Healthy"], 30,
                    "Synced/Healthy Applications")
    assert {a["metadata"]["name"] for a in apps} >= {f"{ack}-web-demo", f"{registered}-web-demo"}
    for plane, cluster in (("ack", ack), ("idc", registered)):
        pods = planes[plane].list(api_path("v1", "pods", "demo"))
        assert pods, f"no pods on {plane}"
        assert {p["metadata"]["labels"]["topology.istio.io/cluster"] for p in pods} == {cluster}
        assert all(c["status"] == "True" for p in pods for c in p["status"]["conditions"] if c["type"] == "Ready")


def test_mse_ingress_config_goes_pending_running_listening(lab: dict[str, Any], planes: dict[str, Kube]) -> None:
    fleet = planes["fleet"]
    config = manifests.mse_ingress_config(list(ids(lab)))
    config["metadata"]["name"] = "phases-test"
    config["spec"]["ingress"]["local"]["ingressClass"] = "phases-test"
    path = api_path("mse.alibabacloud.com/v1alpha1", "mseingressconfigs", name="phases-test")
    seen: list[str] = []
    fleet.apply(config, "mseingressconfigs", "test")
    try:
        def phase() -> bool:
            status = ((fleet.get(path) or {}).get("status") or {}).get("status")
            if status and (not seen or seen[-1] != status):
                seen.append(status)
            return status == "Listening"
        wait_for(phase, 15, "Listening")
        assert seen[-2:] == ["Running", "Listening"] and seen[0] in ("Pending", "Running")
    finally:
        fleet.delete(path)


def test_mse_ingress_config_fails_for_a_cluster_not_in_the_fleet(planes: dict[str, Kube], lab: dict[str, Any]) -> None:
    fleet = planes["fleet"]
    config = manifests.mse_ingress_config(["c0000000000000000000000000000dead"])
    config["metadata"]["name"] = "unattached-test"
    path = api_path("mse.alibabacloud.com/v1alpha1", "mseingressconfigs", name="unattached-test")
    fleet.apply(config, "mseingressconfigs", "test")
    try:
        def failed() -> dict[str, Any] | None:
            status = (fleet.get(path) or {}).get("status") or {}
            return status if status.get("status") == "Failed" else None
        status = wait_for(failed, 10, "Failed")
        assert status is not None
        assert "c0000000000000000000000000000dead" in status["message"]
    finally:
        fleet.delete(path)


def test_pinned_ingress_serves_zone_a_then_falls_back_and_returns(lab: dict[str, Any], lab_env: LabEnv) -> None:
    from drconsole.lab.lab import Lab

    wait_for(lambda: served(lab_env) == "a", 20, "served from zone A")
    Lab(lab_env).break_("zone-a")
    try:
        wait_for(lambda: served(lab_env) == "b", 20, "fallback to zone B")
    finally:
        Lab(lab_env).heal("zone-a")
    wait_for(lambda: served(lab_env) == "a", 20, "back to zone A")


def test_plain_ingress_spreads_across_both_zones(lab: dict[str, Any], planes: dict[str, Kube],
                                                 lab_env: LabEnv) -> None:
    from drconsole.lab.net.gateway import current_routing

    fleet = planes["fleet"]
    path = api_path("networking.k8s.io/v1", "ingresses", "demo", manifests.INGRESS)
    pinned = fleet.get(path)
    assert pinned is not None
    fleet.merge(path, {"metadata": {"annotations": {"mse.ingress.kubernetes.io/service-subset": None,
                                                    "mse.ingress.kubernetes.io/subset-labels": None}}})
    try:
        wait_for(lambda: current_routing(lab_env).weights == {"a": 1, "b": 1}, 10, "weights spread a:b = 1:1")
        # routing.json is written before the gateway has reloaded it: wait for the answers, not the file
        wait_for(lambda: {served(lab_env) for _ in range(8)} == {"a", "b"}, 10, "answers from both zones")
    finally:
        annotations = pinned["metadata"]["annotations"]
        fleet.merge(path, {"metadata": {"annotations": {
            k: annotations[k] for k in ("mse.ingress.kubernetes.io/service-subset",
                                        "mse.ingress.kubernetes.io/subset-labels")}}})


def test_gateway_keeps_both_clusters_with_gitops_off(lab: dict[str, Any], planes: dict[str, Kube],
                                                     region_lab: Any, lab_env: LabEnv) -> None:
    """Membership follows Fleet association, not Argo CD: with GitOps off (no cluster Secrets) the
    MseIngressConfig stays Listening with both clusters and the app is still served through it."""
    from alibabacloud_adcp20220101 import models as adcp

    fleet, client = planes["fleet"], region_lab.client("adcp")
    fleet_id = lab["region"]["ids"]["fleet_id"]
    secrets = "/api/v1/namespaces/argocd/secrets?labelSelector=argocd.argoproj.io%2Fsecret-type%3Dcluster"
    configs = "/apis/mse.alibabacloud.com/v1alpha1/mseingressconfigs"
    client.update_hub_cluster_feature(adcp.UpdateHubClusterFeatureRequest(cluster_id=fleet_id, argo_cdenabled=False))
    try:
        wait_for(lambda: not (fleet.get(secrets) or {}).get("items"), 15, "Argo CD cluster Secrets removed")
        time.sleep(2)  # several controller passes without any cluster Secret
        phases = [(c.get("status") or {}).get("status") for c in (fleet.get(configs) or {}).get("items") or []]
        assert phases == ["Listening"]
        assert served(lab_env) == "a"
    finally:
        client.update_hub_cluster_feature(adcp.UpdateHubClusterFeatureRequest(cluster_id=fleet_id,
                                                                              argo_cdenabled=True,
                                                                              argo_cdhaenabled=True))
    wait_for(lambda: len((fleet.get(secrets) or {}).get("items") or []) == 2, 15, "Argo CD cluster Secrets back")


def test_a_pass_reuses_a_read_until_its_plane_is_written(lab: dict[str, Any], planes: dict[str, Kube]) -> None:
    """Within one reconcile pass a repeated GET is answered from the pass's first read; the pass's own write
    forgets it. Another client's write in between is what shows which answer came back."""
    fleet, configmaps = planes["fleet"], api_path("v1", "configmaps", "default")
    seen, written = f"{configmaps}/pass-memo-seen", f"{configmaps}/pass-memo-written"
    other = Kube.from_kubeconfig(lab["kube"]["kubeconfig"], "fleet")
    try:
        for path in (seen, written):
            fleet.request("DELETE", path)
        with fleet.one_pass():
            assert fleet.get(seen) is None
            other.create(configmaps, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "pass-memo-seen"}})
            assert fleet.get(seen) is None  # the pass's first answer
            fleet.create(configmaps, {"apiVersion": "v1", "kind": "ConfigMap",
                                      "metadata": {"name": "pass-memo-written"}})
            assert fleet.get(seen) is not None  # after a write the plane is asked again
        assert fleet.get(written) is not None
    finally:
        for path in (seen, written):
            other.request("DELETE", path)
        other.close()
