"""Everything a check or action needs about the environment, built lazily from a profile."""

from __future__ import annotations

import asyncio
import contextvars
import getpass
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, TypeVar

from drconsole.profile import Product, Profile

T = TypeVar("T")
ClusterRole = Literal["fleet", "ack", "registered"]


class Context:
    def __init__(self, profile: Profile, *, read_only: bool | None = None, operator: str | None = None,
                 max_threads: int = 24) -> None:
        self.profile = profile
        self.read_only = profile.read_only if read_only is None else read_only
        self.operator = operator or os_user()
        self._executor = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="drconsole")
        self._lock = threading.Lock()
        self._credentials: Any = None
        self._clients: dict[str, Any] = {}

    # -- blocking work ----------------------------------------------------------------------------
    async def blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking call (SDK, socket, subprocess) in the context's thread pool, with the caller's
        context variables (its deadline budget among them)."""
        caller = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(self._executor, caller.run, fn, *args)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- cloud ------------------------------------------------------------------------------------
    def credentials(self) -> Any:
        from drconsole.cloud import resolve_credentials

        with self._lock:
            if self._credentials is None:
                self._credentials = resolve_credentials(self.profile)
            return self._credentials

    def cloud_identity(self) -> str:
        try:
            return str(self.credentials().identity())
        except Exception as exc:  # the audit trail must never fail because credentials are missing
            return f"unresolved ({type(exc).__name__})"

    def cloud(self, product: Product) -> Any:
        """The product's SDK client. Building it (the first one imports the SDK, seconds on a loaded machine)
        is set-up, not waiting on the cloud: it is exempted from the calling check's deadline budget."""
        from drconsole import deadline
        from drconsole.cloud import make_client

        with deadline.setting_up():
            credentials = self.credentials()
            with self._lock:
                key = f"cloud:{product}"
                if key not in self._clients:
                    self._clients[key] = make_client(self.profile, credentials, product)
                return self._clients[key]

    def cloud_call(self, product: Product, action: str, fn: Callable[[], T]) -> T:
        """One blocking SDK call with retries and clean errors (run it through `blocking`)."""
        from drconsole import deadline
        from drconsole.cloud import call

        with deadline.setting_up():  # resolving credentials waits for clients other threads are building
            hidden = self.credentials().hidden()
        return call(product, action, fn, hidden=hidden)

    # -- kube -------------------------------------------------------------------------------------
    def kube_context(self, role: ClusterRole) -> str:
        return str(getattr(self.profile.clusters, role).context)

    def kube(self, role: ClusterRole) -> Any:
        """A kubernetes ApiClient for the fleet, the ACK cluster or the registered cluster (building it is
        set-up, exempt from the calling check's deadline budget)."""
        from drconsole import deadline
        from drconsole.kube import api_client

        with deadline.setting_up(), self._lock:
            key = f"kube:{role}"
            if key not in self._clients:
                self._clients[key] = api_client(self.profile.clusters.kubeconfig, self.kube_context(role))
            return self._clients[key]


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
