"""Configuration: pydantic models of the ZJT_* environment variables, read once per process.

`EnvSettings` is a plain pydantic model filled from the environment, not pydantic-settings'
BaseSettings: that library (and python-dotenv under it) cost every function about a third of
`import boto3` at cold start, for a prefix match and string coercion pydantic already does.
Contexts with settings of their own subclass it (and may change `env_prefix`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict

PREFIX = "ZJT_"


class EnvSettings(BaseModel):
    """Fields read from `<env_prefix><FIELD>` variables (any case) by `from_environment`."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    env_prefix: ClassVar[str] = PREFIX

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Self:
        """The model from the environment (or `environ`), coerced and checked by pydantic."""
        env = os.environ if environ is None else environ
        prefix = cls.env_prefix.upper()
        found = {
            k[len(prefix) :].lower(): v for k, v in env.items() if k.upper().startswith(prefix)
        }
        return cls.model_validate({k: v for k, v in found.items() if k in cls.model_fields})


class Settings(EnvSettings):
    table_name: str = "zjtrain"
    term: str = "2024H1"
    # Seconds a warm Lambda keeps user, teacher and class records; a stale entry is harmless
    # because every seat write re-checks what matters in its own condition expression. It is
    # also how long another warm Lambda may still accept an account just disabled.
    cache_ttl_seconds: int = 60
    # Sends of one DynamoDB call at most, retries included (store.with_retries: the only retry
    # layer). Small for the API, whose answer to a hot class is a quick 503 the page retries;
    # the stack gives the workers more (infra/stack.py).
    ddb_max_attempts: int = 3
    # The site's public address: links in emails and calendar feeds point there.
    site_url: str = "http://127.0.0.1:8000"
    # The site worker (functions/site), started to publish the static site; set by infra/ and
    # the local stack (routes.WORKERS). Unset: requests are recorded, nothing is started.
    site_function: str = ""


@cache
def settings() -> Settings:
    return Settings.from_environment()
