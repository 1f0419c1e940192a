"""drconsole.paging on its own: which page comes next in each of the cloud's two ways of paging, and how a
read of several pages is put together."""

from __future__ import annotations

from typing import Any

import pytest

from drconsole.paging import MAX_PAGES, TooManyPages, every_page, next_page


def token_pages(rows: list[int], size: int) -> Any:
    """A NextToken API over `rows`, recording the pages it was asked for."""
    asked: list[dict[str, Any]] = []

    def read(page: dict[str, Any]) -> dict[str, Any]:
        asked.append(page)
        start = int(page.get("next_token", 0))
        rest = start + size
        return {"Entries": {"Entry": rows[start:rest]}, "NextToken": str(rest) if rest < len(rows) else "",
                "RequestId": "r"}
    return read, asked


def test_a_token_read_follows_every_token_and_keeps_the_first_answer_s_shape() -> None:
    read, asked = token_pages(list(range(7)), 3)
    body = every_page(read, "Entries.Entry", "vpc:List")
    assert body["Entries"]["Entry"] == list(range(7))
    assert asked == [{}, {"next_token": "3"}, {"next_token": "6"}]
    assert body["RequestId"] == "r"


def test_one_page_is_returned_as_it_came() -> None:
    read, asked = token_pages([1, 2], 5)
    first = every_page(read, "Entries.Entry", "vpc:List")
    assert first["Entries"]["Entry"] == [1, 2] and asked == [{}]


@pytest.mark.parametrize(("body", "expected"), [
    ({"PageNumber": 1, "PageSize": 2, "TotalCount": 5}, {"page_number": 2}),
    ({"PageNumber": 3, "PageSize": 2, "TotalCount": 5}, None),
    ({"PageNumber": 2, "PageSize": 2, "TotalCount": 4}, None),
    ({"Data": {"PageNumber": 1, "PageSize": 50, "TotalSize": 51}}, {"page_number": 2}),  # MSE ListGateway
    ({"page_info": {"page_number": 1, "page_size": 100, "total_count": 100}}, None),  # CS DescribeClustersV1
    ({"page_info": {"page_number": "1", "page_size": "10", "total_count": "11"}}, {"page_number": 2}),
    ({"NextToken": ""}, None),
    ({"NextToken": "abc"}, {"next_token": "abc"}),
    ({"Entries": []}, None),  # a list with no page figures at all
])
def test_the_next_page_in_either_style(body: dict[str, Any], expected: dict[str, Any] | None) -> None:
    assert next_page(body, set()) == expected


def test_a_token_handed_back_twice_ends_the_read() -> None:
    seen: set[str] = set()
    assert next_page({"NextToken": "t"}, seen) == {"next_token": "t"}
    assert next_page({"NextToken": "t"}, seen) is None


def test_a_read_whose_pages_never_end_is_cut_off_with_a_named_error() -> None:
    calls = []

    def endless(page: dict[str, Any]) -> dict[str, Any]:
        calls.append(page)
        return {"Items": [len(calls)], "NextToken": f"t{len(calls)}"}

    with pytest.raises(TooManyPages) as stopped:
        every_page(endless, "Items", "cbn:ListEndless")
    assert "cbn:ListEndless" in stopped.value.message and stopped.value.fix
    assert len(calls) == MAX_PAGES + 1
