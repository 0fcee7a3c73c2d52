"""CH-3: an approved date change moves the enrolled teachers' days with the class.

Each seat-holding teacher's selection and term load move in one conditional write, so the days
a teacher holds are always the days of the classes they hold. A teacher whose new days clash
with another class they hold holds the days of both (the two selections are marked as sharing
days), is told on 我的选课 and by a message in the same write, and has the withdrawal right the
approval grants: withdrawing either class later frees only the days the other does not hold
(functions/selection/store.py, "held days"). Waitlisted teachers hold no days: their selection
shows the new dates and a promotion takes the class's new days. Repeating the move changes
nothing (each write is conditioned on the dates it moves from).
"""

from __future__ import annotations

from datetime import date, datetime

from functions.selection import store
from schemas.selection import SEAT_HOLDING, SelectionStatus


def move_days(class_id: str, start: date, end: date, at: datetime) -> dict[str, int]:
    """Move every selection of `class_id` to the class's new dates. Returns counts."""
    counts = {"moved": 0, "clash": 0}
    for sel in store.list_for_class(class_id):
        if sel.status == SelectionStatus.WAITLISTED:
            store.set_selection_dates(sel, start, end, at)
        elif sel.status in SEAT_HOLDING:
            outcome = store.move_selection_days(sel, start, end, at)
            if outcome in counts:
                counts[outcome] += 1
    return counts
