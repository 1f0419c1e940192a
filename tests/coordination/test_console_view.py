"""Two consoles as Pilot apps with homes of their own on the lab Fleet: each shows the other's actions
on the dashboard and in the journal view's live Fleet row, and the lock's holder."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.coordination.test_record import Console
from tests.tui.conftest import DEMO_RUNBOOK, demo_profile, open_dashboard, ready

pytestmark = [pytest.mark.lab, pytest.mark.kube]


def app_for(kubeconfig: Path, journal_dir: Path) -> Any:
    from drconsole.app.session import Session
    from drconsole.journal import Journal
    from drconsole.tui.app import DrconsoleApp
    from drconsole.tui.config import ConsoleConfig

    profile = demo_profile(clusters={"kubeconfig": str(kubeconfig), "fleet": {"context": "fleet"},
                                     "ack": {"context": "ack"}, "registered": {"context": "idc"}},
                           coordination={"poll_s": 0.5})
    journal = Journal(journal_dir / "journal.sqlite")
    return DrconsoleApp(session=Session(profile, journal=journal, operator="ops"), runbook=DEMO_RUNBOOK,
                        config=ConsoleConfig(), autorun=False)


async def shown(pilot: Any, read: Any, wanted: str, timeout: float = 60.0) -> float:
    """Seconds until `read()` contains `wanted` (fails after a generous `timeout`)."""
    started = time.monotonic()
    while wanted not in read():
        assert time.monotonic() - started < timeout, f"{wanted!r} not shown; showing {read()!r}"
        await pilot.pause(0.05)
    return time.monotonic() - started


async def test_dashboard_and_journal_show_the_other_console(fleet_user: Any, tmp_path: Path) -> None:
    from textual.widgets import DataTable, Static

    from drconsole.coordination.lease import Leases, Work
    from drconsole.coordination.rbac import RESPONDER_ROLE
    from drconsole.coordination.run import LOCK_NAME

    alice = Console(tmp_path / "alice", fleet_user("alice", RESPONDER_ROLE))  # the other console
    app = app_for(fleet_user("bob", RESPONDER_ROLE), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        screen = await open_dashboard(app, pilot)
        fleet = screen.query_one("#fleet", Static)
        await shown(pilot, lambda: str(fleet.render()), "shared record live")
        held = Leases(alice.api).acquire(LOCK_NAME, alice.identity.holder, 30, Work("zone failover", "shift"))
        try:
            alice.act("succeeded", "Ingress pinned to zone b")
            record = alice.record()
            record.publish_pending()
            holder = alice.identity.holder
            seconds = await shown(pilot, lambda: str(fleet.render()), f"traffic.pin succeeded by {holder}")
            print(f"bob's dashboard showed alice's action {seconds:.2f} s after it was published (poll 0.5 s)")
            await shown(pilot, lambda: str(fleet.render()), f"lock: zone failover by {alice.identity.holder}")
            assert "you are bob@" in str(fleet.render())
            await pilot.press("3")
            runs = app.screen.query_one("#runs", DataTable)
            await shown(pilot, lambda: "fleet" if "fleet" in runs.rows else "", "fleet")
            runs.move_cursor(row=runs.get_row_index("fleet"))
            events = app.screen.query_one("#events", DataTable)
            await shown(pilot, lambda: " ".join(str(events.get_row_at(i)) for i in range(events.row_count)),
                        "Ingress pinned to zone b")
        finally:
            held.release()
            alice.journal.close()
            alice.api.close()
