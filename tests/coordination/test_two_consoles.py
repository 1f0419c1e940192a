"""Two operators, one incident, on the full lab: two `drconsole run` processes with homes, journals and
Fleet users of their own (alice and bob, responders). Alice shifts traffic and then waits out a long
failback window, holding the lock; bob is refused a conflicting pin and told who holds it; alice's
process is SIGKILLed, the lock expires, and bob proceeds; bob's break-glass override of a live lock is
journaled by both; and each sees the other's actions in the shared record."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.coordination.conftest import user_api
from tests.fixtures.net import wait_until

if TYPE_CHECKING:
    from drconsole.profile import Profile

pytestmark = [pytest.mark.lab]
# Shorter than the default 15 s so the expiry costs the test less; long enough that a loaded machine
# delaying a renewal (every LEASE_S / 3) does not make a live holder look dead.
LEASE_S = 10
HOLD = textwrap.dedent('''
    id: zone-failover-drill
    title: shift to zone b, then wait a long failback window (holds the lock)
    summary: two steps
    steps:
      - id: shift
        title: shift
        guide: pins zone b
        actions:
          - use: traffic.pin
            with: {zone: b}
      - id: hold
        title: hold
        guide: waits for zone a to stay healthy for ten minutes
        actions:
          - use: traffic.failback
            with: {stabilize_s: 600, interval_s: 1}
''')
PIN_A = textwrap.dedent('''
    id: pin-a
    title: pin traffic to zone a
    summary: one step
    steps:
      - id: pin
        title: pin
        guide: pins zone a
        actions:
          - use: traffic.pin
            with: {zone: a}
''')


@dataclass
class Operator:
    name: str
    home: Path
    kubeconfig: Path
    profile: Profile

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "XDG_CONFIG_HOME": str(self.home / "config"), "XDG_STATE_HOME": str(self.home / "state"),
                "XDG_DATA_HOME": str(self.home / "data"), "PYTHONUNBUFFERED": "1"}

    def run(self, runbook: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.argv(runbook, *args), env=self.env, capture_output=True, text=True, timeout=300)

    def start(self, runbook: Path, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(self.argv(runbook, *args), env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)

    def argv(self, runbook: Path, *args: str) -> list[str]:
        zones = self.profile.clusters
        return [sys.executable, "-m", "drconsole", "run", str(runbook), "--profile", self.profile.name, "--yes",
                "--confirm-target", str(zones.ack.zone), "--confirm-target", str(zones.registered.zone), *args]

    def events(self) -> list[dict[str, Any]]:
        from drconsole.journal import Journal

        path = self.home / "state" / "drconsole" / "journal" / f"{self.profile.name}.sqlite"
        journal = Journal(path)
        try:
            return journal.action_events()
        finally:
            journal.close()


@pytest.fixture
def operators(lab_profile: Profile, fleet_user: Any, isolated_home: Path,
              tmp_path: Path) -> Iterator[dict[str, Operator]]:
    """alice and bob: the lab profile (lease LEASE_S) and keyring copied into homes of their own."""
    from drconsole.coordination.rbac import RESPONDER_ROLE
    from drconsole.profile import profile_path, save_profile

    made = {}
    for name in ("alice", "bob"):
        home = tmp_path / name
        for sub in ("config", "data"):
            shutil.copytree(isolated_home / sub, home / sub)
        (home / "state").mkdir()
        kubeconfig = fleet_user(name, RESPONDER_ROLE, lab_profile.gateway.namespace)
        data = lab_profile.model_dump(mode="json")
        data["clusters"]["kubeconfig"] = str(kubeconfig)
        data["coordination"]["lease_s"] = LEASE_S
        profile = type(lab_profile).model_validate(data)
        save_profile(profile, home / "config" / profile_path(profile.name).relative_to(isolated_home / "config"))
        made[name] = Operator(name, home, kubeconfig, profile)
    yield made
    # traffic back on zone A for the next test, whoever holds the lock now
    restore = made["bob"].run(_book(tmp_path, "pin-a", PIN_A), "--override", "fleet-lock=test clean-up")
    assert restore.returncode == 0, restore.stdout + restore.stderr


def _book(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def _lock(operator: Operator) -> Any:
    from drconsole.coordination.lease import Leases
    from drconsole.coordination.run import LOCK_NAME

    api = user_api(operator.kubeconfig)
    try:
        return Leases(api).read(LOCK_NAME)
    finally:
        api.close()


def _holding(operator: Operator, step: str) -> Any:
    lock = _lock(operator)
    return lock if lock and not lock.expired() and lock.holder.startswith(operator.name + "@") \
        and lock.work.step == step else None


class FirstSeen:
    """When the watching console first had each entry (polled every 20 ms in a thread of the test)."""

    def __init__(self, record: Any) -> None:
        import threading

        self.record = record
        self.at: dict[tuple[str, str], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.wait(0.02):
            for entry in list(self.record.others):
                self.at.setdefault((entry.source, entry.ref), time.time())

    def delay(self, entry: Any) -> float:
        # the test may find the entry before this poller's next round: then it is seen now, at the latest
        return self.at.setdefault((entry.source, entry.ref), time.time()) - entry.at

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _kill(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGKILL)
    out, _ = process.communicate(timeout=30)
    return out


def test_two_operators_lock_expiry_override_and_shared_record(operators: dict[str, Operator],
                                                              tmp_path: Path) -> None:
    from drconsole.coordination.identity import Identity
    from drconsole.coordination.record import Outbox, SharedRecord
    from drconsole.coordination.run import LOCK_RULE
    from drconsole.journal import Journal

    alice, bob = operators["alice"], operators["bob"]
    hold, pin_a = _book(tmp_path, "hold", HOLD), _book(tmp_path, "pin-a", PIN_A)
    # bob's console reading the shared record (a journal of its own: every entry of alice is "another's")
    watcher_journal = Journal(tmp_path / "watcher.sqlite")
    watcher = SharedRecord(user_api(bob.kubeconfig),
                           Outbox(watcher_journal, "watch", Identity("watcher", "os", "test")), poll_s=0.2)
    watcher.start()
    first_seen = FirstSeen(watcher)
    first = alice.start(hold)
    try:
        # 1. alice holds the lock while her failback window runs; bob is refused and told who holds it
        held = wait_until(lambda: _holding(alice, "hold"), timeout=180, what="alice holding the lock in step hold")
        refused = bob.run(pin_a)
        assert refused.returncode == 4, refused.stdout + refused.stderr
        assert held.holder in refused.stdout and "step hold" in refused.stdout
        lock_refusals = [e for e in bob.events() if e["kind"] == "refused"]
        assert lock_refusals and lock_refusals[-1]["data"]["rule"] == LOCK_RULE
        assert lock_refusals[-1]["data"]["evidence"]["holder"] == held.holder
        evidence = lock_refusals[-1]["data"]["evidence"]
        assert evidence["step"] == "hold" and evidence["expired"] is False
        assert not [e for e in bob.events() if e["kind"] == "started"]  # nothing was sent

        # each console shows the other's actions: alice's lock in bob's view, bob's refusal in alice's record
        seen = wait_until(lambda: [e for e in watcher.others if e.kind == "lock" and e.who == held.holder],
                          timeout=60, what="alice's lock in bob's console")
        print(f"alice's lock journaled -> in bob's console: {first_seen.delay(seen[-1]):.2f} s")
        refusal = wait_until(lambda: [e for e in watcher.others if e.kind == "refused" and e.who.startswith("bob@")],
                             timeout=60, what="bob's refusal in the shared record")
        print(f"bob's refusal journaled -> in the shared record: {first_seen.delay(refusal[-1]):.2f} s")

        # 2. alice's process dies: the lock expires (LEASE_S) and bob proceeds without an override
        _kill(first)
        wait_until(lambda: (_lock(alice) or held).expired(), timeout=120, what="alice's lock expired")
        proceeded = bob.run(pin_a)
        assert proceeded.returncode == 0, proceeded.stdout + proceeded.stderr
        taken = [e for e in bob.events() if e["kind"] == "lock"][-1]["data"]
        assert taken["previous_holder"] == held.holder and taken["previous_expired"] is True
        assert taken["holder"].startswith("bob@") and taken["fleet_identity"]["source"] == "kubeconfig"
        assert taken["fleet_identity"]["user"] == "system:serviceaccount:drconsole:bob"

        # 3. a live but stuck holder: bob overrides with a reason; both journals record it
        second = alice.start(hold)
        try:
            wait_until(lambda: _holding(alice, "hold"), timeout=180, what="alice holding the lock again")
            reason = "alice's console is stuck; incident commander approved"
            forced = bob.run(pin_a, "--override", f"{LOCK_RULE}={reason}")
            assert forced.returncode == 0, forced.stdout + forced.stderr
            override = [e for e in bob.events() if e["kind"] == "override"][-1]["data"]
            assert override["rule"] == LOCK_RULE and override["reason"] == reason
            assert override["overridden_holder"] == held.holder
            lost = wait_until(lambda: [e for e in alice.events() if e["kind"] == "lock-lost"], timeout=60,
                              what="the override journaled by alice's console")
            assert lost[-1]["data"]["taken_by"].startswith("bob@") and lost[-1]["data"]["reason"] == reason
            lost_seen = wait_until(lambda: [e for e in watcher.others if e.kind == "lock-lost"
                                            and e.who == held.holder], timeout=60, what="alice's lost lock, shared")
            print(f"alice's lock-lost journaled -> in bob's console: {first_seen.delay(lost_seen[-1]):.2f} s")
        finally:
            _kill(second)
    finally:
        if first.poll() is None:
            _kill(first)
        first_seen.stop()
        watcher.stop()
        watcher_journal.close()
