"""Starting the publish function."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from functions.common import store


class PhaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZJT_", extra="ignore")

    publish_function: str = ""  # name or ARN of the publish function (set by infra/)


def publish(term: str, reason: str) -> None:
    """Invoke the publish function asynchronously (it runs for minutes; Lambda retries it)."""
    name = PhaseSettings().publish_function
    if not name:
        raise RuntimeError("ZJT_PUBLISH_FUNCTION is not set")
    store.invoke_async(name, {"term": term, "reason": reason})
