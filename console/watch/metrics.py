"""The watcher's Prometheus metrics, in a registry of its own.

Cardinality is bounded by construction: per-check series are labelled by the check's key, name,
family and zone, all taken from the shipped runbooks (a few dozen keys), times five statuses; zones
are "a", "b" or "shared"; products are the five SDK products; receivers are the configured webhooks.
No label ever carries a summary, an ID from the cloud, an address or a secret.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from drconsole import __version__
from drconsole.cloudstats import COUNTS, CallCounts
from drconsole.results import CheckResult, Status

CHECK_LABELS = ("key", "check", "family", "zone")
SWEEP_BUCKETS = (0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300)


def zone_label(zone: str | None) -> str:
    return zone or "shared"


class CloudCalls(Collector):
    """Cloud API calls and throttles per product, read from console/cloud.py's counters at scrape time."""

    def __init__(self, counts: CallCounts = COUNTS) -> None:
        self.counts = counts

    def collect(self) -> Iterator[Metric]:
        calls, throttles = self.counts.snapshot()
        sent = CounterMetricFamily("drconsole_cloud_api_calls", "Cloud API requests sent", labels=["product"])
        limited = CounterMetricFamily("drconsole_cloud_api_throttles", "Cloud API requests the API throttled",
                                      labels=["product"])
        for product, count in sorted(calls.items()):
            sent.add_metric([product], count)
        for product, count in sorted(throttles.items()):
            limited.add_metric([product], count)
        yield sent
        yield limited


class WatchMetrics:
    def __init__(self, profile: str, identity: str) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        info = Gauge("drconsole_watch_info", "This watcher: profile, identity, version", ["profile", "identity",
                                                                                          "version"], registry=r)
        info.labels(profile, identity, __version__).set(1)
        self.check_status = Gauge("drconsole_check_status", "1 for the check's current status, 0 for the others",
                                  [*CHECK_LABELS, "status"], registry=r)
        self.check_duration = Gauge("drconsole_check_duration_seconds", "How long the check's last run took",
                                    CHECK_LABELS, registry=r)
        self.check_last_success = Gauge("drconsole_check_last_success_timestamp_seconds",
                                        "When the check last passed (Unix time)", CHECK_LABELS, registry=r)
        self.zone_health = Gauge("drconsole_zone_health_ratio", "Share of the zone's checks that pass",
                                 ["zone"], registry=r)
        self.sweep_duration = Histogram("drconsole_sweep_duration_seconds", "Duration of one sweep",
                                        buckets=SWEEP_BUCKETS, registry=r)
        self.last_sweep = Gauge("drconsole_last_sweep_timestamp_seconds", "When the last sweep ended (Unix time)",
                                registry=r)
        self.backoff = Gauge("drconsole_watch_backoff_factor", "Interval multiplier while the API throttles",
                             registry=r)
        self.failovers = Counter("drconsole_failovers_seen", "Changes of the zone the gateway serves from",
                                 ["to_zone"], registry=r)
        self.leader = Gauge("drconsole_watch_leader", "1 while this replica holds the lease and sends alerts",
                            registry=r)
        self.alerts_open = Gauge("drconsole_alerts_open", "Open alerts (the leader's view)", registry=r)
        self.notifications = Counter("drconsole_alert_notifications", "Notifications per receiver and outcome",
                                     ["receiver", "outcome"], registry=r)
        r.register(CloudCalls())
        self.backoff.set(1)

    def observe(self, results: Iterable[CheckResult]) -> None:
        """Set the per-check series from one sweep's results."""
        for result in results:
            labels = (result.key, result.check, result.family, zone_label(result.zone))
            for status in Status:
                self.check_status.labels(*labels, status.value).set(1 if result.status is status else 0)
            self.check_duration.labels(*labels).set(result.duration_ms / 1000)
            if result.status is Status.PASS:
                self.check_last_success.labels(*labels).set(result.started_at + result.duration_ms / 1000)

    def zones(self, latest: Iterable[CheckResult]) -> None:
        """Set each zone's health from the latest result of every check (families sweep at their own pace)."""
        zones: dict[str, list[bool]] = {}
        for result in latest:
            if result.status is not Status.SKIPPED:
                zones.setdefault(zone_label(result.zone), []).append(result.status is Status.PASS)
        for zone, passed in zones.items():
            self.zone_health.labels(zone).set(sum(passed) / len(passed))
