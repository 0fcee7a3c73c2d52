"""What the phase function starts: its own next run (a long closing continues where it
stopped) and the reminder worker. The site's publication is asked for through
functions/common/site.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from functions.common import store
from functions.common.settings import EnvSettings


class PhaseSettings(EnvSettings):
    notify_remind_function: str = ""  # the reminder worker (issue 15)


def resume(function: str, event: dict[str, Any]) -> None:
    """Start the phase function again with `event` (a closing continues where it stopped)."""
    store.invoke_async(function, event)


def remind(term: str, reminder_id: str, at: datetime) -> None:
    """Start the reminder worker for one firing (it fans out and finishes on its own)."""
    name = PhaseSettings.from_environment().notify_remind_function
    if not name:
        raise RuntimeError("ZJT_NOTIFY_REMIND_FUNCTION is not set")
    store.invoke_async(name, {"term": term, "reminder": reminder_id, "at": at.isoformat()})
