"""The CDK app's settings: `infra/config.yaml`, validated once."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

CONFIG_FILE = Path(__file__).resolve().parent / "config.yaml"
ROUTE_KEY = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) /\S*$")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Auth(_Model):
    # Compared verbatim with the token's `iss`: kept as written (no URL normalisation).
    issuer: str = Field(pattern=r"^https://[^\s]+$")
    audience: list[str] = Field(min_length=1)


class Throttle(_Model):
    rate: float = Field(gt=0, description="steady-state requests per second")
    burst: int = Field(gt=0)


class Functions(_Model):
    memory_mb: int = Field(default=1024, ge=128, le=10240)
    timeout_seconds: int = Field(default=10, ge=1, le=900)
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    log_retention_days: int = 180
    reserved_concurrency: dict[str, int] = Field(default_factory=dict)
    publish_invokers: list[str] = Field(default_factory=list)


class Publish(_Model):
    memory_mb: int = Field(default=2048, ge=128, le=10240)
    timeout_seconds: int = Field(default=600, ge=1, le=900)
    ephemeral_storage_mb: int = Field(default=2048, ge=512, le=10240)


class Api(_Model):
    throttle: Throttle
    route_throttles: dict[str, Throttle] = Field(default_factory=dict)

    @field_validator("route_throttles")
    @classmethod
    def _route_keys(cls, v: dict[str, Throttle]) -> dict[str, Throttle]:
        bad = [k for k in v if not ROUTE_KEY.match(k)]
        if bad:
            raise ValueError(f"route keys must be 'METHOD /path': {bad}")
        return v


class Site(_Model):
    default_ttl_seconds: int = Field(default=3600, ge=0)
    data_ttl_seconds: int = Field(default=60, ge=0)
    data_paths: list[str] = Field(default_factory=lambda: ["data/*", "projects/*"])


class Schedules(_Model):
    group: str = Field(default="zjt-phases", pattern=r"^[0-9a-zA-Z\-_.]{1,64}$")
    max_retry_attempts: int = Field(default=10, ge=0, le=185)
    max_event_age_seconds: int = Field(default=3600, ge=60, le=86400)
    enable_from: date | None = None


class Alarms(_Model):
    email: list[str] = Field(default_factory=list)
    function_errors: int = Field(default=1, ge=1)
    function_throttles: int = Field(default=1, ge=1)
    api_5xx: int = Field(default=10, ge=1)
    table_read_units_limit: int = Field(default=40000, gt=0)
    table_write_units_limit: int = Field(default=40000, gt=0)
    table_alarm_fraction: float = Field(default=0.8, gt=0, le=1)


class InfraConfig(_Model):
    stack_name: str = Field(default="zjtrain", pattern=r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
    table_name: str = "zjtrain"
    term: str = Field(default="2024H1", pattern=r"^\d{4}H[12]$")
    auth: Auth
    functions: Functions = Functions()
    publish: Publish = Publish()
    api: Api
    site: Site = Site()
    schedules: Schedules = Schedules()
    alarms: Alarms = Alarms()


def load_config(path: Path = CONFIG_FILE) -> InfraConfig:
    """Read and validate the deployment settings; errors name the file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        return InfraConfig.model_validate(raw)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc
