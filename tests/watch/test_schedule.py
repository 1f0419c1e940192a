"""The schedule alone: intervals per family, bounded jitter, no overlap, backoff while throttled."""

from __future__ import annotations

import random

from drconsole.watch.schedule import Schedule


def test_every_family_is_due_at_start_then_at_its_own_interval() -> None:
    schedule = Schedule({"bgp": 10.0, "gitops": 60.0}, jitter=0.0, rng=random.Random(1))
    schedule.start(100.0)
    assert schedule.due(100.0) == ["bgp", "gitops"]
    schedule.swept(["bgp", "gitops"], started=100.0, ended=101.0, throttled=False)
    assert schedule.due(105.0) == []
    assert schedule.next_at() == 110.0
    assert schedule.due(110.0) == ["bgp"]
    assert schedule.due(160.0) == ["bgp", "gitops"]


def test_jitter_stays_within_its_share_and_varies() -> None:
    schedule = Schedule({"kube": 100.0}, jitter=0.1, rng=random.Random(7))
    seen = set()
    for _ in range(200):
        schedule.start(0.0)
        schedule.swept(["kube"], started=0.0, ended=1.0, throttled=False)
        seen.add(round(schedule.next_at(), 3))
    assert all(90.0 <= at <= 110.0 for at in seen)
    assert len(seen) > 100


def test_a_slow_sweep_is_followed_only_after_it_ended() -> None:
    schedule = Schedule({"dns": 10.0}, jitter=0.0)
    schedule.start(0.0)
    schedule.swept(["dns"], started=0.0, ended=25.0, throttled=False)
    assert schedule.next_at() == 25.0


def test_throttling_doubles_the_wait_up_to_the_cap_and_resets() -> None:
    schedule = Schedule({"fleet": 10.0}, jitter=0.0, max_backoff=4.0)
    schedule.start(0.0)
    waits = []
    for throttled in (True, True, True, False):
        schedule.swept(["fleet"], started=0.0, ended=0.0, throttled=throttled)
        waits.append(schedule.next_at())
    assert waits == [20.0, 40.0, 40.0, 10.0]
