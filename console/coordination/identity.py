"""Who this console acts as, for every lock and every shared record.

In order: the user the Fleet authenticates the kubeconfig as (a SelfSubjectReview, so a token, a
certificate or an exec plugin all give the name the API server and its RBAC use), else the Alibaba
Cloud caller identity (the AccessKey ID and where it came from), else the OS user. The host is added
so two consoles of one person are told apart: `alice@laptop`."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from drconsole.context import Context

SA_PREFIX = "system:serviceaccount:"
REVIEW_PATH = "/apis/authentication.k8s.io/v1/selfsubjectreviews"


@dataclass(frozen=True)
class Identity:
    user: str  # as the source names it, e.g. "system:serviceaccount:drconsole:alice" or "LTAI... (keyring)"
    source: Literal["kubeconfig", "cloud", "os"]
    host: str

    @property
    def short(self) -> str:
        """The user without a service account's namespace prefix."""
        if self.user.startswith(SA_PREFIX):
            return self.user.rsplit(":", 1)[-1]
        return self.user.split(" ", 1)[0]

    @property
    def holder(self) -> str:
        """`user@host`: the Lease holder and the author of shared records."""
        return f"{self.short}@{self.host}"

    def to_record(self) -> dict[str, str]:
        return {"user": self.user, "source": self.source, "host": self.host}


def fleet_user(api: Any) -> str | None:
    """The username the Fleet authenticates this client as, or None when it cannot say."""
    from drconsole.coordination.fleet import FleetError, kube_call

    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    try:
        answer = kube_call(api, "POST", REVIEW_PATH, body, verb="create", resource="selfsubjectreviews",
                           namespace="")
    except FleetError:
        return None
    user = ((answer or {}).get("status", {}).get("userInfo", {}) or {}).get("username")
    return str(user) if user else None


def resolve(ctx: Context) -> Identity:
    """This console's identity (one Fleet request; no exception: the OS user is the last resort)."""
    host = socket.gethostname().split(".", 1)[0] or "localhost"
    try:
        user = fleet_user(ctx.kube("fleet"))
    except Exception:  # a bad kubeconfig: the record must still say who acted
        user = None
    if user:
        return Identity(user, "kubeconfig", host)
    cloud = ctx.cloud_identity()
    if cloud and not cloud.startswith("unresolved"):
        return Identity(cloud, "cloud", host)
    return Identity(ctx.operator, "os", host)
