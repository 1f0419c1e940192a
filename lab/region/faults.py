"""The region's faults. The API faults and `fleet-detach` are flags the region process reads on
every request; `agent` removes the registered cluster's agent from the external plane itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from drconsole.errors import LabError
from drconsole.lab.env import CallbackFault, LabEnv
from drconsole.lab.region.config import REGION, set_flag

if TYPE_CHECKING:
    from drconsole.lab.region.kube import Plane


def _flag(name: str, on: bool) -> Callable[[LabEnv], None]:
    def change(env: LabEnv) -> None:
        from drconsole.lab.region.part import region_dir

        set_flag(region_dir(env), name, on)
    return change


def _registered_cluster(env: LabEnv) -> str | None:
    """The registered cluster whose agent was in place: heard by the registration endpoint, or built so."""
    from drconsole.lab.net.register import registrations
    from drconsole.lab.region.part import read_state

    state, heard = read_state(env), registrations(env)
    return next((cid for cid, c in state.get("clusters", {}).items() if c["cluster_type"] == "ExternalKubernetes"
                 and (cid in heard or cid == state.get("registered_cluster_id"))), None)


def _idc_plane(env: LabEnv) -> Plane:
    from drconsole.lab.region.kube import Plane, PlaneUnavailable

    try:
        return Plane(env, "idc")
    except PlaneUnavailable as exc:
        raise LabError(f"the external (idc) control plane is not available: {exc}",
                       fix="run `drconsole lab up` first") from None


def _remove_agent(env: LabEnv) -> None:
    from drconsole.lab.region import agent

    plane = _idc_plane(env)
    try:
        agent.remove(plane)
    finally:
        plane.close()


def _apply_agent(env: LabEnv) -> None:
    from drconsole.lab.region import agent

    cluster_id = _registered_cluster(env)
    if cluster_id is None:
        raise LabError("no registered cluster's agent has connected yet, so there is no agent to restore",
                       fix="register the cluster and apply its agent (or start the lab with --state built)")
    plane = _idc_plane(env)
    try:
        agent.apply(plane, cluster_id, REGION, internal=True)
    finally:
        plane.close()


def _capacity(fault: str, inject: bool) -> Callable[[LabEnv], None]:
    """Put the registered cluster's elastic capacity on the external plane as it is with `fault`
    injected (or healed); `ecs-pool-empty` is also a flag, so the node pool API agrees."""
    def change(env: LabEnv) -> None:
        if fault == "ecs-pool-empty":
            _flag(fault, inject)(env)
        broken = env.broken() | {fault} if inject else env.broken() - {fault}
        sync_capacity(env, broken)
    return change


def sync_capacity(env: LabEnv, broken: set[str]) -> None:
    from drconsole.lab.region import capacity
    from drconsole.lab.region.part import read_state

    state = read_state(env)
    if not state.get("node_pools") and not state.get("virtual_node"):
        return
    plane = _idc_plane(env)
    try:
        capacity.sync(plane, state, REGION, broken)
    finally:
        plane.close()


def ensure_capacity(env: LabEnv) -> None:
    """At `lab up`: the node pools' instances and ack-virtual-node on the external plane (it may have
    been rebuilt empty), with the faults in force."""
    from drconsole.lab.region.kube import kubeconfig_path

    if kubeconfig_path(env) is not None:
        sync_capacity(env, env.broken())


def ensure_agent(env: LabEnv) -> None:
    """At `lab up`: put back the agent of a registered cluster that was connected (the planes may
    have been rebuilt empty), unless the `agent` fault is in force or there is no kube part."""
    from drconsole.lab.region.kube import kubeconfig_path

    if "agent" in env.broken() or kubeconfig_path(env) is None or _registered_cluster(env) is None:
        return
    _apply_agent(env)


def all_faults() -> dict[str, CallbackFault]:
    faults = [
        CallbackFault("region-throttle", "every region API call is refused with the cloud's throttling error",
                    _flag("region-throttle", True), _flag("region-throttle", False)),
        CallbackFault("region-5xx", "every region API call fails with 503 ServiceUnavailable",
                    _flag("region-5xx", True), _flag("region-5xx", False)),
        CallbackFault("region-lost-response", "every Create* call that creates something is committed, then its "
                    "connection is closed without an answer (a retry with the same ClientToken gets the answer)",
                    _flag("region-lost-response", True), _flag("region-lost-response", False)),
        CallbackFault("clock-skew", "the caller's clock is 20 minutes behind the region's: every signed call is "
                    "refused as expired (InvalidTimeStamp.Expired)",
                    _flag("clock-skew", True), _flag("clock-skew", False)),
        CallbackFault("region-slow", "every region API call answers only after about 5 seconds",
                    _flag("region-slow", True), _flag("region-slow", False)),
        CallbackFault("agent", "the registered cluster's ack-cluster-agent Deployment is deleted from the "
                    "external cluster", _remove_agent, _apply_agent),
        CallbackFault("fleet-detach", "the registered cluster is detached from the Fleet (and leaves Argo CD)",
                    _flag("fleet-detach", True), _flag("fleet-detach", False)),
        CallbackFault("ecs-pool-empty", "the registered cluster's ECS node pool is scaled to 0: its instances "
                    "leave the external cluster", _capacity("ecs-pool-empty", True),
                    _capacity("ecs-pool-empty", False)),
        CallbackFault("virtual-node-notready", "the virtual node stops reporting (Ready Unknown, unreachable "
                    "taints)", _capacity("virtual-node-notready", True), _capacity("virtual-node-notready", False)),
        CallbackFault("eci-single-zone", "the eci-profile lists the zone-B vSwitch only",
                    _capacity("eci-single-zone", True), _capacity("eci-single-zone", False)),
    ]
    return {fault.name: fault for fault in faults}
