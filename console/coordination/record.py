"""The shared record: this console's journal entries published to the Fleet as Kubernetes Events,
and the other consoles' entries read back from there.

* The local journal stays the source: a cursor file (state dir) remembers the last journal row of
  each table that reached the Fleet, so whatever was written while the Fleet was unreachable is
  published when it answers again. Event names are derived from the journal and the row, so
  publishing twice is harmless (HTTP 409 counts as published).
* Each Event is bounded: `note` at most 1 KiB (the API's own limit), one JSON annotation with the
  typed entry at most 4 KiB; the API server deletes Events after its --event-ttl (1 h by default),
  so the record on the Fleet never grows without bound. Exports are made from the local journal.
* Published: runs and their ends, confirmations and action events; not check results and not the
  zone-probe runs (a round a second: the dashboards of all consoles probe for themselves).
* Entries are read back with one list call per poll (label drconsole, namespace drconsole).
"""

from __future__ import annotations

import hashlib
import json
import socket
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drconsole import paths
from drconsole.coordination.fleet import FleetError, FleetUnreachable, NotFound, NotPermitted, kube_call

if TYPE_CHECKING:
    from drconsole.coordination.identity import Identity
    from drconsole.journal import Journal

EVENTS = "/apis/events.k8s.io/v1/namespaces/{ns}/events"
ENTRY_ANNOTATION = "drconsole.io/entry"
SOURCE_LABEL = "drconsole.io/source"
MANAGED = {"app.kubernetes.io/managed-by": "drconsole"}
CONTROLLER = "drconsole.io/console"
REGARDING_LEASE = "drconsole-traffic"  # the lock the record is about (it may not exist yet)
NOTE_MAX = 1024
ENTRY_MAX = 4096
DETAIL_KEYS = ("summary", "reason", "rule", "error", "zone", "target", "typed", "holder", "previous_holder",
               "taken_by", "overridden_holder", "what", "outcome", "note")
WARNING_KINDS = {"failed", "refused", "override", "lock-lost", "interrupted", "lock-override"}
TABLES = ("runs", "run_ends", "confirmations", "action_events")
PUBLISH_BATCH = 200


@dataclass(frozen=True)
class SharedEntry:
    """One journal entry as every console on the Fleet sees it."""

    source: str  # which console journal wrote it
    ref: str  # table and row within that journal, e.g. "action_events-12"
    at: float
    who: str  # user@host
    identity: str
    profile: str
    kind: str  # run-started | run-finished | confirmed | unconfirmed | an action event kind
    summary: str
    runbook: str | None = None
    step: str | None = None
    action: str | None = None
    run_id: int | None = None
    details: dict[str, str] = field(default_factory=dict)

    def describe(self, now: float | None = None) -> str:
        """'traffic.pin succeeded by bob@pc 5 min ago: Ingress pinned to zone b (zone-failover/shift)'."""
        where = "/".join(p for p in (self.runbook, self.step) if p)
        return (f"{self.action or 'run'} {self.kind} by {self.who} {ago(self.at, now)}"
                + (f": {self.summary}" if self.summary else "") + (f" ({where})" if where else ""))


def ago(at: float, now: float | None = None) -> str:
    seconds = max(0, int((now or time.time()) - at))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


@dataclass
class FleetLink:
    """What the console knows about its link to the shared record."""

    online: bool | None = None  # None: not tried yet
    since: float = field(default_factory=time.time)
    error: str | None = None
    publish_refused: str | None = None  # e.g. a viewer's 403
    pending: int = 0

    def describe(self) -> str:
        if self.online is None:
            return "Fleet: connecting…"
        if not self.online:
            stamp = datetime.fromtimestamp(self.since, UTC).strftime("%H:%M:%S")
            return (f"Fleet unreachable since {stamp} UTC: working from the local journal; "
                    f"{self.pending} entries wait to be published")
        if self.publish_refused:
            return f"Fleet: shared record read-only ({self.publish_refused})"
        return "Fleet: shared record live" + (f", {self.pending} entries to publish" if self.pending else "")


def journal_source(journal_path: Path) -> str:
    """A stable id of one console's journal (host and path): names its Events, tells its entries apart."""
    return hashlib.sha256(f"{socket.gethostname()}|{journal_path.resolve()}".encode()).hexdigest()[:16]


class Outbox:
    """Journal rows not yet on the Fleet, read after a cursor kept in the state dir."""

    def __init__(self, journal: Journal, profile: str, identity: Identity) -> None:
        self.journal = journal
        self.profile = profile
        self.identity = identity
        self.source = journal_source(journal.path)
        self.cursor_path = paths.state_dir() / "coordination" / f"{profile}.{self.source}.cursor.json"
        self._lock = threading.Lock()

    def cursor(self) -> dict[str, int]:
        try:
            data = json.loads(self.cursor_path.read_text())
        except (OSError, ValueError):
            data = {}
        return {table: int(data.get(table, 0)) for table in TABLES}

    def advance(self, done: Iterable[SharedEntry]) -> None:
        with self._lock:
            cursor = self.cursor()
            for entry in done:
                table, row = entry.ref.rsplit("-", 1)
                cursor[table] = max(cursor[table], int(row))
            self.cursor_path.parent.mkdir(parents=True, exist_ok=True)
            temp = self.cursor_path.with_suffix(".tmp")
            temp.write_text(json.dumps(cursor))
            temp.replace(self.cursor_path)

    def pending(self, limit: int = PUBLISH_BATCH) -> list[SharedEntry]:
        """The oldest unpublished entries, in journal order per table."""
        cursor = self.cursor()
        db = sqlite3.connect(f"file:{self.journal.path}?mode=ro", uri=True, timeout=5)
        db.row_factory = sqlite3.Row
        try:
            entries = [self._entry("runs", row) for row in
                       db.execute("SELECT rowid AS n, * FROM runs WHERE rowid > ? AND kind NOT IN ('probe') "
                                  "ORDER BY rowid LIMIT ?",
                                  (cursor["runs"], limit))]
            entries += [self._entry("run_ends", row) for row in db.execute(
                "SELECT e.rowid AS n, e.*, r.runbook, r.operator FROM run_ends e JOIN runs r ON r.id = e.run_id "
                "WHERE e.rowid > ? AND r.kind NOT IN ('probe') ORDER BY e.rowid LIMIT ?", (cursor["run_ends"], limit))]
            entries += [self._entry("confirmations", row) for row in
                        db.execute("SELECT rowid AS n, * FROM confirmations WHERE rowid > ? ORDER BY rowid LIMIT ?",
                                   (cursor["confirmations"], limit))]
            entries += [self._entry("action_events", row) for row in
                        db.execute("SELECT rowid AS n, * FROM action_events WHERE rowid > ? ORDER BY rowid LIMIT ?",
                                   (cursor["action_events"], limit))]
        finally:
            db.close()
        return sorted(entries, key=lambda e: e.at)

    def count(self) -> int:
        return len(self.pending())

    def _entry(self, table: str, row: sqlite3.Row) -> SharedEntry:
        common = {"source": self.source, "ref": f"{table}-{row['n']}", "who": self.identity.holder,
                  "identity": self.identity.user, "profile": self.profile}
        if table == "runs":
            return SharedEntry(**common, at=row["started"], kind="run-started", runbook=row["runbook"],
                               run_id=row["id"], summary=f"{row['kind']} run {row['id']}"
                               + (" (rehearsal)" if row["rehearsal"] else ""))
        if table == "run_ends":
            return SharedEntry(**common, at=row["finished"], kind="run-finished", runbook=row["runbook"],
                               run_id=row["run_id"], summary=f"run {row['run_id']} {row['outcome']}",
                               details={"outcome": row["outcome"]})
        if table == "confirmations":
            return SharedEntry(**common, at=row["at"], kind="confirmed" if row["confirmed"] else "unconfirmed",
                               runbook=row["runbook"], step=row["step"], run_id=row["run_id"],
                               summary=f"{row['item']}" + (f": {row['note']}" if row["note"] else ""))
        data = _loads(row["data"])
        nested = [data.get(key) for key in ("output", "evidence")]  # typed payloads keep these in sub-records
        data = {**{k: v for part in nested if isinstance(part, dict) for k, v in part.items()}, **data}
        details = {k: _short(data[k]) for k in DETAIL_KEYS if data.get(k) not in (None, "", [], {})}
        return SharedEntry(**common, at=row["at"], kind=row["kind"], runbook=row["runbook"], step=row["step"],
                           action=row["action"], run_id=row["run_id"],
                           summary=details.get("summary") or details.get("reason") or details.get("error") or "",
                           details=details)


class SharedRecord:
    """Publishes this console's outbox and reads the others' entries; `start()` does both in a thread."""

    def __init__(self, api: Any, outbox: Outbox, *, namespace: str = "drconsole", poll_s: float = 1.0,
                 keep: int = 200) -> None:
        self.api = api
        self.outbox = outbox
        self.namespace = namespace
        self.poll_s = poll_s
        self.keep = keep
        self.link = FleetLink()
        self.others: list[SharedEntry] = []  # newest last
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._publishing = threading.Lock()
        self._thread: threading.Thread | None = None
        self._read_others = True

    # -- one round --------------------------------------------------------------------------------
    def publish_pending(self) -> int:
        """Publish what the journal has beyond the cursor; the number published. Never raises."""
        with self._publishing:
            published = 0
            done: list[SharedEntry] = []
            try:
                while True:
                    batch = self.outbox.pending()
                    if not batch or self.link.publish_refused:
                        break
                    done = []
                    for entry in batch:
                        self._create(entry)
                        done.append(entry)
                        published += 1
                    self.outbox.advance(done)
                    if len(batch) < PUBLISH_BATCH:
                        break
                self._online()
            except NotPermitted as exc:
                self.link.publish_refused = f"you may not create events: {exc.fix}"
                self._online()
            except NotFound as exc:
                self.link.publish_refused = f"{exc.message}; {exc.fix}"
                self._online()
            except FleetError as exc:
                self._offline(exc)
                if done:
                    self.outbox.advance(done)
            self.link.pending = self.outbox.count()
            return published

    def fetch(self) -> list[SharedEntry]:
        """The other consoles' entries on the Fleet (oldest first, at most `keep`). Never raises."""
        try:
            answer = kube_call(self.api, "GET", EVENTS.format(ns=self.namespace), verb="list", resource="events",
                               namespace=self.namespace,
                               query={"labelSelector": "app.kubernetes.io/managed-by=drconsole"})
        except FleetError as exc:
            self._offline(exc)
            return self.others
        self._online()
        entries = []
        for item in (answer or {}).get("items", []):
            entry = _entry_of(item)
            if entry is not None and entry.source != self.outbox.source:
                entries.append(entry)
        self.others = sorted(entries, key=lambda e: e.at)[-self.keep:]
        return self.others

    def poke(self) -> None:
        """Something was journaled: publish now rather than at the next poll."""
        self._wake.set()

    # -- the background thread --------------------------------------------------------------------
    def start(self, *, read_others: bool = True) -> None:
        """Publish (and, with `read_others`, fetch) every `poll_s`, and at once after `poke()`."""
        self._read_others = read_others
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="shared-record", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.publish_pending()
            if self._read_others:
                self.fetch()
            self._wake.wait(self.poll_s)
            self._wake.clear()

    # -- helpers ----------------------------------------------------------------------------------
    def _create(self, entry: SharedEntry) -> None:
        kube_call(self.api, "POST", EVENTS.format(ns=self.namespace), _event(entry, self.namespace), verb="create",
                  resource="events", namespace=self.namespace, conflict_ok=True, absent_ok=False)

    def _online(self) -> None:
        if self.link.online is not True:
            self.link.online, self.link.since, self.link.error = True, time.time(), None

    def _offline(self, exc: FleetError) -> None:
        if self.link.online is not False:
            self.link.since = time.time()
        self.link.online = False
        self.link.error = exc.message if isinstance(exc, FleetUnreachable) else str(exc)


def _event(entry: SharedEntry, namespace: str) -> dict[str, Any]:
    payload = json.dumps(asdict(entry), default=str, ensure_ascii=False)
    if len(payload.encode()) > ENTRY_MAX:  # drop the details, and keep 1 KiB of each free text
        payload = json.dumps({**asdict(entry), "details": {}, "summary": _cut(entry.summary, 1024),
                              "identity": _cut(entry.identity, 512), "who": _cut(entry.who, 256)},
                             default=str, ensure_ascii=False)
    table, row = entry.ref.rsplit("-", 1)
    reason = "".join(part.capitalize() for part in entry.kind.replace("_", "-").split("-"))
    return {
        "apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": f"drconsole.{entry.source}.{table.replace('_', '-')}.{row}", "namespace": namespace,
                     "labels": {**MANAGED, SOURCE_LABEL: entry.source},
                     "annotations": {ENTRY_ANNOTATION: payload}},
        "eventTime": datetime.fromtimestamp(entry.at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "reportingController": CONTROLLER, "reportingInstance": entry.who[:128],
        "action": (entry.action or entry.kind)[:128], "reason": reason[:128] or "Entry",
        "type": "Warning" if entry.kind in WARNING_KINDS else "Normal",
        "note": _cut(entry.describe(entry.at), NOTE_MAX),
        "regarding": {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "namespace": namespace,
                      "name": REGARDING_LEASE},
    }


def _entry_of(item: dict[str, Any]) -> SharedEntry | None:
    raw = (item.get("metadata", {}).get("annotations") or {}).get(ENTRY_ANNOTATION)
    try:
        data = json.loads(raw or "")
        return SharedEntry(**{k: data[k] for k in SharedEntry.__dataclass_fields__ if k in data})
    except (TypeError, ValueError, KeyError):
        return None  # not ours, or from an incompatible version: skipped


def _loads(raw: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _cut(text: str, size: int) -> str:
    """At most `size` bytes of UTF-8, never half a character."""
    return text.encode()[:size].decode(errors="ignore")


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text[:300]
