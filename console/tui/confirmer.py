"""The action runner's questions, asked with modals: the runner works in a thread, the modals on the UI."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import ModalScreen

    from drconsole.actions.base import Plan
    from drconsole.actions.safety import RuleResult
    from drconsole.app.session import Session
    from drconsole.runbooks.schema import Runbook


class TuiConfirmer:
    """drconsole.actions.base.Confirmer for the console. One modal answers both ask_yes and ask_target."""

    def __init__(self, app: App[Any], *, read_only: bool) -> None:
        self.app = app
        self.read_only = read_only
        self._typed: str | None = None

    def _ask(self, screen: ModalScreen[Any]) -> Any:
        answered = threading.Event()
        box: dict[str, Any] = {}

        def done(value: Any) -> None:
            box["value"] = value
            answered.set()

        self.app.call_from_thread(self.app.push_screen, screen, done)
        while not answered.wait(0.2):
            if not self.app.is_running:
                return None
        return box.get("value")

    def ask_yes(self, plan: Plan) -> bool:
        from drconsole.tui.screens.confirm import ActionConfirm

        answer = self._ask(ActionConfirm(plan, read_only=self.read_only))
        self._typed = answer.typed if answer else None
        return bool(answer and answer.approved)

    def ask_target(self, plan: Plan, target: str) -> str:
        return self._typed or ""

    def ask_override(self, rule: RuleResult) -> str | None:
        from drconsole.tui.screens.confirm import OverrideDialog

        reason = self._ask(OverrideDialog(rule.rule, rule.reason))
        return str(reason) if reason else None

    def ask_save_profile(self, updates: dict[str, Any]) -> bool:
        from drconsole.tui.screens.confirm import YesNo

        shown = ", ".join(f"{k} = {v}" for k, v in updates.items())
        return bool(self._ask(YesNo(f"Write these IDs to the profile?\n{shown}")))


def run_step_actions(app: App[Any], session: Session, runbook: Runbook, step_id: str,
                     out: Callable[[str], None]) -> str:
    """Plan, confirm (modals), apply and verify one step's actions; return a one-line summary."""
    from drconsole.errors import DrconsoleError

    try:
        report = session.run_actions(runbook, step_id, TuiConfirmer(app, read_only=session.read_only), out)
    except DrconsoleError as exc:
        return f"error: {exc}"
    outcomes = "; ".join(f"{o.action}: {o.state}" for o in report.outcomes) or "no actions ran"
    verdict = {0: "done", 1: "failed", 4: "refused or declined"}.get(report.exit_code, "finished")
    verify = f" · verify failed: {'; '.join(report.verify_failures)}" if report.verify_failures else ""
    return f"{verdict}: {outcomes}{verify}"
