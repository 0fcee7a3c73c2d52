"""Starting the publish function, and the phase function's own next run."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict

from functions.common import store


class PhaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZJT_", extra="ignore")

    publish_function: str = ""  # name or ARN of the publish function (set by infra/)
    notify_remind_function: str = ""  # the reminder worker (issue 15)


def publish(term: str, reason: str) -> None:
    """Invoke the publish function asynchronously (it runs for minutes; Lambda retries it)."""
    name = PhaseSettings().publish_function
    if not name:
        if os.environ.get("ZJT_SITE_DIR"):
            # The local stack (dev clock crossing PH-PUBLISH) builds its site in place, as a
            # bureau's 发布 does there.
            from functions.projects.service import rebuild_catalog

            rebuild_catalog(term)
            return
        raise RuntimeError("ZJT_PUBLISH_FUNCTION is not set")
    store.invoke_async(name, {"term": term, "reason": reason})


def resume(function: str, event: dict[str, Any]) -> None:
    """Start the phase function again with `event` (a closing continues where it stopped)."""
    store.invoke_async(function, event)


def remind(term: str, reminder_id: str, at: datetime) -> None:
    """Start the reminder worker for one firing (it fans out and finishes on its own)."""
    name = PhaseSettings().notify_remind_function
    if not name:
        raise RuntimeError("ZJT_NOTIFY_REMIND_FUNCTION is not set")
    store.invoke_async(name, {"term": term, "reminder": reminder_id, "at": at.isoformat()})
