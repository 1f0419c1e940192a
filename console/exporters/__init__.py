"""One record of a run, rendered as Markdown, HTML, JSON or JUnit XML."""

from __future__ import annotations

from collections.abc import Callable

from drconsole.exporters.record import RunRecord

FORMATS = ("md", "html", "json", "junit")


def renderer(fmt: str) -> Callable[[RunRecord], str]:
    if fmt == "md":
        from drconsole.exporters.markdown import render
    elif fmt == "html":
        from drconsole.exporters.html import render
    elif fmt == "json":
        from drconsole.exporters.json_export import render
    elif fmt == "junit":
        from drconsole.exporters.junit import render
    else:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return render
