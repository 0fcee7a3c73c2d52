"""Starting the publish function (the only boto3 Lambda call of this context)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import boto3
from pydantic_settings import BaseSettings, SettingsConfigDict


class PhaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZJT_", extra="ignore")

    publish_function: str = ""  # name or ARN of the publish function (set by infra/)


@cache
def _client() -> Any:
    return boto3.client("lambda")


def publish(term: str, reason: str) -> None:
    """Invoke the publish function asynchronously (it runs for minutes; Lambda retries it)."""
    name = PhaseSettings().publish_function
    if not name:
        raise RuntimeError("ZJT_PUBLISH_FUNCTION is not set")
    _client().invoke(
        FunctionName=name,
        InvocationType="Event",
        Payload=json.dumps({"term": term, "reason": reason}).encode(),
    )
