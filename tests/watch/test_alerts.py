"""Alert planning alone: a failing check opens one alert, stays quiet until the resend interval,
recovers once; a check that cannot be evaluated neither opens nor closes one."""

from __future__ import annotations

from drconsole.results import CheckResult, Status
from drconsole.watch.alerts import Plan, Sent, finding_code, plan, record
from tests.watch.support import CODES

FAILING = {"fail"}
HOUR = 3600.0


def result(status: Status, key: str = "network.bgp-idc/session") -> CheckResult:
    return CheckResult(status=status, summary=f"it is {status.value}", check="bgp.peer-established", key=key,
                       title="BGP peer is Established", family="bgp", zone=None,
                       code=CODES.get(status), cause="the peer is down",
                       remedy="bring the session up", fix_step="network.bgp-idc")


def step(opened: dict[str, Sent], status: Status, now: float) -> Plan:
    todo = plan(opened, [result(status)], FAILING, now=now, resend_interval_s=HOUR)
    record(opened, todo, now)
    return todo


def test_one_alert_per_failure_then_one_recovery() -> None:
    opened: dict[str, Sent] = {}
    assert not step(opened, Status.PASS, 0)
    fired = step(opened, Status.FAIL, 10)
    assert [a.status for a in fired.firing] == ["firing"] and not fired.resolved
    alert = fired.firing[0]
    assert (alert.code, alert.fix_step, alert.cause) == ("BGP-PEER-IDLE", "network.bgp-idc", "the peer is down")
    assert not step(opened, Status.FAIL, 20)  # deduplicated
    recovered = step(opened, Status.PASS, 30)
    assert [a.status for a in recovered.resolved] == ["resolved"] and not recovered.firing
    assert recovered.resolved[0].since == 10 and recovered.resolved[0].resolved_at == 30
    assert not opened and not step(opened, Status.PASS, 40)


def test_an_open_alert_is_sent_again_after_the_resend_interval() -> None:
    opened: dict[str, Sent] = {}
    step(opened, Status.FAIL, 0)
    assert not step(opened, Status.FAIL, HOUR - 1)
    again = step(opened, Status.FAIL, HOUR)
    assert [a.fingerprint for a in again.repeated] == ["network.bgp-idc/session"]
    assert again.repeated[0].since == 0
    assert not step(opened, Status.FAIL, HOUR + 10)


def test_unevaluated_checks_neither_open_nor_resolve() -> None:
    opened: dict[str, Sent] = {}
    assert not step(opened, Status.ERROR, 0)
    step(opened, Status.FAIL, 10)
    assert not step(opened, Status.ERROR, 20)
    assert opened
    assert step(opened, Status.WARN, 30).resolved  # warn is not an alerting status here


def test_an_alert_names_the_findings_code_and_a_pass_its_check() -> None:
    assert finding_code(result(Status.FAIL)) == "BGP-PEER-IDLE"
    assert finding_code(result(Status.PASS)) == "bgp.peer-established"


def test_only_the_checks_of_this_sweep_are_compared() -> None:
    opened: dict[str, Sent] = {}
    record(opened, plan(opened, [result(Status.FAIL, key="a/x")], FAILING, now=0, resend_interval_s=HOUR), 0)
    todo = plan(opened, [result(Status.PASS, key="b/y")], FAILING, now=5, resend_interval_s=HOUR)
    assert not todo and "a/x" in opened


def test_the_tracker_reports_transitions_only() -> None:
    from drconsole.watch.runner import Tracker

    tracker = Tracker()
    first = tracker.observe([result(Status.PASS, key="a/x"), result(Status.FAIL, key="a/y")])
    assert [(t.key, t.before, t.result.status) for t in first] == [("a/y", None, Status.FAIL)]
    assert tracker.observe([result(Status.PASS, key="a/x"), result(Status.FAIL, key="a/y")]) == []
    later = tracker.observe([result(Status.FAIL, key="a/x"), result(Status.PASS, key="a/y")])
    assert [(t.key, t.before, t.result.status) for t in later] == [("a/x", Status.PASS, Status.FAIL),
                                                                   ("a/y", Status.FAIL, Status.PASS)]
