"""One sweep of the shipped runbooks asks the lab's region each distinct read once (counted at the region's
own request log), and the data center's resolver each name once (counted at its query log), where the same
checks run one by one ask some of them several times."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from drconsole.cloudstats import COUNTS
from drconsole.context import Context
from drconsole.engine import run_check, sweep
from drconsole.lab.env import LabEnv
from drconsole.profile import Profile
from drconsole.runbooks.loader import load_runbook, shipped_runbooks
from drconsole.sweeps import invocations
from tests.fixtures.net import wait_until


def _calls_sent() -> int:
    return sum(COUNTS.snapshot()[0].values())


def _reads_sent(log: Path, offset: int, calls: int) -> Counter[tuple[str, str, str, str]]:
    """(product, action, path, parameters) of each read the region received after `offset`, once all `calls`
    the process sent are in its log (the region appends a line after its answer has gone)."""
    def all_logged() -> list[dict[str, Any]] | None:
        with log.open() as handle:
            handle.seek(offset)
            rows = [json.loads(line) for line in handle if line.strip()]
        return rows if len(rows) >= calls else None

    sent = wait_until(all_logged, 10, f"the {calls} calls in the region's request log")
    return Counter((r["product"], r["action"], r["path"], json.dumps(r["params"], sort_keys=True))
                   for r in sent if not r["mutating"])


def _run_shipped_checks(profile: Profile, *, swept: bool) -> None:
    """Every check of the shipped runbooks: in one sweep, or one by one."""
    chosen = [inv for name in sorted(shipped_runbooks()) for inv in invocations(load_runbook(name))]
    ctx = Context(profile)

    async def run() -> None:
        if swept:
            async for _ in sweep(ctx, chosen):
                pass
        else:
            for inv in chosen:
                await run_check(ctx, inv)

    try:
        asyncio.run(run())
    finally:
        ctx.close()


def test_one_sweep_asks_each_distinct_read_once(lab: dict[str, Any], lab_profile: Profile) -> None:
    log = Path(lab["region"]["request_log"])
    offset, calls = log.stat().st_size, _calls_sent()
    _run_shipped_checks(lab_profile, swept=False)
    alone = _reads_sent(log, offset, _calls_sent() - calls)
    offset, calls = log.stat().st_size, _calls_sent()
    _run_shipped_checks(lab_profile, swept=True)
    swept = _reads_sent(log, offset, _calls_sent() - calls)
    repeated = {read: n for read, n in alone.items() if n > 1}
    assert repeated, "the checks run one by one should repeat some reads (else this test proves nothing)"
    assert {read[:2] for read in repeated} >= {("cs", "DescribeClusterDetail"), ("adcp", "DescribeHubClusterDetails")}
    assert set(swept) == set(alone), "the sweep asked other reads than its checks ask one by one"
    assert {read: n for read, n in swept.items() if n != 1} == {}


def _names_asked(log: Path, offset: int, names: set[str]) -> Counter[str]:
    with log.open() as handle:
        handle.seek(offset)
        asked = [match.group(1) for match in re.finditer(r"query\[A\] (\S+) from", handle.read())]
    return Counter(name for name in asked if name in names)


def test_one_sweep_asks_the_resolver_each_name_once(lab_env: LabEnv, lab: dict[str, Any],
                                                    lab_profile: Profile) -> None:
    from drconsole.lab.net.layout import NAMES
    from drconsole.lab.net.resolver import DNS_DAEMON

    log = lab_env.supervisor.log_path(DNS_DAEMON)
    names = {NAMES[key] for key in ("acr", "acr_ee", "oss", "gateway")}
    offset = log.stat().st_size
    _run_shipped_checks(lab_profile, swept=False)
    alone = wait_until(lambda: _names_asked(log, offset, names) or None, 10, "the checks' queries in the log")
    offset = log.stat().st_size
    _run_shipped_checks(lab_profile, swept=True)
    swept = wait_until(lambda: _names_asked(log, offset, names) or None, 10, "the sweep's queries in the log")
    assert {name for name, n in alone.items() if n > 1}, "one by one, some name should be asked twice"
    assert set(swept) == set(alone) and {name: n for name, n in swept.items() if n != 1} == {}
