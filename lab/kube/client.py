"""A `kubernetes` API client for one lab plane, for lab code that needs the official client."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from drconsole.errors import LabError
from drconsole.lab.env import LabEnv
from drconsole.lab.kube.planes import Layout

if TYPE_CHECKING:
    from kubernetes.client import ApiClient


def api_client(env_or_kubeconfig: LabEnv | str | Path, context: str) -> ApiClient:
    """An ApiClient for `context` (fleet, ack or idc) from the lab's kubeconfig (or the one given)."""
    from kubernetes import config

    if isinstance(env_or_kubeconfig, LabEnv):
        kubeconfig = Layout(env_or_kubeconfig).kubeconfig
        if not kubeconfig.exists():
            raise LabError("the kube control planes are not up", where=str(kubeconfig),
                           fix="run `drconsole lab up` first")
    else:
        kubeconfig = Path(env_or_kubeconfig)
    return config.new_client_from_config(config_file=str(kubeconfig), context=context)
