"""Phase toggles: announce which phases of a term are open (RULES.md, "Term calendar").

A toggle never flips a flag blindly. It recomputes the whole active set from the term calendar
and the clock, so a repeated, reordered or late invocation stores the right answer; the write is
conditional on being the newest. Opening a publish phase (PH-PUBLISH, PH-ORDER-PUBLISH) asks
for the site to be published (functions/common/site.py) once per term and phase. Writes
themselves still check their windows from the clock: the toggles only announce phases.

Closing a review window also carries out what its close does to the selections nobody reviewed
and, at the last one, to the waitlists (SE-1, `functions/selection/closing.py`): once per term
and window, in batches, continued by a retried or resumed toggle. The daily `settle` event
reports the teachers whose completion nobody decided by their class's deadline (QA-2,
`functions/training/deadline.py`) the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from functions.phases import store
from functions.selection import closing
from functions.training import deadline
from schemas.calendar import SHANGHAI, PhaseId, term_calendar
from schemas.selection import ClosingJob
from schemas.training import DeadlineSweep

PUBLISH_PHASES = frozenset({PhaseId.PUBLISH, PhaseId.ORDER_PUBLISH})
# Scheduler fires at or after the boundary; an event stamped further ahead of the clock than this
# is refused rather than announcing a future state.
EARLY_TOLERANCE = timedelta(minutes=5)


class PhaseEvent(BaseModel):
    """The schedule's input (infra/schedules.py)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    term: str
    phase: PhaseId
    action: Literal["open", "close", "remind", "settle"]
    at: AwareDatetime
    reminder: str | None = None  # action "remind": the term calendar's reminder id (五(一))


class ToggleResult(BaseModel):
    term: str
    active: list[str]
    as_of: datetime
    stored: bool  # False: a newer state was already stored
    site_requested: bool
    closing: ClosingJob | None = None  # a review window's closing actions (SE-1)


def settle_completions(
    event: PhaseEvent,
    now: datetime,
    seconds_left: Callable[[], float] = lambda: math.inf,
    resume: Callable[[], None] = lambda: None,
) -> DeadlineSweep:
    """The daily sweep fired (`TermCalendar.completion_sweeps`): report the teachers whose
    completion nobody decided by their class's deadline (QA-2). Repeated, late or resumed runs
    settle only what no run settled."""
    if event.at - now > EARLY_TOLERANCE:
        raise TooEarly(f"completion sweep is stamped {event.at}, now is {now}")
    cal = term_calendar(event.term)
    if event.phase != cal.training.completion_phase:
        raise ValueError(
            f"completions belong to {cal.training.completion_phase}, not {event.phase}"
        )
    instant = max(now, event.at).astimezone(SHANGHAI)
    return deadline.settle(cal, instant, seconds_left, resume)


class RemindResult(BaseModel):
    term: str
    reminder: str
    at: datetime
    started: bool


def start_reminder(
    event: PhaseEvent, now: datetime, start: Callable[[str, str, datetime], None]
) -> RemindResult:
    """A deadline reminder's schedule fired: start the reminder worker (functions/notify) for
    this firing. A repeated or late invocation starts it again, which is harmless: the worker
    writes each message once."""
    if event.at - now > EARLY_TOLERANCE:
        raise TooEarly(f"reminder {event.reminder} is stamped {event.at}, now is {now}")
    cal = term_calendar(event.term)
    reminder = cal.reminder(event.reminder or "")
    if reminder.phase != event.phase or event.at not in reminder.fire_times(cal):
        raise ValueError(f"{event.reminder} does not fire at {event.at} for {event.phase}")
    start(cal.term, reminder.id, event.at)
    return RemindResult(term=cal.term, reminder=reminder.id, at=event.at, started=True)


class TooEarly(ValueError):
    """The event is stamped well after the current time."""


def apply_toggle(
    event: PhaseEvent,
    now: datetime,
    request_site: Callable[[str, str], None],
    seconds_left: Callable[[], float] = lambda: math.inf,
    resume: Callable[[], None] = lambda: None,
) -> ToggleResult:
    """Store the active phases of `event.term` at max(now, event.at); when a publish phase
    opens, ask for the site to be published (once per phase); carry out a closed review
    window's closing actions (`resume` continues them in a new run when `seconds_left` runs
    short)."""
    if event.at - now > EARLY_TOLERANCE:
        raise TooEarly(f"{event.phase} {event.action} is stamped {event.at}, now is {now}")
    cal = term_calendar(event.term)
    # A boundary invocation arriving a hair early (clock skew) still sees its own boundary.
    instant = max(now, event.at).astimezone(SHANGHAI)
    active = [p.value for p in cal.open_phases(instant)]
    stored = store.save_active(cal.term, active, instant, updated_at=now)

    started = False
    opened = cal.window(event.phase).opens <= instant
    if event.action == "open" and event.phase in PUBLISH_PHASES and opened:
        if store.claim_site_publication(cal.term, event.phase.value):
            try:
                request_site(cal.term, f"{event.phase.value} opened")
            except Exception:
                store.release_site_publication(cal.term, event.phase.value)
                raise
            started = True
    job = None
    if event.action == "close" and cal.window(event.phase).closes <= instant:
        job = closing.close_window(cal, event.phase, instant, seconds_left, resume)
    return ToggleResult(
        term=cal.term,
        active=active,
        as_of=instant,
        stored=stored,
        site_requested=started,
        closing=job,
    )
