"""Which replica sends alerts: the one holding the watcher's Lease on the Fleet (i19's Lease module).

A standby tries to acquire every `duration/5` seconds; it wins once the leader stops renewing for the
lease's duration (killed, or its zone is gone) or releases it on a clean stop. A leader that cannot
renew for the duration marks itself lost and stops sending before anyone else can start.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from drconsole.coordination.fleet import FleetError
from drconsole.coordination.lease import Busy, HeldLease, Leases, Work


class Election(Protocol):
    retry_s: float  # how often to campaign

    def campaign(self) -> bool:
        """Try to lead (blocking); True while this replica leads."""
        ...

    @property
    def holder(self) -> str | None: ...

    def leading(self) -> bool: ...

    def resign(self) -> None: ...


class Alone:
    """No election: a single watcher always leads."""

    retry_s = 10.0  # only how often the status file is rewritten

    def __init__(self, identity: str) -> None:
        self._identity = identity

    def campaign(self) -> bool:
        return True

    @property
    def holder(self) -> str | None:
        return self._identity

    def leading(self) -> bool:
        return True

    def resign(self) -> None:
        pass


class LeaseElection:
    """Leadership through one Lease; `holder` is whoever holds it as last seen."""

    WORK = Work("drconsole watch", "sending alerts")

    def __init__(self, api: Any, namespace: str, name: str, identity: str, duration_s: float) -> None:
        self.leases = Leases(api, namespace)
        self.name, self.identity = name, identity
        self.duration_s = max(1, round(duration_s))
        self.retry_s = max(self.duration_s / 5, 0.5)
        self.session = uuid.uuid4().hex
        self._held: HeldLease | None = None
        self._holder: str | None = None

    @property
    def holder(self) -> str | None:
        return self._holder

    def leading(self) -> bool:
        return self._held is not None and not self._held.lost.is_set()

    def campaign(self) -> bool:
        if self.leading():
            return True
        self._held = None
        try:
            answer = self.leases.acquire(self.name, self.identity, self.duration_s, self.WORK, session=self.session)
        except FleetError:
            self._holder = None
            return False
        if isinstance(answer, Busy):
            self._holder = answer.holder
            return False
        self._held, self._holder = answer, self.identity
        return True

    def resign(self) -> None:
        """Release the Lease on a clean stop, so the other replica takes over at once."""
        if self._held is not None:
            self._held.release()
            self._held = None
