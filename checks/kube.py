"""Kube: each cluster's API server answers from here with the kubeconfig's credentials — ready,
its version, and who we are to it — or a message that says what is wrong with the path."""

from __future__ import annotations

import asyncio
from typing import Literal

from pydantic import BaseModel, ConfigDict

from drconsole.checks import _k8s
from drconsole.context import ClusterRole, Context
from drconsole.registry import check
from drconsole.results import Evidence, Outcome

WHOAMI = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
FIX_STEPS = {"fleet": "fleet.create", "ack": "design.same-vpc", "registered": "registered.agent-apply"}


class ApiParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cluster: Literal["fleet", "ack", "registered"]


def _evidence(ctx: Context, role: ClusterRole, asked: str, reply: _k8s.Reply) -> Evidence:
    return Evidence(source=f"kube:{ctx.kube_context(role)}", asked=asked, answer=reply.body, ms=reply.ms)


async def readyz(ctx: Context, role: ClusterRole) -> Evidence:
    """GET /readyz; raises KubeUnreachable unless the server says it is ready."""
    reply = await ctx.blocking(_k8s.request, ctx, role, "/readyz")
    if reply.status != 200:
        raise _k8s.KubeUnreachable(f"{_k8s.noun(role)} API server is not ready: {reply.body}", kind="http",
                                   fix="the API server is starting or its storage is unhealthy")
    return _evidence(ctx, role, "GET /readyz", reply)


@check("kube.api-ready", family="kube", title="The cluster's API server answers with our credentials", timeout=5.0)
async def api_ready(ctx: Context, params: ApiParams) -> Outcome:
    role: ClusterRole = params.cluster
    fix_step = FIX_STEPS[role]
    try:  # three questions side by side: one round trip to a server that may be across the internet
        ready, version, whoami = await asyncio.gather(
            readyz(ctx, role), ctx.blocking(_k8s.request, ctx, role, "/version"),
            ctx.blocking(_k8s.request, ctx, role, WHOAMI, "POST",
                         {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}))
    except _k8s.KubeUnreachable as exc:
        return Outcome.failed("KUBE-API-DOWN", exc.message, cause=exc.message, fix_step=fix_step, remedy=exc.fix)
    user = ((whoami.body.get("status") or {}).get("userInfo") or {}) if isinstance(whoami.body, dict) else {}
    evidence = (ready, _evidence(ctx, role, "GET /version", version),
                _evidence(ctx, role, f"POST {WHOAMI}", whoami))
    if not user.get("username"):
        return Outcome.failed("KUBE-NO-IDENTITY", f"{_k8s.noun(role)} did not say who the kubeconfig's user is",
                              *evidence, fix_step=fix_step)
    git_version = version.body.get("gitVersion", "?") if isinstance(version.body, dict) else "?"
    return Outcome.passed(f"{_k8s.noun(role)} ({ctx.kube_context(role)}) is ready, Kubernetes {git_version}, "
                          f"we are {user['username']}", *evidence)
