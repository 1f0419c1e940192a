"""What a console shows of the Fleet: the lock's holder, the other consoles' entries, and whether
the Fleet answers. One background thread per console (started on first use, stopped with it)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from drconsole.coordination.fleet import FleetError
from drconsole.coordination.lease import LeaseRecord, Leases
from drconsole.coordination.record import FleetLink, SharedEntry, SharedRecord
from drconsole.coordination.run import LOCK_NAME

if TYPE_CHECKING:
    from drconsole.context import Context
    from drconsole.coordination.identity import Identity
    from drconsole.journal import Journal


@dataclass(frozen=True)
class FleetSnapshot:
    active: bool  # coordination is on and the Fleet has a client: worth a line on screen
    link: str  # FleetLink.describe()
    online: bool | None
    lock: LeaseRecord | None  # a live holder, None when free
    others: list[SharedEntry] = field(default_factory=list)  # newest last
    identity: str = ""

    def lock_text(self) -> str:
        return f"lock: {self.lock.describe()}" if self.lock else "lock: free"

    def lines(self, latest: int = 3) -> list[str]:
        """What a console shows: the link, the lock, and the newest entries of the other consoles."""
        return [f"{self.link} · {self.lock_text()}" + (f" · you are {self.identity}" if self.identity else ""),
                *(f"  {entry.describe()}" for entry in reversed(self.others[-latest:]))]


class FleetView:
    def __init__(self, ctx: Context, journal: Journal) -> None:
        self.ctx = ctx
        self.journal = journal
        self.settings = ctx.profile.coordination
        self.record: SharedRecord | None = None
        self.identity: Identity | None = None
        self.lock: LeaseRecord | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: str | None = None

    def start(self) -> None:
        if not self.settings.enabled or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="fleet-view", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and close the context (the view owns it)."""
        self._stop.set()
        if self.record is not None:
            self.record.stop()
        self.ctx.close()

    def snapshot(self) -> FleetSnapshot:
        record = self.record
        if not self.settings.enabled or record is None:
            return FleetSnapshot(False, self._error or FleetLink().describe(), None, None)
        return FleetSnapshot(True, record.link.describe(), record.link.online, self.lock, list(record.others),
                             self.identity.holder if self.identity else "")

    def _run(self) -> None:
        from drconsole.coordination.identity import resolve
        from drconsole.coordination.record import Outbox

        try:
            api = self.ctx.kube("fleet")
        except Exception as exc:  # a bad kubeconfig: say so, keep working from the local journal
            self._error = f"Fleet: no client ({exc}); working from the local journal"
            return
        self.identity = resolve(self.ctx)
        record = SharedRecord(api, Outbox(self.journal, self.ctx.profile.name, self.identity),
                              namespace=self.settings.namespace, poll_s=self.settings.poll_s)
        self.record = record
        leases = Leases(api, self.settings.namespace)
        record.start(read_others=True)
        while not self._stop.wait(self.settings.poll_s):
            try:
                current = leases.read(LOCK_NAME)
            except FleetError:
                continue
            self.lock = current if current is not None and not current.expired() else None
