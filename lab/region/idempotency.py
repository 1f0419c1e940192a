"""ClientToken, as the Create* operations document it: a request that repeats a token the region has
already seen for that operation gets the first request's answer, and nothing new is created.

The SDK models (vpc CreateVirtualBorderRouter/CreateBgpGroup/CreateBgpPeer, cbn CreateCen and the
transit-router attachments, cs CreateCluster) describe ClientToken as the client's key "to ensure the
idempotence of the request"; without one the request ID is used, so every request is new.
"""

from __future__ import annotations

from typing import Any

from drconsole.lab.region.ops.registry import Operation
from drconsole.lab.region.region import Region
from drconsole.lab.region.wire import Params

TOKEN_PARAMS = ("ClientToken", "client_token")  # RPC (PascalCase) and cs ROA (snake_case) spellings


def token_of(operation: Operation, params: Params) -> str | None:
    if not operation.mutating:
        return None
    return next((token for name in TOKEN_PARAMS if (token := params.text(name))), None)


def _key(operation: Operation, token: str) -> str:
    return f"{operation.product}:{operation.action}:{token}"


def replay(region: Region, operation: Operation, token: str) -> dict[str, Any] | None:
    """The answer of the earlier request with this token, if there was one."""
    with region.store.read() as state:
        answer = state.get("client_tokens", {}).get(_key(operation, token))
    return dict(answer) if answer is not None else None


def remember(region: Region, operation: Operation, token: str, answer: dict[str, Any]) -> None:
    with region.store.write() as state:
        state.setdefault("client_tokens", {})[_key(operation, token)] = answer
