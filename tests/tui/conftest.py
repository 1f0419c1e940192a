"""Fixtures for the console's tests: a synthetic profile, a small runbook, a real TCP check, results."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import BaseModel

from drconsole import findings
from drconsole.context import Context
from drconsole.profile import Profile
from drconsole.registry import check
from drconsole.results import CheckResult, Evidence, Outcome, Status

DEMO_RUNBOOK = str(Path(__file__).parent / "data" / "demo.yaml")
SIZE = (120, 40)
FIXED = 1_767_225_600.0  # 2026-01-01 00:00:00 UTC


class PortParams(BaseModel):
    port: int
    host: str = "127.0.0.1"


findings.add(Path(__file__).parent / "data" / "findings.yaml")
# stand-ins of each non-passing status, for synthetic results
CODES = {"fail": "GW-ZONE-DOWN", "error": "CHECK-TIMEOUT", "warn": "GW-FAILED-OVER", "skipped": "GW-ZONE-NO-BACKEND"}


@check("tuidemo.port-open", family="gateway", title="The demo service accepts TCP connections", timeout=3.0)
async def port_open(ctx: Context, params: PortParams) -> Outcome:
    """A real check: a TCP connect on loopback."""

    def connect() -> float:
        started = time.monotonic()
        with socket.create_connection((params.host, params.port), timeout=1.0):
            return (time.monotonic() - started) * 1000

    asked = f"TCP connect {params.host}:{params.port}"
    try:
        ms = await ctx.blocking(connect)
    except OSError as exc:
        return Outcome.failed("DEMO-PORT-CLOSED", f"nothing accepts connections on port {params.port}",
                              Evidence(source="tcp", asked=asked, answer=str(exc)),
                              cause=f"{type(exc).__name__}: the port is closed")
    return Outcome.passed(f"port {params.port} accepts connections", Evidence(source="tcp", asked=asked,
                                                                              answer="connected", ms=ms))


def demo_profile(**overrides: Any) -> Profile:
    data: dict[str, Any] = {
        "name": "demo",
        "cloud": {"region": "cn-hangzhou", "access_key_id": "LTAIdemo"},
        "network": {"vpc_id": "vpc-demo000001", "vpc_cidrs": ["192.168.0.0/16"], "idc_cidrs": ["10.10.0.0/16"],
                    "bgp": {"idc_asn": 65001, "vbr_peer_ip": "10.0.0.1", "idc_peer_ip": "10.0.0.2"}},
        "clusters": {"fleet": {"context": "fleet"}, "ack": {"context": "ack", "zone": "cn-hangzhou-h"},
                     "registered": {"context": "idc", "zone": "cn-hangzhou-i"}},
        "gateway": {"host": "app.dr.example.com"},
    }
    data.update(overrides)
    return Profile.model_validate(data)


def result(key: str, status: str, family: str, zone: str | None, *, ms: float = 12.0, step: str | None = None,
           summary: str | None = None) -> CheckResult:
    """A synthetic result with fixed timing (for stable pictures)."""
    failing = status in ("fail", "error", "warn")
    return CheckResult(
        status=Status(status), summary=summary or f"{family} is {status}", check=f"{family}.demo", key=key,
        title=f"{family} works", family=family, step=step or key.split("/")[0], zone=zone, started_at=FIXED,
        duration_ms=ms, evidence=[Evidence(source=f"{family}-probe", asked="is it up?", answer={"up": not failing})],
        code=CODES.get(status),
        cause="it answered no" if failing else None, remedy="restart it" if failing else None)


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Journal timestamps at a fixed instant, shown in UTC."""
    import drconsole.app.ages
    import drconsole.journal

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(drconsole.journal, "time", SimpleNamespace(time=lambda: FIXED))
    monkeypatch.setattr(drconsole.app.ages, "clock", lambda: FIXED + 90)
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield int(sock.getsockname()[1])


def demo_runbook(tmp_path: Path, port: int) -> str:
    """The demo runbook with its check pointed at `port`."""
    text = Path(DEMO_RUNBOOK).read_text().replace("{port: 1}", f"{{port: {port}}}")
    target = tmp_path / "demo.yaml"
    target.write_text(text)
    return str(target)


async def ready(app: Any, pilot: Any) -> None:
    """Wait until the runbook screen has its runbook and the step's detail (they are filled after the first
    paint: the steps with their states first, then the detail)."""
    for _ in range(1500):
        if not hasattr(app.screen, "runbook") or (app.screen.runbook is not None and app.screen.filled):
            return
        await pilot.pause(0.02)
    raise AssertionError("the runbook screen never showed its runbook")


async def open_dashboard(app: Any, pilot: Any) -> Any:
    """Switch to the dashboard (key 2) and return its screen."""
    from drconsole.tui.screens.dashboard import DashboardScreen

    await pilot.press("2")
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    return screen
