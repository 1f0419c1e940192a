"""Confirmation modals: an action's plan (yes, or the target typed back), a break-glass override, yes/no."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from drconsole.tui.widgets import Field

if TYPE_CHECKING:
    from drconsole.actions.base import Plan

RISK_STYLE = {"read": "green", "safe": "green", "mutating": "bold yellow", "destructive": "bold white on red"}


@dataclass
class Approval:
    approved: bool
    typed: str | None = None


def plan_text(plan: Plan) -> Text:
    out = Text()
    if plan.production:
        out.append(" PRODUCTION ", style="bold white on red")
        out.append(" ")
    out.append(f" {plan.risk} ", style=RISK_STYLE.get(str(plan.risk), "bold"))
    out.append(f"  {plan.action}: {plan.title}\n", style="bold")
    out.append(f"{plan.summary}\n")
    if plan.already_done:
        out.append("already done — the live state matches; nothing will be sent\n", style="green")
    if plan.calls:
        out.append("\nAPI calls:\n", style="bold")
        for call in plan.calls:
            out.append(f"  {call.render()}\n")
    if plan.changes:
        out.append("\nKubernetes changes:\n", style="bold")
        for change in plan.changes:
            verb = "update" if change.exists else "create"
            out.append(f"  {verb} {change.ref}\n")
            for line in change.diff:
                style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
                out.append(f"      {line}\n", style=style)
    if plan.profile_updates:
        out.append("\nprofile updates: ", style="bold")
        out.append(", ".join(f"{k}={v}" for k, v in plan.profile_updates.items()) + "\n")
    return out


class ActionConfirm(ModalScreen[Approval]):
    """Apply this plan? Mutating: yes/no. Destructive: the target must be typed back exactly."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "decline", "Cancel", id="confirm.no"),
        Binding("y", "approve", "Apply", id="confirm.yes"),
    ]

    def __init__(self, plan: Plan, *, read_only: bool = False) -> None:
        super().__init__()
        self.plan = plan
        self.read_only = read_only
        self.destructive = str(plan.risk) == "destructive"
        self.target = (plan.target or plan.action) if self.destructive else None

    def compose(self) -> ComposeResult:
        classes = "dialog" + (" -production" if self.plan.production else "") + \
            (" -destructive" if self.destructive else "")
        with Vertical(id="action-confirm", classes=classes):
            yield Static("Apply this plan?", classes="dialog-title")
            with VerticalScroll(id="plan"):
                yield Static(plan_text(self.plan), id="plan-text")
            if self.read_only:
                yield Static("READ-ONLY mode: this action changes things and is refused.", id="refusal",
                             classes="error")
            elif self.destructive:
                yield Static(Text.assemble("destructive — type ", (str(self.target), "bold"), " to confirm"),
                             id="target-label")
                yield Field(placeholder=str(self.target), id="target")
                yield Static("", id="target-error", classes="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply (y)", id="apply", variant="error" if self.destructive else "warning",
                             disabled=self.read_only or self.destructive)
                yield Button("Cancel (n / esc)", id="cancel")

    def on_mount(self) -> None:
        if self.destructive and not self.read_only:
            self.query_one("#target", Input).focus()
        else:
            self.query_one("#cancel", Button).focus()

    @on(Input.Changed, "#target")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#apply", Button).disabled = event.value != self.target
        self.query_one("#target-error", Static).update("")

    @on(Input.Submitted, "#target")
    def _submitted(self, event: Input.Submitted) -> None:
        self.action_approve()

    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        self.action_approve()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_decline()

    def action_approve(self) -> None:
        if self.read_only:
            self.notify("read-only mode refuses changes", severity="error")
            return
        if self.destructive:
            typed = self.query_one("#target", Input).value
            if typed != self.target:
                self.query_one("#target-error", Static).update(
                    f"the typed text does not match {self.target!r}; nothing was applied")
                return
            self.dismiss(Approval(True, typed))
            return
        self.dismiss(Approval(True))

    def action_decline(self) -> None:
        self.dismiss(Approval(False))


class OverrideDialog(ModalScreen[str | None]):
    """A safety rule blocks the change; a typed reason overrides it (journaled), empty keeps it blocked."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "keep_blocked", "Stay blocked")]

    def __init__(self, rule: str, reason: str) -> None:
        super().__init__()
        self.rule = rule
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -destructive"):
            yield Static(f"Safety rule {self.rule} blocks this change", classes="dialog-title")
            yield Static(self.reason)
            yield Static("To override (break glass), type the reason; it is journaled with your name.")
            yield Field(placeholder="reason for the override", id="reason")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Override", id="override", variant="error")
                yield Button("Stay blocked (esc)", id="blocked")

    @on(Button.Pressed, "#override")
    @on(Input.Submitted, "#reason")
    def _override(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        self.dismiss(reason or None)

    @on(Button.Pressed, "#blocked")
    def action_keep_blocked(self) -> None:
        self.dismiss(None)


class YesNo(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("y", "answer(True)", "Yes"),
                                             Binding("n,escape", "answer(False)", "No")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Yes (y)", id="yes", variant="primary")
                yield Button("No (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)
