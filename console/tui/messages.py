"""Messages worker threads post to the screens (thread-safe: post_message)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from drconsole.results import CheckResult


class ResultArrived(Message):
    """One check result; a newer result for the same key replaces a queued older one (floods coalesce)."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__()
        self.result = result

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ResultArrived) and message.result.key == self.result.key


class SweepDone(Message):
    def __init__(self, count: int, error: str | None = None) -> None:
        super().__init__()
        self.count = count
        self.error = error


class ActionLine(Message):
    """A line of the action runner's progress."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class ActionsDone(Message):
    def __init__(self, summary: str) -> None:
        super().__init__()
        self.summary = summary
