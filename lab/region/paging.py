"""How the region's list APIs cut their answers into pages: by page number (PageNumber, PageSize, TotalCount)
or by token (MaxResults or MaxResult entries, then a NextToken to send back; empty on the last page)."""

from __future__ import annotations

from typing import Any

from drconsole.lab.region.wire import Params, invalid

Rows = list[dict[str, Any]]


def by_number(params: Params, rows: Rows, default_size: int = 10) -> tuple[Rows, dict[str, Any]]:
    """The page PageNumber asks for, and the figures the answer carries."""
    page, size = params.number("PageNumber", 1) or 1, params.number("PageSize", default_size) or default_size
    return rows[(page - 1) * size: page * size], {"PageNumber": page, "PageSize": size, "TotalCount": len(rows)}


def by_token(params: Params, rows: Rows, default_size: int, size_name: str = "MaxResults") -> tuple[Rows, str]:
    """The rows from where NextToken points (the start without one), at most `size_name` of them, and the token
    of the rest ("" when none is left). The lab's token is the next row's offset; clients treat it as opaque."""
    size = params.number(size_name, default_size) or default_size
    token = params.text("NextToken") or "0"
    if not token.isdigit():
        raise invalid("NextToken", token)
    start = int(token)
    rest = start + size
    return rows[start:rest], (str(rest) if rest < len(rows) else "")
