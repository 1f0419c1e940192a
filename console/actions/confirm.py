"""The command line's Confirmer: answers from --yes / --confirm-target / --override, else prompts
when a terminal is attached, else "no"."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from drconsole.actions.base import Plan
from drconsole.actions.safety import RuleResult


class CliConfirmer:
    def __init__(self, *, yes: bool = False, targets: Iterable[str] = (), overrides: dict[str, str] | None = None,
                 interactive: bool | None = None) -> None:
        self.yes = yes
        self.targets = list(targets)
        self.overrides = dict(overrides or {})
        self.interactive = sys.stdin.isatty() if interactive is None else interactive

    def ask_yes(self, plan: Plan) -> bool:
        if self.yes:
            return True
        if not self.interactive:
            return False
        import click

        return bool(click.confirm(f"apply {plan.action}?", default=False))

    def ask_target(self, plan: Plan, target: str) -> str:
        if target in self.targets:
            return target
        if not self.interactive:
            return self.targets[0] if self.targets else ""
        import click

        return str(click.prompt(f"{plan.action} is destructive; type {target!r} to go ahead", default="",
                                show_default=False))

    def ask_override(self, rule: RuleResult) -> str | None:
        if rule.rule in self.overrides:
            return self.overrides[rule.rule]
        if not self.interactive:
            return None
        import click

        reason = str(click.prompt(f"rule {rule.rule} blocks this change. Break-glass reason to override "
                                  "(empty keeps it blocked)", default="", show_default=False))
        return reason or None

    def ask_save_profile(self, updates: dict[str, Any]) -> bool:
        if self.yes:
            return True
        if not self.interactive:
            return False
        import click

        return bool(click.confirm(f"write {updates} to the profile?", default=True))
