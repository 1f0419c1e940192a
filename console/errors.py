"""Errors meant for the operator: each says where the problem is and how to fix it."""

from __future__ import annotations


class DrconsoleError(Exception):
    """An error the operator can act on. Rendered without a traceback."""

    exit_code = 2
    finding = "CHECK-ERROR"  # the catalogue code when this error stops a check

    def __init__(self, message: str, *, where: str | None = None, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.fix = fix

    def __str__(self) -> str:
        head = f"{self.where}: {self.message}" if self.where else self.message
        return f"{head}\n  fix: {self.fix}" if self.fix else head


class ProfileError(DrconsoleError):
    """A profile is missing, unreadable or invalid."""


class RunbookError(DrconsoleError):
    """A runbook is unreadable or invalid."""


class SecretError(DrconsoleError):
    """A secret cannot be stored or read."""


class LabError(DrconsoleError):
    """The lab cannot do what was asked."""


class RefusedError(DrconsoleError):
    """A safety rule refused an action before any request was sent."""

    exit_code = 4
