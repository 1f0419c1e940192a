"""A list read follows the cloud's pages to the last one, so a long route table or a large account is read
whole and not judged on its first page.

The APIs page in two ways: a `NextToken` to send back (MaxResults / MaxResult pages: the transit-router
lists, DescribeRouteEntryList, ListTagResources), or a page number with a total (PageNumber, PageSize and
TotalCount: the VPC Describe* lists, ListTransitRouters, DescribeRouteServicesInCen; MSE ListGateway keeps
them under `Data` with `TotalSize`; CS DescribeClustersV1 under `page_info`). Which way a read pages is told
by its first answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drconsole.errors import DrconsoleError

Body = dict[str, Any]
# A read that would need more pages than this is cut off with an error rather than looping on a cloud that
# keeps handing out pages (at 100 entries a page, 5,000 entries).
MAX_PAGES = 50
_NUMBER_KEYS, _SIZE_KEYS = ("PageNumber", "page_number"), ("PageSize", "page_size")
_TOTAL_KEYS = ("TotalCount", "TotalSize", "total_count")
_HOLDERS = (None, "Data", "page_info")  # where the page figures live: the body itself, or one of these keys


class TooManyPages(DrconsoleError):
    """A list read did not end within MAX_PAGES pages."""


def every_page(read: Callable[[dict[str, Any]], Body], items: str, what: str) -> Body:
    """`read({})`'s body with the list at the dotted path `items` holding the entries of every page;
    `read(page)` asks for a later page (`page` is {"next_token": ...} or {"page_number": ...}). `what` names
    the read for the error when the pages do not end."""
    first = body = read({})
    entries = list(entries_at(body, items))
    seen_tokens: set[str] = set()
    for _ in range(MAX_PAGES):
        page = next_page(body, seen_tokens)
        if page is None:
            return first if body is first else _with_list(first, items, entries)
        body = read(page)
        entries.extend(entries_at(body, items))
    raise TooManyPages(f"{what} did not end within {MAX_PAGES} pages", fix="narrow the read (a filter) or report "
                       "this to the drconsole maintainers with the read named here")


def next_page(body: Body, seen_tokens: set[str]) -> dict[str, Any] | None:
    """The fields that ask for the page after `body`, or None when it was the last one. A token seen before
    ends the read (a cloud handing the same token back would otherwise loop)."""
    token = body.get("NextToken")
    if isinstance(token, str) and token:
        if token in seen_tokens:
            return None
        seen_tokens.add(token)
        return {"next_token": token}
    for holder in _HOLDERS:
        figures = body if holder is None else body.get(holder)
        if not isinstance(figures, dict):
            continue
        number, size, total = (_first_int(figures, keys) for keys in (_NUMBER_KEYS, _SIZE_KEYS, _TOTAL_KEYS))
        if number is not None and size and total is not None:
            return {"page_number": number + 1} if number * size < total else None
    return None


def _first_int(figures: dict[str, Any], keys: tuple[str, ...]) -> int | None:
    for key in keys:
        value = figures.get(key)
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return int(value)
    return None


def entries_at(body: Body, path: str) -> list[Any]:
    """The list at the dotted `path` of an answer (empty when it is not there)."""
    node: Any = body
    for key in path.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, list) else []


def _with_list(body: Body, path: str, entries: list[Any]) -> Body:
    """A copy of `body` with `entries` at `path` (the dicts on the way copied, the rest shared)."""
    head, _, rest = path.partition(".")
    inner = body.get(head)
    return {**body, head: _with_list(inner if isinstance(inner, dict) else {}, rest, entries) if rest else entries}


def listing(call: Callable[..., Body], product: str, action: str, items: str, **fields: Any) -> list[Any]:
    """The entries at the dotted path `items` of every page of `call(product, action, **fields)`, a call that takes
    the API's fields as keywords and returns the body (an action's guarded call, a check's, the set-up wizard's)."""
    read = every_page(lambda page: call(product, action, **fields, **page), items, f"{product}:{action}")
    return entries_at(read, items)
