"""Locks on the Fleet: one `coordination.k8s.io/v1` Lease per lock, with optimistic concurrency.

Usage (every call blocks; run it in a worker thread from async code)::

    leases = Leases(api_client, namespace="drconsole")
    answer = leases.acquire("drconsole-traffic", "alice@laptop", duration_s=15,
                            work=Work("zone failover", "shift"))
    if isinstance(answer, Busy):
        print(answer.record.describe())          # "zone failover by bob@pc since 12:03:10, step shift"
        answer = leases.take_over(..., reason="bob's console hangs")   # break-glass
    with answer as held:                         # HeldLease: renewed in a thread while held
        held.set_work(Work("zone failover", "verify"))
        ...                                      # `held.lost` is set if someone took it over
    # released on exit (holder cleared: the next acquirer needs no override)

Rules:
* Every write carries the `resourceVersion` it was based on, so of two acquirers racing for the same
  free or expired Lease exactly one wins; the other gets HTTP 409 and is answered `Busy`.
* A Lease is expired when `renewTime + leaseDurationSeconds` lies in the past (wall clocks are
  assumed NTP-synchronised, as for Kubernetes' own node leases). An expired or released Lease is
  acquired without an override; a live one only through `take_over` with a typed reason.
* The holder renews every `duration_s / 3`. When a renewal finds another holder, or no renewal has
  succeeded for `duration_s`, the HeldLease sets `lost` and calls `on_lost` once: the holder can no
  longer claim the lock and must stop changing things.
* `holder` is any string (drconsole uses `user@host`); `session` tells two processes of the same
  holder apart. The work being done (`Work`) and override reasons live in the Lease's annotations.
* Failures are typed (drconsole.coordination.fleet): FleetUnreachable (no answer), NotPermitted
  (HTTP 403, with the verb), FleetError for any other refusal; LeaseError for a bad request.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from drconsole.coordination.fleet import FleetError, FleetUnreachable, NotPermitted, kube_call

GROUP_PATH = "/apis/coordination.k8s.io/v1"
ANNOTATION = "drconsole.io/"
RENEW_JOIN_TIMEOUT = 8.0


class LeaseError(FleetError):
    """A Lease request that cannot be made (no reason for a take-over, a bad duration)."""


@dataclass(frozen=True)
class Work:
    """What the holder is doing: shown to everyone the lock refuses."""

    what: str
    step: str = ""


@dataclass(frozen=True)
class LeaseRecord:
    """One Lease as the Fleet returned it."""

    name: str
    holder: str | None
    session: str | None
    work: Work
    since: datetime | None
    renewed: datetime | None
    duration_s: int
    transitions: int
    resource_version: str
    annotations: dict[str, str] = field(default_factory=dict)

    def expired(self, now: datetime | None = None) -> bool:
        """True when no live holder claims the Lease (released, or not renewed within its duration)."""
        if not self.holder or self.renewed is None:
            return True
        return (now or _now()) > self.renewed + timedelta(seconds=self.duration_s)

    def describe(self) -> str:
        """'zone failover by alice@laptop since 12:03:10, step shift' (times in UTC)."""
        since = self.since.strftime("%H:%M:%S") if self.since else "?"
        text = f"{self.work.what or 'a change'} by {self.holder or 'nobody'} since {since} UTC"
        if self.work.step:
            text += f", step {self.work.step}"
        return text + (" (expired)" if self.expired() else "")

    @property
    def override_reason(self) -> str | None:
        """The break-glass reason of the take-over that made the current holder, if any."""
        return self.annotations.get(ANNOTATION + "override-reason")

    @property
    def overridden_holder(self) -> str | None:
        return self.annotations.get(ANNOTATION + "overridden-holder")


@dataclass(frozen=True)
class Busy:
    """The answer to acquire when someone else holds the Lease."""

    record: LeaseRecord

    @property
    def holder(self) -> str | None:
        return self.record.holder

    @property
    def since(self) -> datetime | None:
        return self.record.since

    @property
    def step(self) -> str:
        return self.record.work.step

    @property
    def expired(self) -> bool:
        return self.record.expired()


class Leases:
    """Lease operations in one namespace of one cluster (an ApiClient from the kubernetes package)."""

    def __init__(self, api: Any, namespace: str = "drconsole") -> None:
        self.api = api
        self.namespace = namespace

    # -- reads ------------------------------------------------------------------------------------
    def read(self, name: str) -> LeaseRecord | None:
        found = self._request("GET", self._path(name), verb="get")
        return _record(found) if found is not None else None

    def list(self) -> list[LeaseRecord]:
        found = self._request("GET", self._path(None), verb="list") or {}
        return [_record(item) for item in found.get("items", [])]

    # -- acquire / take over ----------------------------------------------------------------------
    def acquire(self, name: str, holder: str, duration_s: int, work: Work, *, session: str | None = None,
                on_lost: Callable[[LeaseRecord | None], None] | None = None) -> HeldLease | Busy:
        """The held lock, or Busy when another holder (or another session of this holder) has it live."""
        return self._claim(name, holder, duration_s, work, session or uuid.uuid4().hex, on_lost, reason=None)

    def take_over(self, name: str, holder: str, duration_s: int, work: Work, reason: str, *,
                  session: str | None = None,
                  on_lost: Callable[[LeaseRecord | None], None] | None = None) -> HeldLease | Busy:
        """Break-glass: take the Lease even from a live holder. `reason` is stored on the Lease (the former
        holder's renewer reads it) and must not be empty. Busy only when another acquirer wins the race."""
        if not reason.strip():
            raise LeaseError("a take-over needs a reason", fix="type why the current holder may be overridden")
        return self._claim(name, holder, duration_s, work, session or uuid.uuid4().hex, on_lost,
                           reason=reason.strip())

    def _claim(self, name: str, holder: str, duration_s: int, work: Work, session: str,
               on_lost: Callable[[LeaseRecord | None], None] | None, reason: str | None) -> HeldLease | Busy:
        if duration_s < 1:
            raise LeaseError(f"lease duration {duration_s} s is too short", fix="use at least 1 s")
        current = self.read(name)
        if current is None:
            body = _lease_body(name, holder, session, duration_s, work, None, transitions=0)
            created = self._request("POST", self._path(None), body, verb="create", conflict_ok=True)
            if created is None:  # someone created it between our read and our create
                return self._busy_or_retry(name)
            return HeldLease(self, _record(created), on_lost)
        live_other = not current.expired() and (current.holder != holder or current.session != session)
        if live_other and reason is None:
            return Busy(current)
        previous = current if current.holder else None
        extra = {}
        if reason is not None and live_other:
            extra = {"override-reason": reason, "overridden-holder": current.holder or "",
                     "overridden-work": f"{current.work.what}/{current.work.step}"}
        body = _lease_body(name, holder, session, duration_s, work, current.resource_version,
                           transitions=current.transitions + (1 if current.holder != holder else 0), extra=extra)
        written = self._request("PUT", self._path(name), body, verb="update", conflict_ok=True)
        if written is None:  # 409: another writer changed the Lease after our read; they won
            return self._busy_or_retry(name)
        return HeldLease(self, _record(written), on_lost, previous=previous, override_reason=reason if extra else None)

    def _busy_or_retry(self, name: str) -> Busy:
        winner = self.read(name)
        if winner is None:
            raise LeaseError(f"lease {name} changed while acquiring it", fix="try again")
        return Busy(winner)

    # -- writes by the holder ---------------------------------------------------------------------
    def _renew(self, record: LeaseRecord, work: Work) -> LeaseRecord | None:
        """A renewed record, or None when another writer changed the Lease (409)."""
        body = _lease_body(record.name, record.holder or "", record.session or "", record.duration_s, work,
                           record.resource_version, transitions=record.transitions,
                           since=record.since, extra=_own_extras(record))
        written = self._request("PUT", self._path(record.name), body, verb="update", conflict_ok=True)
        return _record(written) if written is not None else None

    def _release(self, record: LeaseRecord) -> bool:
        """Clear the holder (leaseDurationSeconds 1, as client-go's leader election releases). False on 409."""
        body = _lease_body(record.name, None, None, 1, record.work, record.resource_version,
                           transitions=record.transitions, since=record.since,
                           extra={"released-by": record.holder or ""})
        return self._request("PUT", self._path(record.name), body, verb="update", conflict_ok=True) is not None

    # -- HTTP -------------------------------------------------------------------------------------
    def _path(self, name: str | None) -> str:
        base = f"{GROUP_PATH}/namespaces/{self.namespace}/leases"
        return f"{base}/{name}" if name else base

    def _request(self, method: str, path: str, body: Any = None, *, verb: str,
                 conflict_ok: bool = False) -> dict[str, Any] | None:
        return kube_call(self.api, method, path, body, verb=verb, resource="leases", namespace=self.namespace,
                         conflict_ok=conflict_ok)


class HeldLease:
    """A Lease this process holds, renewed by a daemon thread until `release()` (or `with` exit)."""

    def __init__(self, leases: Leases, record: LeaseRecord,
                 on_lost: Callable[[LeaseRecord | None], None] | None = None, *,
                 previous: LeaseRecord | None = None, override_reason: str | None = None) -> None:
        self.leases = leases
        self.record = record
        self.previous = previous  # the holder before us (expired, released or overridden), if any
        self.override_reason = override_reason or None
        self.lost = threading.Event()
        self.lost_to: LeaseRecord | None = None  # who holds it after we lost it (None: unknown)
        self._on_lost = on_lost
        self._work = record.work
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._renew_loop, name=f"lease-{record.name}", daemon=True)
        self._thread.start()

    @property
    def name(self) -> str:
        return self.record.name

    def set_work(self, work: Work) -> None:
        """Change the work shown to others (written at the next renewal)."""
        self._work = work

    def renew(self) -> bool:
        """Renew now; False (and `lost` set) when the Lease is no longer ours."""
        if self.lost.is_set():
            return False
        with self._lock:
            try:
                renewed = self.leases._renew(self.record, self._work)
            except FleetError:
                if _now() > (self.record.renewed or _now()) + timedelta(seconds=self.record.duration_s):
                    self._lose(None)
                return not self.lost.is_set()
            if renewed is None:
                try:
                    current = self.leases.read(self.record.name)
                except FleetError:
                    current = None
                self._lose(current)
                return False
            self.record = renewed
            return True

    def release(self) -> None:
        """Stop renewing and clear the holder, unless someone else holds it by now."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=RENEW_JOIN_TIMEOUT)
        if self.lost.is_set():
            return
        with self._lock, contextlib.suppress(FleetError):  # unreachable: the Lease expires after its duration
            self.leases._release(self.record)

    def __enter__(self) -> HeldLease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _renew_loop(self) -> None:
        interval = max(self.record.duration_s / 3, 0.2)
        while not self._stop.wait(interval):
            if not self.renew():
                return

    def _lose(self, current: LeaseRecord | None) -> None:
        if self.lost.is_set():
            return
        self.lost_to = current
        self.lost.set()
        if self._on_lost is not None:
            self._on_lost(current)


def _now() -> datetime:
    return datetime.now(UTC)


def _micro(moment: datetime) -> str:
    """Kubernetes MicroTime: RFC 3339 with exactly six fractional digits, in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _own_extras(record: LeaseRecord) -> dict[str, str]:
    """Annotations a renewal keeps: the reason of the take-over that made this holder."""
    keep = ("override-reason", "overridden-holder", "overridden-work")
    return {k: record.annotations[ANNOTATION + k] for k in keep if ANNOTATION + k in record.annotations}


def _lease_body(name: str, holder: str | None, session: str | None, duration_s: int, work: Work,
                resource_version: str | None, *, transitions: int, since: datetime | None = None,
                extra: dict[str, str] | None = None) -> dict[str, Any]:
    now = _now()
    annotations = {ANNOTATION + "what": work.what, ANNOTATION + "step": work.step,
                   ANNOTATION + "session": session or ""}
    annotations.update({ANNOTATION + k: v for k, v in (extra or {}).items()})
    metadata: dict[str, Any] = {"name": name, "annotations": annotations,
                                "labels": {"app.kubernetes.io/managed-by": "drconsole"}}
    if resource_version is not None:
        metadata["resourceVersion"] = resource_version
    spec: dict[str, Any] = {"leaseDurationSeconds": duration_s, "leaseTransitions": transitions,
                            "acquireTime": _micro(since or now), "renewTime": _micro(now)}
    if holder:
        spec["holderIdentity"] = holder
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": metadata, "spec": spec}


def _record(obj: dict[str, Any]) -> LeaseRecord:
    meta, spec = obj.get("metadata", {}), obj.get("spec", {})
    annotations = dict(meta.get("annotations") or {})
    return LeaseRecord(
        name=str(meta.get("name", "")), holder=spec.get("holderIdentity") or None,
        session=annotations.get(ANNOTATION + "session") or None,
        work=Work(annotations.get(ANNOTATION + "what", ""), annotations.get(ANNOTATION + "step", "")),
        since=_parse(spec.get("acquireTime")), renewed=_parse(spec.get("renewTime")),
        duration_s=int(spec.get("leaseDurationSeconds") or 0), transitions=int(spec.get("leaseTransitions") or 0),
        resource_version=str(meta.get("resourceVersion", "")), annotations=annotations)

__all__ = ["Busy", "FleetError", "FleetUnreachable", "HeldLease", "LeaseError", "LeaseRecord", "Leases",
           "NotPermitted", "Work"]
