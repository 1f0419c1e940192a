"""Lease locks against the lab Fleet's real API server: acquire, refuse, renew, release, expiry,
break-glass take-over, and a race that only one acquirer wins."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.fixtures.net import wait_until

pytestmark = [pytest.mark.lab, pytest.mark.kube]


@pytest.fixture
def leases(fleet_admin: Any) -> Any:
    from drconsole.coordination.lease import Leases

    return Leases(fleet_admin, "drconsole")


def _name() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


def test_second_holder_is_told_who_holds_it(leases: Any) -> None:
    from drconsole.coordination.lease import Busy, HeldLease, Work

    name = _name()
    held = leases.acquire(name, "alice@laptop", 30, Work("zone failover", "shift"))
    assert isinstance(held, HeldLease)
    try:
        answer = leases.acquire(name, "bob@desk", 30, Work("zone failback", "pin"))
        assert isinstance(answer, Busy)
        assert (answer.holder, answer.step, answer.expired) == ("alice@laptop", "shift", False)
        assert answer.since is not None and abs(answer.since - datetime.now(UTC)) < timedelta(minutes=1)
        assert answer.record.work.what == "zone failover"
        # the same holder in another session (a second console of alice) is refused too
        assert isinstance(leases.acquire(name, "alice@laptop", 30, Work("x")), Busy)
    finally:
        held.release()
    after = leases.acquire(name, "bob@desk", 30, Work("zone failback", "pin"))
    assert isinstance(after, HeldLease)
    assert after.previous is not None and after.previous.holder is None  # released, not overridden
    assert after.override_reason is None
    after.release()


def test_renewal_keeps_the_lease_past_its_duration(leases: Any) -> None:
    from drconsole.coordination.lease import Busy, Work

    name = _name()
    held = leases.acquire(name, "alice@laptop", 3, Work("zone failover", "shift"))
    try:
        first = held.record.renewed
        held.set_work(Work("zone failover", "verify"))
        # two renewals by the background thread (whenever the machine gets to them)
        wait_until(lambda: leases.read(name).renewed > first + timedelta(seconds=1), timeout=60, what="the lease state")
        current = leases.read(name)
        assert current.holder == "alice@laptop" and current.work.step == "verify"
        assert isinstance(leases.acquire(name, "bob@desk", 3, Work("x")), Busy)
        assert not held.lost.is_set()
    finally:
        held.release()


def test_dead_holder_expires_and_the_next_proceeds(leases: Any, fleet_admin: Any) -> None:
    from drconsole.coordination.lease import Busy, HeldLease, Work

    name = _name()
    dead = leases.acquire(name, "alice@laptop", 2, Work("zone failover", "shift"))
    dead._stop.set()  # the holder dies: nothing renews any more, nothing releases
    wait_until(lambda: leases.read(name).expired(), timeout=60, what="the lease state")
    answer = leases.acquire(name, "bob@desk", 30, Work("zone failback", "pin"))
    assert isinstance(answer, HeldLease), answer
    assert answer.previous is not None and answer.previous.holder == "alice@laptop"
    assert answer.record.transitions == 1
    # the dead holder, were it to wake, finds it lost to bob
    assert dead.renew() is False and dead.lost_to is not None and dead.lost_to.holder == "bob@desk"
    assert isinstance(leases.acquire(name, "carol@pc", 30, Work("x")), Busy)
    answer.release()


def test_take_over_of_a_live_lease_needs_a_reason_and_tells_the_holder(leases: Any) -> None:
    from drconsole.coordination.lease import HeldLease, LeaseError, Work

    name = _name()
    losses: list[Any] = []
    stuck = leases.acquire(name, "alice@laptop", 30, Work("zone failover", "shift"), on_lost=losses.append)
    with pytest.raises(LeaseError):
        leases.take_over(name, "bob@desk", 30, Work("zone failback"), reason="  ")
    taken = leases.take_over(name, "bob@desk", 30, Work("zone failback", "pin"), reason="alice's console hangs")
    assert isinstance(taken, HeldLease)
    assert taken.previous is not None and taken.previous.holder == "alice@laptop"
    assert taken.override_reason == "alice's console hangs"
    assert stuck.renew() is False
    assert stuck.lost.is_set() and len(losses) == 1
    assert losses[0].holder == "bob@desk" and losses[0].override_reason == "alice's console hangs"
    assert losses[0].overridden_holder == "alice@laptop"
    stuck.release()  # lost: must not clear bob's hold
    assert leases.read(name).holder == "bob@desk"
    taken.release()


@pytest.mark.parametrize("state", ["free", "expired"])
def test_racing_acquirers_exactly_one_wins(leases: Any, state: str) -> None:
    from drconsole.coordination.lease import HeldLease, Work

    for _round in range(3):
        name = _name()
        if state == "expired":
            first = leases.acquire(name, "ghost@gone", 1, Work("x"))
            first._stop.set()
            wait_until(lambda name=name: leases.read(name).expired(), timeout=60, what="the lease state")
        barrier = threading.Barrier(4)
        answers: list[Any] = []

        def contend(i: int, name: str, barrier: threading.Barrier, answers: list[Any]) -> None:
            barrier.wait()
            answers.append(leases.acquire(name, f"op{i}@host", 30, Work("zone failover")))

        threads = [threading.Thread(target=contend, args=(i, name, barrier, answers)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [a for a in answers if isinstance(a, HeldLease)]
        assert len(winners) == 1, answers
        assert leases.read(name).holder == winners[0].record.holder
        assert all(a.holder == winners[0].record.holder for a in answers if a is not winners[0])
        winners[0].release()
