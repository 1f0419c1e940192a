"""Two checks of one sweep share a cloud read while the SDK client is still being built (an import that takes
seconds on a loaded machine, here made to take longer than either check's timeout): neither check spends its
timeout on that set-up — not the one that builds the client, and not the one waiting for the shared answer."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from drconsole.profile import Profile
from drconsole.results import Status

pytestmark = [pytest.mark.lab]
SETUP_S = 6.0
TIMEOUTS = (4.0, 4.1)  # two timeouts, so the engine runs the two invocations apart; both below SETUP_S


def test_a_check_waiting_on_a_shared_read_is_not_timed_out_by_the_other_checks_set_up(
        lab_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    from drconsole import cloud
    from drconsole.context import Context
    from drconsole.engine import Invocation, sweep
    from drconsole.registry import load_checks

    building = cloud.make_client

    def slow_client(*args: Any) -> Any:
        time.sleep(SETUP_S)
        return building(*args)

    monkeypatch.setattr(cloud, "make_client", slow_client)
    spec = load_checks()["registered.running"]
    chosen = [Invocation(key=f"test/running-{n}", spec=spec, timeout=timeout,
                         raw_params={"cluster_id": lab_profile.clusters.registered.id})
              for n, timeout in enumerate(TIMEOUTS)]

    async def swept() -> list[Any]:
        ctx = Context(lab_profile)
        try:
            return [result async for result in sweep(ctx, chosen)]
        finally:
            ctx.close()

    results = asyncio.run(swept())
    assert len(results) == 2
    assert all(r.status is Status.PASS for r in results), [(r.key, r.status, r.code, r.summary) for r in results]
