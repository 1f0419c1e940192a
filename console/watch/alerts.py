"""Alerts: which findings to tell each receiver about after a sweep.

An alert is keyed by its check's key (one per check invocation, so there are never more than the
runbooks have checks). The state of what each receiver has been told lives in a store the replicas
share (see store.py), so a new leader tells receivers only what the old one had not: nothing twice,
nothing lost. Planning is pure; the dispatcher sends and records.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

from drconsole.results import CheckResult, Status

AlertStatus = Literal["firing", "resolved"]


class Alert(BaseModel):
    """One finding as receivers see it: never evidence (it may quote hosts and IDs at length)."""

    fingerprint: str  # the check's key within the runbook sweep, e.g. "network.bgp-idc/session"
    status: AlertStatus
    code: str  # the finding's code, or the check's name where the check gives none
    check: str
    title: str
    family: str
    zone: str | None = None
    check_status: str  # pass, warn, fail, error, skipped
    summary: str
    cause: str | None = None
    remedy: str | None = None
    fix_step: str | None = None
    since: float
    resolved_at: float | None = None


class Sent(BaseModel):
    """What a receiver was last told about one open alert."""

    alert: Alert
    last_sent: float


class AlertState(BaseModel):
    """Open alerts per receiver: receiver name -> fingerprint -> what was sent."""

    receivers: dict[str, dict[str, Sent]] = Field(default_factory=dict)

    def open_alerts(self) -> dict[str, Alert]:
        found: dict[str, Alert] = {}
        for opened in self.receivers.values():
            found.update({fp: sent.alert for fp, sent in opened.items()})
        return found


@dataclass
class Plan:
    """What one receiver is to be told now."""

    firing: list[Alert] = field(default_factory=list)  # newly failing
    repeated: list[Alert] = field(default_factory=list)  # still failing, resend interval passed
    resolved: list[Alert] = field(default_factory=list)  # recovered

    @property
    def alerts(self) -> list[Alert]:
        return [*self.firing, *self.repeated, *self.resolved]

    def __bool__(self) -> bool:
        return bool(self.alerts)


def finding_code(result: CheckResult) -> str:
    """The finding's code (drconsole.findings); a passing result has none and is named by its check."""
    return result.code or result.check


def alert_of(result: CheckResult, status: AlertStatus, since: float, resolved_at: float | None = None) -> Alert:
    return Alert(fingerprint=result.key, status=status, code=finding_code(result), check=result.check,
                 title=result.title, family=result.family, zone=result.zone, check_status=result.status.value,
                 summary=result.summary, cause=result.cause, remedy=result.remedy, fix_step=result.fix_step,
                 since=since, resolved_at=resolved_at)


def plan(opened: dict[str, Sent], results: Iterable[CheckResult], alerting: set[str], *, now: float,
         resend_interval_s: float) -> Plan:
    """Compare what a receiver was told with this sweep's results. A check that could not be evaluated
    (error) neither opens nor resolves an alert unless `error` is one of the alerting statuses."""
    todo = Plan()
    for result in results:
        sent = opened.get(result.key)
        failing = result.status.value in alerting
        if failing and sent is None:
            todo.firing.append(alert_of(result, "firing", since=now))
        elif failing and sent is not None and now - sent.last_sent >= resend_interval_s:
            todo.repeated.append(alert_of(result, "firing", since=sent.alert.since))
        elif not failing and sent is not None and result.status is not Status.ERROR:
            recovered = alert_of(result, "resolved", since=sent.alert.since, resolved_at=now)
            recovered.code = sent.alert.code  # the recovery names what was reported
            todo.resolved.append(recovered)
    return todo


def record(opened: dict[str, Sent], sent: Plan, now: float | None = None) -> None:
    """After a receiver accepted `sent`: remember what it now knows."""
    at = time.time() if now is None else now
    for alert in [*sent.firing, *sent.repeated]:
        opened[alert.fingerprint] = Sent(alert=alert, last_sent=at)
    for alert in sent.resolved:
        opened.pop(alert.fingerprint, None)
