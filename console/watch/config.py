"""The watcher's settings: a TOML file (default `<config dir>/watch/<profile>.toml`, optional).

Webhook URLs here carry no secret: a `{token}` in a URL is filled from the OS keyring at send
time, and DingTalk's signing secret is read from the keyring too (`drconsole watch set-token`).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from drconsole import paths
from drconsole.errors import DrconsoleError

WebhookKind = Literal["json", "dingtalk", "slack"]
AlertingStatus = Literal["warn", "fail", "error"]


class WatchConfigError(DrconsoleError):
    """The watch settings file is unreadable or invalid."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Webhook(Section):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", description="names the keyring entries too")
    kind: WebhookKind = "json"
    url: str

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return url


class Alerts(Section):
    statuses: list[AlertingStatus] = Field(default_factory=lambda: list[AlertingStatus](["fail"]),
                                           description="statuses that open an alert")
    resend_interval_s: float = Field(default=4 * 3600, ge=60, description="repeat an open alert this often")
    attempts: int = Field(default=4, ge=1, le=10, description="tries per notification before the next sweep")
    backoff_s: float = Field(default=1.0, gt=0, le=60, description="first retry delay; doubles each try")
    timeout_s: float = Field(default=5.0, gt=0, le=60)
    webhooks: list[Webhook] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> Alerts:
        names = [w.name for w in self.webhooks]
        if len(names) != len(set(names)):
            raise ValueError("webhook names must be unique")
        return self


class Lease(Section):
    enabled: bool = True
    namespace: str = "drconsole"
    name: str | None = Field(default=None, description="default: drconsole-watch-<profile>")
    duration_s: float = Field(default=15.0, ge=2, le=300)


class WatchConfig(Section):
    runbooks: list[str] = Field(default_factory=lambda: ["zone-dr-hybrid"])
    interval_s: float = Field(default=60.0, ge=1, le=3600, description="sweep interval of every family")
    families: dict[str, float] = Field(default_factory=dict, description="family -> its own interval (s)")
    jitter: float = Field(default=0.1, ge=0, le=0.5, description="± this share of the interval, at random")
    max_backoff: float = Field(default=8.0, ge=1, le=64, description="interval multiplier cap while throttled")
    alerts: Alerts = Field(default_factory=Alerts)
    lease: Lease = Field(default_factory=Lease)

    @field_validator("families")
    @classmethod
    def _positive(cls, families: dict[str, float]) -> dict[str, float]:
        for family, seconds in families.items():
            if not 1 <= seconds <= 3600:
                raise ValueError(f"{family}: an interval is 1 to 3600 seconds")
        return families

    def interval(self, family: str) -> float:
        return self.families.get(family, self.interval_s)

    def lease_name(self, profile: str) -> str:
        return self.lease.name or f"drconsole-watch-{profile}"


def config_path(profile: str) -> Path:
    return paths.config_dir() / "watch" / f"{profile}.toml"


def load_config(profile: str, path: Path | None = None) -> WatchConfig:
    """The settings from `path`, else the profile's default file, else the defaults."""
    source = path or config_path(profile)
    if path is None and not source.exists():
        return WatchConfig()
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WatchConfigError(f"cannot read it ({exc.strerror})", where=str(source),
                               fix="pass --config with a readable file") from None
    except tomllib.TOMLDecodeError as exc:
        raise WatchConfigError(f"not valid TOML: {exc}", where=str(source), fix="correct the syntax") from None
    try:
        return WatchConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise WatchConfigError(f"{where}: {first['msg']}", where=str(source),
                               fix="see `drconsole watch --help` and README (Watching) for the keys") from None
