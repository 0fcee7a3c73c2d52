"""Configuration: one pydantic settings model, read once per process."""

from __future__ import annotations

from functools import cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZJT_", extra="ignore")

    table_name: str = "zjtrain"
    term: str = "2024H1"
    # Seconds a warm Lambda keeps user, teacher and class records; a stale entry is harmless
    # because every seat write re-checks what matters in its own condition expression. It is
    # also how long another warm Lambda may still accept an account just disabled.
    cache_ttl_seconds: int = 60
    # Bounded retries of throttled or conflicting DynamoDB calls (botocore standard mode).
    ddb_max_attempts: int = 4
    # The site's public address: links in emails and calendar feeds point there.
    site_url: str = "http://127.0.0.1:8000"
    # The site worker (functions/site), started to publish the static site; set by infra/ and
    # the local stack (routes.WORKERS). Unset: requests are recorded, nothing is started.
    site_function: str = ""


@cache
def settings() -> Settings:
    return Settings()
