"""CH-3: an approved date change moves the enrolled teachers' days with the class.

Each seat-holding teacher's selection and term load move in one conditional write (the days the
selection held are replaced by the new ones, so a later withdrawal releases what is really
held). A teacher whose new days clash with another class they hold keeps the old days on their
load, is told on 我的选课 (the selection carries the new dates and the clashing class), and has
the withdrawal right the approval grants. Waitlisted teachers hold no days: their selection
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
