"""Sending a plan to a webhook: the message body per kind (generic JSON, DingTalk robot,
Slack-compatible), DingTalk's signature, and retries with backoff. Secrets come from the keyring
at send time and are masked out of every error."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drconsole import __version__
from drconsole.errors import SecretError
from drconsole.secrets import load_webhook_secret, mask
from drconsole.watch.alerts import Alert, Plan
from drconsole.watch.config import Alerts, Webhook

SCHEMA = "drconsole.alert/1"


class DeliveryError(Exception):
    """A receiver did not accept a notification; the message never holds a secret."""


@dataclass(frozen=True)
class Secrets:
    token: str | None = None
    secret: str | None = None

    @classmethod
    def of(cls, profile: str, hook: Webhook) -> Secrets:
        """From the OS keyring, else (in a pod, which has no keyring) from the environment, which a Kubernetes
        Secret fills: DRCONSOLE_WEBHOOK_<NAME>_TOKEN and DRCONSOLE_WEBHOOK_<NAME>_SECRET."""
        try:
            token, secret = (load_webhook_secret(profile, hook.name, "token"),
                             load_webhook_secret(profile, hook.name, "secret"))
        except SecretError:
            token = secret = None
        prefix = "DRCONSOLE_WEBHOOK_" + hook.name.upper().replace("-", "_")
        return cls(token or os.environ.get(f"{prefix}_TOKEN"), secret or os.environ.get(f"{prefix}_SECRET"))


def json_body(profile: str, sender: str, plan: Plan) -> dict[str, Any]:
    """The generic JSON notification (schema drconsole.alert/1)."""
    return {"schema": SCHEMA, "profile": profile, "sender": sender, "version": __version__,
            "status": "firing" if plan.firing or plan.repeated else "resolved",
            "alerts": [alert.model_dump(mode="json") for alert in plan.alerts]}


def text_lines(profile: str, plan: Plan) -> tuple[str, list[str]]:
    """A title and Markdown lines shared by the chat kinds."""
    failing = len(plan.firing) + len(plan.repeated)
    title = (f"drconsole {profile}: {failing} failing" if failing else f"drconsole {profile}: recovered") + \
        (f", {len(plan.resolved)} recovered" if failing and plan.resolved else "")
    lines = [f"**{title}**"]
    lines += [_line(a, "FIRING") for a in plan.firing] + [_line(a, "STILL FAILING") for a in plan.repeated]
    lines += [_line(a, "RECOVERED") for a in plan.resolved]
    return title, lines


def _line(alert: Alert, label: str) -> str:
    zone = f" zone {alert.zone}" if alert.zone else ""
    text = f"- {label} `{alert.code}` {alert.fingerprint}{zone}: {alert.summary}"
    if alert.status == "firing":
        if alert.cause:
            text += f"\n  cause: {alert.cause}"
        if alert.fix_step:
            text += f"\n  fix: step {alert.fix_step}" + (f" — {alert.remedy}" if alert.remedy else "")
    return text


def request_for(hook: Webhook, secrets: Secrets, profile: str, sender: str, plan: Plan,
                now_ms: int | None = None) -> tuple[str, dict[str, Any]]:
    """The URL to post to and the JSON body, for the hook's kind."""
    url = hook.url.replace("{token}", urllib.parse.quote(secrets.token, safe="")) if secrets.token else hook.url
    if hook.kind == "json":
        return url, json_body(profile, sender, plan)
    title, lines = text_lines(profile, plan)
    if hook.kind == "slack":
        return url, {"text": "\n".join(lines)}
    if secrets.secret:
        url += ("&" if "?" in url else "?") + dingtalk_signature(secrets.secret, now_ms)
    return url, {"msgtype": "markdown", "markdown": {"title": title, "text": "\n\n".join(lines)}}


def dingtalk_signature(secret: str, now_ms: int | None = None) -> str:
    """`timestamp=..&sign=..`: HMAC-SHA256 of "<ms timestamp>\\n<secret>" keyed by the secret, base64,
    URL-encoded (DingTalk custom robot, signing security setting)."""
    stamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.urlencode({"timestamp": stamp, "sign": base64.b64encode(digest).decode()})


def post(url: str, body: dict[str, Any], timeout_s: float, kind: str) -> None:
    """One POST; raises DeliveryError unless the receiver accepted it (DingTalk: errcode 0)."""
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8",
                                              "User-Agent": f"drconsole-watch/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as reply:
            answer = reply.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"unreachable ({type(reason).__name__}: {reason})") from None
    if kind == "dingtalk":
        try:
            errcode = json.loads(answer or b"{}").get("errcode", 0)
        except (ValueError, AttributeError):
            errcode = "unreadable answer"
        if errcode != 0:
            raise DeliveryError(f"DingTalk refused it (errcode {errcode})")


def deliver(hook: Webhook, settings: Alerts, secrets: Secrets, profile: str, sender: str, plan: Plan,
            sleep: Callable[[float], None] = time.sleep) -> None:
    """Send with up to `settings.attempts` tries, doubling the wait between them; raise the last error."""
    delay = settings.backoff_s
    for attempt in range(1, settings.attempts + 1):
        url, body = request_for(hook, secrets, profile, sender, plan)
        try:
            post(url, body, settings.timeout_s, hook.kind)
            return
        except DeliveryError as exc:
            if attempt == settings.attempts:
                raise DeliveryError(mask(f"{hook.name}: {exc} after {attempt} tries", secrets.token,
                                         secrets.secret)) from None
            sleep(delay)
            delay *= 2
