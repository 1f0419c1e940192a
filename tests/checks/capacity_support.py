"""Load for zone A: a Pod in the lab's ACK cluster that requests `cpu` cores (no Deployment: the lab
has no garbage collector to remove a Deployment's Pods), deleted on exit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drconsole.lab.env import LabEnv

POD_PATH = "/api/v1/namespaces/default/pods/drconsole-load"


@contextmanager
def zone_a_load(lab_env: LabEnv, cpu: float) -> Iterator[None]:
    from drconsole.lab.region.kube import Plane

    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "drconsole-load", "namespace": "default"},
           "spec": {"nodeName": "ack-node-1", "automountServiceAccountToken": False, "containers": [{
               "name": "load", "image": "nginx", "resources": {"requests": {"cpu": f"{cpu:.1f}", "memory": "1Gi"}}}]}}
    ack = Plane(lab_env, "ack")
    try:
        ack.apply(POD_PATH, pod)
        yield
    finally:
        ack.request("DELETE", f"{POD_PATH}?gracePeriodSeconds=0")
        ack.close()
