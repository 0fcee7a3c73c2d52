"""Credit ledger entries for tests (issue 14)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from schemas.credits import CreditEntry, CreditSource

_N = iter(range(1, 10**9))


def entry(
    teacher_id: str,
    credits: int,
    *,
    source: CreditSource = CreditSource.OPENING,
    online: int = 0,
    on: date = date(2023, 12, 31),
    entry_id: str | None = None,
) -> CreditEntry:
    """An entry of `credits` (`online` of them online) in the 2021-2025 cycle."""
    return CreditEntry(
        entry_id=entry_id or f"TEST#{next(_N)}",
        teacher_id=teacher_id,
        cycle_id="2021-2025",
        source=source,
        title="测试学分",
        online=online,
        offline=credits - online,
        on=on,
        posted_at=datetime(2024, 1, 1, tzinfo=UTC),
        posted_by="test",
    )
