"""Webhook delivery against a real local HTTP receiver: each kind's body, DingTalk's signature,
retries with backoff, and no secret in any error."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse

import pytest

from drconsole.results import CheckResult, Status
from drconsole.secrets import store_webhook_secret
from drconsole.watch.alerts import Plan, alert_of
from drconsole.watch.config import Alerts, Webhook
from drconsole.watch.webhooks import SCHEMA, DeliveryError, Secrets, deliver, dingtalk_signature
from tests.watch.receiver import receiver

SETTINGS = Alerts(attempts=3, backoff_s=0.01, timeout_s=5)


def failing_plan() -> Plan:
    result = CheckResult(status=Status.FAIL, summary="peer is Idle", check="bgp.peer-established",
                         key="network.bgp-idc/session", title="BGP peer", family="bgp", zone="b",
                         code="BGP-PEER-IDLE", cause="the session is down", remedy="restart bird",
                         fix_step="network.bgp-idc")
    return Plan(firing=[alert_of(result, "firing", since=1.0)])


def test_generic_json_carries_code_cause_and_fix_step() -> None:
    with receiver() as rx:
        deliver(Webhook(name="oncall", url=rx.url + "/hook"), SETTINGS, Secrets(), "prod", "replica-a",
                failing_plan())
    [body] = rx.bodies()
    assert body["schema"] == SCHEMA and body["status"] == "firing" and body["sender"] == "replica-a"
    [alert] = body["alerts"]
    assert (alert["code"], alert["cause"], alert["fix_step"], alert["zone"]) == \
        ("BGP-PEER-IDLE", "the session is down", "network.bgp-idc", "b")


def test_slack_compatible_text_names_code_and_step() -> None:
    with receiver() as rx:
        deliver(Webhook(name="chat", kind="slack", url=rx.url), SETTINGS, Secrets(), "prod", "a", failing_plan())
    [body] = rx.bodies()
    assert set(body) == {"text"}
    assert "`BGP-PEER-IDLE`" in body["text"] and "step network.bgp-idc" in body["text"]


def test_dingtalk_is_signed_with_the_keyring_secret_and_token() -> None:
    store_webhook_secret("prod", "ding", "token", "tok/en+1")
    store_webhook_secret("prod", "ding", "secret", "SECabc")
    with receiver() as rx:
        rx.reply = {"errcode": 0, "errmsg": "ok"}
        hook = Webhook(name="ding", kind="dingtalk", url=rx.url + "/robot/send?access_token={token}")
        deliver(hook, SETTINGS, Secrets.of("prod", hook), "prod", "a", failing_plan())
    [post] = rx.posts
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(post.path).query)
    assert query["access_token"] == ["tok/en+1"]
    stamp = query["timestamp"][0]
    expected = base64.b64encode(hmac.new(b"SECabc", f"{stamp}\nSECabc".encode(), hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected]
    assert post.body["msgtype"] == "markdown" and "BGP-PEER-IDLE" in post.body["markdown"]["text"]


def test_signature_is_url_safe_and_changes_with_time() -> None:
    first, second = dingtalk_signature("s", 1000), dingtalk_signature("s", 2000)
    assert first != second and "+" not in first and "/" not in first.split("sign=")[1]


def test_retries_with_backoff_then_succeeds() -> None:
    waits: list[float] = []
    with receiver() as rx:
        rx.fail_next = 2
        deliver(Webhook(name="oncall", url=rx.url), SETTINGS, Secrets(), "prod", "a", failing_plan(),
                sleep=waits.append)
    assert len(rx.posts) == 1 and waits == [0.01, 0.02]


def test_gives_up_after_its_attempts_without_leaking_secrets() -> None:
    hook = Webhook(name="ding", kind="dingtalk", url="http://127.0.0.1:9/robot?access_token={token}")
    with pytest.raises(DeliveryError) as caught:
        deliver(hook, SETTINGS, Secrets("tok-SECRET", "sig-SECRET"), "prod", "a", failing_plan(), sleep=lambda s: None)
    assert "SECRET" not in str(caught.value) and "after 3 tries" in str(caught.value)


def test_dingtalk_refusal_in_a_200_answer_is_a_failure() -> None:
    with receiver() as rx:
        rx.reply = {"errcode": 310000, "errmsg": "sign not match"}
        with pytest.raises(DeliveryError, match="errcode 310000"):
            deliver(Webhook(name="ding", kind="dingtalk", url=rx.url), SETTINGS, Secrets(), "prod", "a",
                    failing_plan(), sleep=lambda s: None)
