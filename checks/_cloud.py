"""One cloud API call for a check: the SDK call through the context (retries included), its answer
as plain JSON for the evidence, and throttling or server errors said in words."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

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


async def ask(ctx: Context, product: Product, action: str, call: Callable[[Any, Any], Any],
              asked: str = "") -> tuple[dict[str, Any], Evidence]:
    """Run `call(client, models)` and return the response body as a dict, plus the evidence."""
    from drconsole.cloud import CloudError, models

    started = time.monotonic()
    try:  # the client is built (and its SDK imported) in the worker thread, not on the event loop
        response = await ctx.blocking(ctx.cloud_call, product, action,
                                      lambda: call(ctx.cloud(product), models(product)))
    except CloudError as exc:
        raise in_words(exc) from None
    body = response.body.to_map() if response.body is not None else {}
    body.pop("RequestId", None)
    body.pop("request_id", None)
    evidence = Evidence(source=f"{product}:{action}", asked=asked, answer=body,
                        ms=round((time.monotonic() - started) * 1000, 1))
    return body, evidence


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
