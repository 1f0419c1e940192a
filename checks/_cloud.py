"""One cloud API call for a check: the SDK call through the context (retries included), its answer
as plain JSON for the evidence, and throttling or server errors said in words."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from drconsole import sweepreads
from drconsole.errors import DrconsoleError
from drconsole.results import Evidence

if TYPE_CHECKING:
    from drconsole.context import Context
    from drconsole.profile import Product

# A cloud check answers in well under a second. Throttling and 5xx are retried only while a retry fits in
# this timeout (drconsole.cloud, drconsole.deadline) and are reported in words, while a region that takes
# 5 s per call (the lab's `region-slow`) must end in `error` at this timeout rather than a late pass.
CLOUD_TIMEOUT = 4.5


class CloudUnavailable(DrconsoleError):
    """The API did not give an answer the check can judge (throttled or failing after retries)."""

    finding = "CLOUD-UNAVAILABLE"


async def ask(ctx: Context, product: Product, action: str, call: Callable[..., Any], asked: str = "",
              pages: str | None = None) -> tuple[dict[str, Any], Evidence]:
    """Run `call(client, models)` and return the response body as a dict, plus the evidence. With `pages` (the
    dotted path of the answer's list) every page is read (drconsole.paging): `call` then takes the page's
    fields as keywords and puts them in its request. Within a sweep, checks making the same read share one
    call (drconsole.sweepreads)."""
    from drconsole.cloud import CloudError, models
    from drconsole.paging import every_page

    def one(page: dict[str, Any]) -> dict[str, Any]:
        response = ctx.cloud_call(product, action, lambda: call(ctx.cloud(product), models(product), **page))
        return response.body.to_map() if response.body is not None else {}

    def send() -> dict[str, Any]:
        return every_page(one, pages, f"{product}:{action}") if pages else one({})

    def answer() -> dict[str, Any]:  # in the worker thread, where the client is built and its SDK imported
        # Built here, under this check's own budget (set-up, exempt), never inside a shared read: a check waiting
        # on another's read must not spend its timeout on that check's SDK import.
        ctx.cloud(product)
        reads = sweepreads.current()
        if reads is None or not sweepreads.is_read(action):
            return send()
        return reads.share((product, action, call(RequestOf(), models(product))), send)

    started = time.monotonic()
    try:
        body = await ctx.blocking(answer)
    except CloudError as exc:
        raise in_words(exc) from None
    body = {key: value for key, value in body.items() if key not in ("RequestId", "request_id")}
    evidence = Evidence(source=f"{product}:{action}", asked=asked, answer=body,
                        ms=round((time.monotonic() - started) * 1000, 1))
    return body, evidence


class RequestOf:
    """Stands in for an SDK client to tell which request a call would send: the client method and its
    arguments (request models as their wire maps), a key for sharing the answer."""

    def __getattr__(self, method: str) -> Callable[..., tuple[str, str]]:
        def request(*args: Any) -> tuple[str, str]:
            wire = [arg.to_map() if hasattr(arg, "to_map") else arg for arg in args]
            return method, json.dumps(wire, sort_keys=True, default=str)
        return request


def in_words(exc: Any) -> Any:
    """Throttling, a 5xx after retries or an unreachable endpoint as CloudUnavailable; else `exc` itself."""
    where = f"{exc.product}:{exc.action}"
    if exc.code.startswith("Throttling"):
        return CloudUnavailable(f"{where}: the API throttled the request ({exc.code}) even after retries with "
                                "backoff", fix="the account's API rate limit is exhausted; wait a minute and "
                                               "check again, and look for other tools calling the same API")
    if exc.status is not None and exc.status >= 500:
        return CloudUnavailable(f"{where}: the API kept failing with HTTP {exc.status} {exc.code} (request ID "
                                f"{exc.request_id}) after retries",
                                fix="a temporary failure on the cloud side; retry later, and quote request ID "
                                    f"{exc.request_id} to support if it persists")
    if exc.code == "ConnectionError":
        return CloudUnavailable(f"{where}: the API endpoint could not be reached ({exc.message})",
                                fix="check the endpoint in the profile (cloud.endpoints) and the network path")
    return exc  # a specific answer (not found, denied...) the check may judge itself


def not_found(exc: Any) -> bool:
    """Whether a CloudError says the resource does not exist."""
    code = str(getattr(exc, "code", ""))
    return "NotFound" in code or getattr(exc, "status", None) == 404
