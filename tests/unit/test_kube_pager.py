"""The Kubernetes list pager when a continue token outlives the API server's history (410 Expired).

No lab API server can be made to expire a token on demand (its watch cache serves continued pages, and it learns
of compactions only from its own compactor, every 5 minutes), so the pages come from a stand-in `request`; the
410 it answers is the upstream Status body, judged by the same `status_error` as a real answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from drconsole.checks import _k8s

NODES = [{"metadata": {"name": f"node-{i}"}} for i in range(5)]
# What kube-apiserver answers to a continue token older than its compacted history (apimachinery's
# NewResourceExpired with the continue-expired message), trimmed to the fields a client reads.
EXPIRED = json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {"continue": "inconsistent-rest"},
                      "status": "Failure", "reason": "Expired", "code": 410,
                      "message": "The provided continue parameter is too old to display a consistent list result."})


class _Ctx:
    """The two things the pager asks of a Context."""

    async def blocking(self, fn: Callable[..., Any], *args: Any) -> Any:
        return fn(*args)

    def kube_context(self, role: str) -> str:
        return role


def _serving(expire_at: int | None, reason: str = "Expired") -> tuple[list[str], Callable[..., _k8s.Reply]]:
    """A stand-in for `_k8s.request` over NODES, one item a page; the page at index `expire_at` answers 410."""
    asked: list[str] = []

    def request(ctx: Any, role: str, path: str) -> _k8s.Reply:
        asked.append(path)
        query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        if "limit" not in query:
            return _k8s.Reply(200, {"items": NODES}, 1.0)
        start = int(query.get("continue", "0"))
        if start == expire_at:
            body = EXPIRED if reason == "Expired" else EXPIRED.replace('"Expired"', json.dumps(reason))
            error = _k8s.status_error("registered", "https://idc", "GET", path, 410, body.encode())
            assert error is not None
            raise error
        more = {"continue": str(start + 1)} if start + 1 < len(NODES) else {}
        return _k8s.Reply(200, {"items": NODES[start:start + 1], "metadata": more}, 1.0)

    return asked, request


async def test_an_expired_continue_token_reads_the_list_again_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    asked, request = _serving(expire_at=3)
    monkeypatch.setattr(_k8s, "request", request)
    items, evidence = await _k8s.get_list(_Ctx(), "registered", "/api/v1/nodes", chunk=1)  # type: ignore[arg-type]
    assert items == NODES  # each node once: the pages before the 410 are dropped, not added to
    assert asked[-1] == "/api/v1/nodes" and len(asked) == 5  # three pages, the expired fourth, one whole read
    assert evidence.answer == {"items": len(NODES)}
    assert "410 Expired" in evidence.asked


async def test_a_410_on_the_first_page_or_of_another_reason_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    for expire_at, reason in ((0, "Expired"), (2, "Gone")):
        asked, request = _serving(expire_at, reason)
        monkeypatch.setattr(_k8s, "request", request)
        with pytest.raises(_k8s.KubeUnreachable) as raised:
            await _k8s.get_list(_Ctx(), "registered", "/api/v1/nodes", chunk=1)  # type: ignore[arg-type]
        assert raised.value.kind == ("expired" if reason == "Expired" else "http")
        assert len(asked) == expire_at + 1  # nothing asked after the refused page
