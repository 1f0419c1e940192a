"""Runbooks: the shipped one validates; every broken one is reported at file:line:col with a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from drconsole.errors import RunbookError
from drconsole.registry import CHECKS, NoParams, check
from drconsole.results import Evidence, Outcome
from drconsole.runbooks.loader import load_runbook, shipped_runbooks

GOOD = """\
id: tiny
title: A tiny runbook
summary: Two steps.
steps:
  - id: first
    title: First
    guide: |
      Do the first thing.
    confirm:
      - id: done
        text: It is done.
  - id: second
    title: Second
    guide: Then the second.
    requires: [first]
    checks:
      - use: test.always
        with:
          vbr: "${profile.network.vbr_id}"
"""


@pytest.fixture(autouse=True)
def registered_test_check() -> None:
    if "test.always" not in CHECKS:
        @check("test.always", family="test", title="Always passes")
        async def always(ctx: object, params: NoParams) -> Outcome:
            return Outcome.passed("ok", Evidence(source="test"))


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "book.yaml"
    path.write_text(text)
    return path


def test_every_shipped_runbook_validates() -> None:
    shipped = shipped_runbooks()
    assert "zone-dr-hybrid" in shipped
    for name in shipped:
        book = load_runbook(name)
        assert book.steps


def test_a_good_runbook_loads(tmp_path: Path) -> None:
    book = load_runbook(_write(tmp_path, GOOD))
    assert [s.id for s in book.steps] == ["first", "second"]
    assert book.step("second").checks[0].with_ == {"vbr": "${profile.network.vbr_id}"}


@pytest.mark.parametrize(("old", "new", "where", "words"), [
    ("    title: Second\n", "    tilte: Second\n", ":13:5:", "unknown key 'tilte'"),
    ("      - id: done\n        text: It is done.\n", "      - id: done\n      text: It is done.\n", ":11:7:", "YAML"),
    ("      - use: test.always\n", "      - use: test.alwyas\n", ":17:14:", "unknown check 'test.alwyas'"),
    ("${profile.network.vbr_id}", "${profile.network.vbr_idd}", ":19:16:", "has no field `vbr_idd`"),
    ("    requires: [first]\n", "    requires: [third]\n", ":1:1:", "not an earlier step"),
    ("      - use: test.always\n", "      - use: test.always\n        fix_step: frist\n", ":18:19:",
     "fix_step 'frist' names no step of this runbook"),
])
def test_broken_runbooks_are_located_with_a_fix(tmp_path: Path, old: str, new: str, where: str,
                                                words: str) -> None:
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(RunbookError) as caught:
        load_runbook(path)
    message = str(caught.value)
    assert f"{path}{where}" in message
    assert words in message
    assert "fix:" in message


def test_typo_suggests_the_closest_check(tmp_path: Path) -> None:
    with pytest.raises(RunbookError) as caught:
        load_runbook(_write(tmp_path, GOOD.replace("test.always", "test.alwyas")))
    assert "did you mean 'test.always'" in str(caught.value)


def test_a_fix_step_naming_a_step_of_the_runbook_loads(tmp_path: Path) -> None:
    book = load_runbook(_write(tmp_path, GOOD.replace("      - use: test.always\n",
                                                      "      - use: test.always\n        fix_step: first\n")))
    assert book.step("second").checks[0].fix_step == "first"


def test_a_misspelt_fix_step_suggests_the_closest_step(tmp_path: Path) -> None:
    with pytest.raises(RunbookError) as caught:
        load_runbook(_write(tmp_path, GOOD.replace("      - use: test.always\n",
                                                   "      - use: test.always\n        fix_step: frist\n")))
    assert "did you mean 'first'?" in str(caught.value)
