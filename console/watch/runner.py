"""The watcher: sweeps on schedule, journals transitions, updates metrics, and (when leading) tells
the receivers. It builds its Context read-only, so an action could not send a request even if one
were reached; it only ever runs checks."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import ValidationError

from drconsole.cloudstats import COUNTS
from drconsole.context import Context
from drconsole.engine import Invocation, sweep
from drconsole.errors import DrconsoleError
from drconsole.journal import Journal
from drconsole.profile import Profile
from drconsole.results import CheckResult, Status, worst
from drconsole.runbooks.loader import load_runbook
from drconsole.sweeps import invocations
from drconsole.watch import alerts, webhooks
from drconsole.watch.config import WatchConfig
from drconsole.watch.leader import Election
from drconsole.watch.metrics import WatchMetrics
from drconsole.watch.schedule import Schedule
from drconsole.watch.status import WatchStatus, write_status
from drconsole.watch.store import AlertStore

Say = Callable[[str], None]
# A watcher is not in a hurry: a sweep every 10-60 s finishes well within its interval on 8 threads, and each
# thread costs resident memory (its stack and a malloc arena).
WATCH_THREADS = 8


def default_identity() -> str:
    """The pod's name in a cluster (its hostname), the host's name elsewhere."""
    return os.environ.get("POD_NAME") or socket.gethostname()


@dataclass
class Transition:
    key: str
    before: Status | None
    result: CheckResult


@dataclass
class Tracker:
    """The latest result per check key, and which of them changed status."""

    latest: dict[str, CheckResult] = field(default_factory=dict)

    def observe(self, results: list[CheckResult]) -> list[Transition]:
        changed = []
        for result in results:
            before = self.latest.get(result.key)
            self.latest[result.key] = result
            was = before.status if before else None
            if was is not result.status and not (was is None and result.status is Status.PASS):
                changed.append(Transition(result.key, was, result))
        return changed


class Watcher:
    def __init__(self, profile: Profile, config: WatchConfig, *, election: Election, store: AlertStore,
                 identity: str, metrics: WatchMetrics | None = None, say: Say = print,
                 metrics_url: str | None = None) -> None:
        self.profile, self.config = profile, config
        self.election, self.store, self.identity = election, store, identity
        self.metrics = metrics or WatchMetrics(profile.name, identity)
        self.say = say
        self.metrics_url = metrics_url
        self.ctx = Context(profile, read_only=True, operator=f"watch@{identity}", max_threads=WATCH_THREADS)
        self.tracker = Tracker()
        self.runbook_of: dict[str, str] = {}
        self.families: dict[str, list[Invocation]] = {}
        for name in config.runbooks:
            book = load_runbook(name)
            for invocation in invocations(book):
                if invocation.key not in self.runbook_of:
                    self.runbook_of[invocation.key] = book.id
                    self.families.setdefault(invocation.spec.family, []).append(invocation)
        self.schedule = Schedule({family: config.interval(family) for family in self.families},
                                 jitter=config.jitter, max_backoff=config.max_backoff)
        self.open_alerts: dict[str, alerts.Alert] = {}
        self.last_sweep: float | None = None
        self._served_zone: str | None = None
        self._alerting = asyncio.Lock()

    # -- the loops --------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        journal = Journal.for_profile(self.profile.name)
        run_id = journal.start_run(kind="watch", profile=self.profile.name, operator=self.ctx.operator,
                                   note=f"drconsole watch as {self.identity}")
        campaign = asyncio.create_task(self._campaign(stop))
        try:
            self.schedule.start(time.monotonic())
            while not stop.is_set():
                due = self.schedule.due(time.monotonic())
                if not due:
                    await _wait(stop, self.schedule.next_at() - time.monotonic())
                    continue
                started = time.monotonic()
                throttles = COUNTS.total_throttles()
                results = await self.sweep(due)
                for change in self.tracker.observe(results):
                    journal.record_result(change.result, run_id=run_id, runbook=self.runbook_of[change.key])
                    before = change.before.value if change.before else "new"
                    self.say(f"{change.key}: {before} -> {change.result.status.value}: {change.result.summary}")
                self.metrics.zones(self.tracker.latest.values())
                throttled = COUNTS.total_throttles() > throttles
                self.schedule.swept(due, started, time.monotonic(), throttled=throttled)
                self.metrics.backoff.set(self.schedule.backoff)
                await self.alert()
        finally:
            campaign.cancel()
            journal.finish_run(run_id, (worst(r.status for r in self.tracker.latest.values()) or Status.PASS).value)
            journal.close()
            await asyncio.to_thread(self.election.resign)
            self.ctx.close()

    async def sweep(self, families: list[str]) -> list[CheckResult]:
        chosen = [inv for family in families for inv in self.families[family]]
        started = time.monotonic()
        results = [result async for result in sweep(self.ctx, chosen)]
        self.metrics.sweep_duration.observe(time.monotonic() - started)
        self.metrics.observe(results)
        self._note_failover(results)
        self.last_sweep = time.time()
        self.metrics.last_sweep.set(self.last_sweep)
        return results

    async def _campaign(self, stop: asyncio.Event) -> None:
        was = False
        while not stop.is_set():
            leading = await asyncio.to_thread(self.election.campaign)
            self.metrics.leader.set(1 if leading else 0)
            if leading != was:
                self.say(f"{'leading' if leading else 'standing by'} (lease holder: {self.election.holder})")
                was = leading
                if leading and self.tracker.latest:
                    await self.alert()
            self._write_status()
            await _wait(stop, self.election.retry_s)

    # -- alerts -----------------------------------------------------------------------------------
    async def alert(self) -> None:
        """Tell each receiver what changed for it, if this replica leads. A receiver that does not accept
        after its retries is told again after the next sweep; nothing is recorded as sent until it is."""
        async with self._alerting:
            if self.election.leading():
                await asyncio.to_thread(self._alert_blocking)
            else:  # a standby shows what it sees failing; the leader shows what receivers were told
                self.open_alerts = self._failing()
                self.metrics.alerts_open.set(len(self.open_alerts))
            self._write_status()

    def _alert_blocking(self) -> None:
        settings = self.config.alerts
        alerting = set(settings.statuses)
        try:
            state = self.store.load()
        except (DrconsoleError, ValidationError) as exc:
            self.say(f"alert state unreadable, alerts wait for the next sweep: {exc}")
            return
        latest = list(self.tracker.latest.values())
        for hook in settings.webhooks:
            opened = state.receivers.setdefault(hook.name, {})
            todo = alerts.plan(opened, latest, alerting, now=time.time(), resend_interval_s=settings.resend_interval_s)
            if not todo or not self.election.leading():
                continue
            try:
                secrets = webhooks.Secrets.of(self.profile.name, hook)
                webhooks.deliver(hook, settings, secrets, self.profile.name, self.identity, todo)
            except (webhooks.DeliveryError, DrconsoleError) as exc:
                self.metrics.notifications.labels(hook.name, "failed").inc()
                self.say(f"alert to {hook.name} not delivered (retried next sweep): {exc}")
                continue
            self.metrics.notifications.labels(hook.name, "sent").inc()
            alerts.record(opened, todo)
            try:
                self.store.save(state)
            except DrconsoleError as exc:
                self.say(f"alert state not saved: {exc.message}")
                return
            self.say(f"alert to {hook.name}: {len(todo.firing)} firing, {len(todo.repeated)} repeated, "
                     f"{len(todo.resolved)} recovered")
        self.open_alerts = state.open_alerts() if settings.webhooks else self._failing()
        self.metrics.alerts_open.set(len(self.open_alerts))

    def _failing(self) -> dict[str, alerts.Alert]:
        alerting = set(self.config.alerts.statuses)
        return {r.key: alerts.alert_of(r, "firing", since=r.started_at) for r in self.tracker.latest.values()
                if r.status.value in alerting}

    # -- what the console and the metrics read ----------------------------------------------------
    def _note_failover(self, results: list[CheckResult]) -> None:
        """Count a change of the zone the gateway serves from (gateway.app-served's evidence)."""
        for result in results:
            if result.check != "gateway.app-served" or result.status not in (Status.PASS, Status.WARN):
                continue
            zones = {str(e.answer.get("served_by")) for e in result.evidence  # the attributed zone key
                     if isinstance(e.answer, dict) and e.answer.get("served_by")}
            if len(zones) != 1:
                continue
            zone = zones.pop()
            if self._served_zone is not None and zone != self._served_zone:
                self.metrics.failovers.labels(zone).inc()
                self.say(f"the gateway now serves from zone {zone} (was zone {self._served_zone})")
            self._served_zone = zone

    def _write_status(self) -> None:
        write_status(self.profile.name, WatchStatus(
            pid=os.getpid(), identity=self.identity, leading=self.election.leading(), holder=self.election.holder,
            last_sweep=self.last_sweep, metrics_url=self.metrics_url, updated=time.time(),
            open_alerts=[a.model_copy() for a in self.open_alerts.values()]))


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=max(seconds, 0.0))
