"""Alibaba Cloud SDK clients for a profile: credentials, endpoint overrides, retries on throttling.

The SDK modules cost about half a second each to import, so each is imported on first use.
"""

from __future__ import annotations

import importlib
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from drconsole import deadline, secrets
from drconsole.cloudstats import COUNTS
from drconsole.errors import DrconsoleError, SecretError
from drconsole.profile import Product, Profile
from drconsole.ram import ram_action

SDK_MODULES: dict[str, str] = {
    "cs": "alibabacloud_cs20151215",
    "adcp": "alibabacloud_adcp20220101",
    "vpc": "alibabacloud_vpc20160428",
    "cbn": "alibabacloud_cbn20170912",
    "mse": "alibabacloud_mse20190531",
}
# A request signed more than 15 minutes from the API gateway's clock: InvalidTimeStamp.Expired.
CLOCK_CODE = "InvalidTimeStamp"
THROTTLING_PREFIXES = ("Throttling", "ServiceUnavailable", "Throttling.User", "Throttling.Api")
T = TypeVar("T")
# At most this many API calls per second leave one drconsole process, so repeated sweeps never hammer the
# region's API; a burst of BURST may go at once, enough for one sweep of the shipped runbooks (~18 calls).
RATE_PER_SECOND = 20.0
BURST = 30


class RateLimiter:
    """A token bucket shared by every thread of the process."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._tokens = float(burst)
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self, until: float | None = None) -> bool:
        """Take a token, waiting for one; False (nothing taken) when none is free by `until` (monotonic)."""
        while True:
            with self._lock:
                now = time.monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return True
                wait = (1 - self._tokens) / self.rate
            if until is not None and now + wait > until:
                return False
            time.sleep(wait)


LIMITER = RateLimiter(RATE_PER_SECOND, BURST)


class CloudError(DrconsoleError):
    """An API call failed; carries the cloud's code and request ID (never credentials)."""

    finding = "CLOUD-API-ERROR"

    def __init__(self, product: str, action: str, code: str, message: str, request_id: str | None,
                 status: int | None = None, denied: Mapping[str, Any] | None = None) -> None:
        said = ", ".join(part for part in (f"HTTP {status}" if status else "", code,
                                            f"request ID {request_id}" if request_id else "") if part)
        outcome = "was throttled" if code.startswith("Throttling") else "failed"
        super().__init__(f"{product}:{action} {outcome} ({said}): {message}",
                         fix=_fix_for(product, action, code, denied))
        self.product, self.action, self.code = product, action, code
        self.request_id, self.status = request_id, status
        if code.startswith("Throttling") or code == "ConnectionError" or (status or 0) >= 500:
            self.finding = "CLOUD-UNAVAILABLE"  # no answer to judge (what checks/_cloud.in_words says in words)
        elif code.startswith(CLOCK_CODE):
            self.finding = "CLOUD-CLOCK-SKEW"  # every signed call fails alike: one finding says so for the sweep


def _fix_for(product: str, action: str, code: str, denied: Mapping[str, Any] | None) -> str:
    if _is_denial(code, denied):
        return _fix_for_denial(product, action, denied)
    if code.startswith("Throttling"):
        return "the API is throttling requests; wait and retry (drconsole already retried with backoff)"
    if code == "MissingSecurityToken" or code.startswith("InvalidSecurityToken"):
        return ("temporary (STS) credentials need the security token issued with them: assume the role again and "
                "export ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and ALIBABA_CLOUD_SECURITY_TOKEN "
                "from the same answer")
    if code.startswith(CLOCK_CODE):
        return ("this machine's clock is more than 15 minutes off the cloud's, and the API refuses requests signed "
                "outside that window: set the clock right (turn on NTP: `timedatectl set-ntp true`) and check again")
    if code in ("InvalidAccessKeyId.NotFound", "SignatureDoesNotMatch", "InvalidAccessKeyId"):
        return "check the profile's AccessKey ID and the secret in the keyring (`drconsole profile set-secret`)"
    if code in ("Timeout", "ConnectionError"):
        return "check the network path to the API endpoint (or the profile's cloud.endpoints override)"
    return "see the message; the request ID identifies the call for Alibaba Cloud support"


def _is_denial(code: str, denied: Mapping[str, Any] | None) -> bool:
    """RAM refused the call: an AccessDeniedDetail, or a documented no-permission code (Forbidden.RAM,
    Forbidden.RAMSTS, NoPermission and their variants)."""
    return bool(denied) or code.startswith("Forbidden.RAM") or "NoPermission" in code


def _fix_for_denial(product: str, action: str, denied: Mapping[str, Any] | None) -> str:
    """Which RAM action to grant: the one the cloud named (AccessDeniedDetail.AuthAction), else the call's own."""
    named = str((denied or {}).get("AuthAction") or "")
    wanted = named or ram_action(product, action)
    if str((denied or {}).get("NoPermissionType") or "") == "ExplicitDeny":
        return (f"a Deny statement in a RAM policy blocks {wanted}: remove or narrow that statement for this "
                "identity")
    return (f"grant this RAM identity {wanted}; `drconsole profile ram-policy` prints a policy with every action "
            "drconsole uses (`--read-only` for checks and watch alone)")


@dataclass(frozen=True)
class Credentials:
    access_key_id: str | None
    access_key_secret: str | None = field(default=None, repr=False)
    source: str = "keyring"
    # With temporary credentials from STS (an `STS.` AccessKey ID), the token every call must carry.
    security_token: str | None = field(default=None, repr=False)

    def identity(self) -> str:
        """Who calls run as, for the audit trail (the ID, never the secret)."""
        return f"{self.access_key_id} ({self.source})" if self.access_key_id else self.source

    def hidden(self) -> tuple[str, ...]:
        """What must never be shown: masked in every message, evidence bundle and log line."""
        return tuple(value for value in (self.access_key_secret, self.security_token) if value)


def resolve_credentials(profile: Profile) -> Credentials:
    """The profile's AccessKey ID with its keyring secret; else the environment; else the SDK's chain.
    A lab profile's made-up secret is kept with its lab (drconsole.lab.key), so the lab needs no keyring."""
    akid = profile.cloud.access_key_id
    if akid and profile.lab is not None:
        from drconsole.lab import key as lab_key

        made_up = lab_key.read(profile.lab.dir)
        if made_up:
            return Credentials(akid, made_up, "lab")
    no_keyring: SecretError | None = None
    if akid:
        try:
            secret = secrets.load_secret(profile.name, akid)
        except SecretError as exc:  # a headless host: the environment may still hold the pair
            secret, no_keyring = None, exc
        if secret:
            return Credentials(akid, secret, "keyring")
    env_id = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID")
    env_secret = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    if env_id and env_secret and (not akid or env_id == akid):
        token = os.environ.get("ALIBABA_CLOUD_SECURITY_TOKEN") or None  # temporary credentials from STS
        return Credentials(env_id, env_secret, "environment, STS token" if token else "environment", token)
    if no_keyring is not None:
        raise no_keyring
    if akid:
        raise SecretError(f"no secret stored for AccessKey {akid} of profile {profile.name!r}",
                          fix=f"run `drconsole profile set-secret --profile {profile.name}`, or export "
                              "ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    return Credentials(None, None, "credential chain")


def make_client(profile: Profile, credentials: Credentials, product: Product) -> Any:
    from alibabacloud_tea_openapi import models as open_api_models

    module = importlib.import_module(f"{SDK_MODULES[product]}.client")
    config = open_api_models.Config(
        region_id=profile.cloud.region,
        protocol=profile.cloud.protocol,
        read_timeout=int(profile.cloud.timeout_s * 1000),
        connect_timeout=min(5000, int(profile.cloud.timeout_s * 1000)),
    )
    if credentials.access_key_id:
        config.access_key_id = credentials.access_key_id
        config.access_key_secret = credentials.access_key_secret
        config.security_token = credentials.security_token
    else:
        from alibabacloud_credentials.client import Client as CredentialClient

        config.credential = CredentialClient()
    if product in profile.cloud.endpoints:
        config.endpoint = profile.cloud.endpoints[product]
    return module.Client(config)


def models(product: Product) -> Any:
    """The SDK's request/response models module for a product (loading it is set-up, exempt from a budget)."""
    with deadline.setting_up():
        return importlib.import_module(f"{SDK_MODULES[product]}.models")


def call(product: str, action: str, fn: Callable[[], T], *, attempts: int = 4, base_delay: float = 0.3,
         hidden: tuple[str, ...] = ()) -> T:
    """Run one blocking SDK call; retry throttling and 5xx with jittered backoff; raise CloudError.

    Inside a deadline budget (a check's timeout) a retry is made only when it is expected to end before
    the deadline, so the check reports the cloud's last error rather than a timeout.
    """
    with deadline.setting_up():
        from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
        from Tea.exceptions import UnretryableException

    budget = deadline.current()
    for attempt in range(1, attempts + 1):
        if attempt == 1:
            LIMITER.acquire()
        COUNTS.sent(product)
        started, setup_before = time.monotonic(), budget.setup_s if budget else 0.0
        try:
            return fn()
        except AlibabaCloudException as exc:
            code = str(getattr(exc, "code", "") or type(exc).__name__)
            status = getattr(exc, "status_code", None)
            if code.startswith(THROTTLING_PREFIXES):
                COUNTS.throttled(product)
            message = secrets.mask(str(getattr(exc, "message", "") or exc), *hidden)
            denied = getattr(exc, "access_denied_detail", None)
            error = CloudError(product, action, code, message, getattr(exc, "request_id", None), status,
                               denied if isinstance(denied, Mapping) else None)
            retryable = code.startswith(THROTTLING_PREFIXES) or (isinstance(status, int) and status >= 500)
            pause = base_delay * 2 ** (attempt - 1) * (0.5 + random.random())
        except (UnretryableException, OSError) as exc:
            cause = getattr(exc, "inner_exception", None) or exc
            if "timed out" in str(cause).lower() or isinstance(cause, TimeoutError):
                raise CloudError(product, action, "Timeout", "the API did not answer in time "
                                 f"({type(cause).__name__})", None) from None
            error = CloudError(product, action, "ConnectionError", secrets.mask(str(cause), *hidden), None)
            retryable, pause = True, base_delay * (0.5 + random.random())
        if budget is not None:
            budget.last_error = error
        took = time.monotonic() - started - (budget.setup_s - setup_before if budget else 0.0)
        if not retryable or attempt == attempts or not _retry_fits(budget, pause, took):
            raise error from None
    raise AssertionError("unreachable")


def _retry_fits(budget: deadline.Budget | None, pause: float, last_attempt_s: float) -> bool:
    """Pause, then take a token and retry — unless that would not end within the budget (if any).

    The last attempt's duration (without the client's set-up, which the budget exempts) is the estimate
    of the next one's.
    """
    if budget is None:
        time.sleep(pause)
        LIMITER.acquire()
        return True
    if budget.usable() < pause + last_attempt_s:
        return False
    time.sleep(pause)
    return LIMITER.acquire(until=time.monotonic() + budget.usable() - last_attempt_s)
