"""The one clock. Services take `now` from here; nothing else reads the system time.

In a deployment the source is the system clock (UTC). The local stack and tests install another
source (`set_source`) so a person can step through the phases of a term.
"""

from __future__ import annotations

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


def set_source(source: Callable[[], datetime] | None) -> None:
    """Replace the clock source (tests, local stack); `None` restores the system clock."""
    global _source
    _source = source if source is not None else (lambda: datetime.now(UTC))
