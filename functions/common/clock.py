"""The one clock. Services take `now` from here; nothing else reads the system time.

`wall_ms` is the exception that proves it: a technical ordering stamp that follows the system
clock even where the business clock (`now`) is the dev clock.

In a deployment the source is the system clock (UTC). The local stack and tests install another
source (`set_source`) so a person can step through the phases of a term.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from schemas.calendar import SHANGHAI

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """Current instant, timezone-aware (UTC)."""
    t = _source()
    if t.tzinfo is None:
        raise RuntimeError("clock source returned a naive datetime")
    return t.astimezone(UTC)


def now_local() -> datetime:
    """Current instant in Asia/Shanghai, for display and windows."""
    return now().astimezone(SHANGHAI)


def wall_ms() -> int:
    """Milliseconds of the system clock, never the dev clock: for ordering writes in time (the
    catalog documents the site worker collects), where a clock stepped back must not reorder."""
    return time.time_ns() // 1_000_000


def set_source(source: Callable[[], datetime] | None) -> None:
    """Replace the clock source (tests, local stack); `None` restores the system clock."""
    global _source
    _source = source if source is not None else (lambda: datetime.now(UTC))
