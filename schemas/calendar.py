"""Term calendar (进程表): the dated phases of one half-year term.

Windows are inclusive calendar days in Asia/Shanghai unless the term data sets exact opening or
closing times. Windows may overlap (RULES.md, "Term calendar").
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field, field_validator, model_validator

from schemas.base import Model
from schemas.yamlfile import read_yaml

SHANGHAI = ZoneInfo("Asia/Shanghai")
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# Completion deadlines end at midnight; the daily sweep runs just after (TermCalendar).
SWEEP_AT = time(0, 5)


class PhaseId(StrEnum):
    """Phase IDs of RULES.md (PH-* table)."""

    APPLY = "PH-APPLY"
    REVIEW = "PH-REVIEW"
    PUBLISH = "PH-PUBLISH"
    ORDER_DEMAND = "PH-ORDER-DEMAND"
    ORDER_LIST = "PH-ORDER-LIST"
    ORDER_RESPOND = "PH-ORDER-RESPOND"
    ORDER_PICK = "PH-ORDER-PICK"
    ORDER_REVISE = "PH-ORDER-REVISE"
    ORDER_PUBLISH = "PH-ORDER-PUBLISH"
    R1 = "PH-R1"
    R1_SCHOOL = "PH-R1-SCHOOL"
    EXPAND_APPLY = "PH-EXPAND-APPLY"
    EXPAND_ACCEPT = "PH-EXPAND-ACCEPT"
    R1_RECHECK = "PH-R1-RECHECK"
    R2 = "PH-R2"
    R2_SCHOOL = "PH-R2-SCHOOL"
    R2_RECHECK = "PH-R2-RECHECK"
    TRAIN = "PH-TRAIN"


class DatedWindow(Model):
    """Inclusive days, with optional exact opening/closing times of day (Asia/Shanghai)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, description="Chinese name shown on the pages")
    start: date
    end: date
    opens_at: time | None = Field(default=None, description="exact opening time on `start`")
    closes_at: time | None = Field(default=None, description="exact closing time on `end`")

    @model_validator(mode="after")
    def _ordered(self) -> DatedWindow:
        if self.end < self.start:
            raise ValueError(f"{self.name}: end {self.end} is before start {self.start}")
        if self.opens_at and self.closes_at and self.start == self.end:
            if self.closes_at <= self.opens_at:
                raise ValueError(f"{self.name}: closes_at is not after opens_at")
        return self

    @property
    def opens(self) -> datetime:
        """First instant of the window (aware, Asia/Shanghai)."""
        return datetime.combine(self.start, self.opens_at or time(0), tzinfo=SHANGHAI)

    @property
    def closes(self) -> datetime:
        """First instant after the window (exclusive end, aware, Asia/Shanghai)."""
        if self.closes_at is not None:
            return datetime.combine(self.end, self.closes_at, tzinfo=SHANGHAI)
        return datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=SHANGHAI)

    def contains(self, at: datetime) -> bool:
        if at.tzinfo is None:
            raise ValueError("instant must be timezone-aware")
        return self.opens <= at < self.closes


class PhaseWindow(DatedWindow):
    """One phase of the PH-* table."""

    phase: PhaseId
    actor: str = Field(min_length=1, description="who acts, in Chinese")


class SelectionLimits(Model):
    """Per-term selection limits (data, issue: selection rounds)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_classes_per_teacher: int = Field(default=3, ge=1, le=20)


class ClosingRules(Model):
    """What the scheduled phase toggle does with selections nobody reviewed in their window
    (SE-1): a school review window closing with selections still pending, a recheck window
    closing with selections still waiting for the institution. `approve`/`confirm` moves them on
    (the reason says the window passed); `release` frees the seat with the reason
    「学校未在审核期内审核」 / 「机构未在复核期内复核」."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    unreviewed_school: Literal["approve", "release"] = "approve"
    unreviewed_recheck: Literal["confirm", "release"] = "confirm"


class TrainingRules(Model):
    """The training weeks (PH-TRAIN, QA-2): class minimum, check-in codes, completion."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # A class with fewer confirmed teachers may be cancelled by its bureau before round 2
    # (a project's class may set its own minimum).
    min_class_size: int = Field(default=10, ge=1, le=2000)
    # The calendar phase completion decisions belong to; each class's deadline is its last day
    # plus `completion_deadline_days` (inclusive), even where that lies after the phase.
    completion_phase: PhaseId = PhaseId.TRAIN
    completion_deadline_days: int = Field(default=15, ge=1, le=90)
    # The proposed outcome: attended (present or late) hours at least this share of the
    # scheduled hours and, in a blended project, the online hours done (credits × hours each).
    pass_attendance_percent: int = Field(default=90, ge=1, le=100)
    hours_per_credit: float = Field(default=1.0, gt=0, le=20)
    # Hours of a class day without a timetable (one session per day).
    default_day_hours: float = Field(default=6.0, gt=0, le=12)
    # The QR code changes every step; the current and the previous step are accepted, so a
    # code photographed and sent on stops working within two steps.
    checkin_step_seconds: int = Field(default=30, ge=10, le=120)


class ReminderAudience(StrEnum):
    """Who a deadline reminder (五(一)) goes to: those who still have something to do."""

    TEACHERS_UNSELECTED = "teachers_unselected"  # eligible teachers holding nothing yet (PH-R1)
    SCHOOLS_PENDING = "schools_pending"  # schools with selections still to review
    INSTITUTIONS_RECHECK = "institutions_recheck"  # institutions with selections to recheck
    INSTITUTIONS_EXPANSION = (
        "institutions_expansion"  # full classes with a waitlist, no application
    )
    BUREAUS_EXPANSION = "bureaus_expansion"  # bureaus with expansion applications to decide
    INSTITUTIONS_TIMETABLE = "institutions_timetable"  # classes whose CH-4 timetable is due soon
    BUREAU_DIGEST = "bureau_digest"  # each bureau: what is still open in its region, by school
    # Classes over whose completion deadline is near with teachers still undecided (QA-2).
    INSTITUTIONS_COMPLETION = "institutions_completion"


class Reminder(Model):
    """A deadline reminder: at `at` (09:00) on the day `before_days` days before `phase`'s last
    day (the lead time is data; 0 = the morning of the last day), the scheduled phase job
    reminds `audience`. With `daily_from` it fires every day at `at` from that phase's first
    day to `phase`'s last (CH-4 timetables: `before_days` is then how far ahead of a class's
    deadline its institution is reminded; for completions, QA-2, it runs on until the last
    class's completion deadline)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    phase: PhaseId
    audience: ReminderAudience
    before_days: int = Field(ge=0, le=30)
    at: time = time(9)
    daily_from: PhaseId | None = None

    def fire_times(self, cal: TermCalendar) -> list[datetime]:
        """Every instant this reminder fires at (aware, Asia/Shanghai), never before its window
        opens."""
        w = cal.window(self.phase)
        if self.daily_from is None:
            day = w.end - timedelta(days=self.before_days)
            return [max(w.opens, datetime.combine(day, self.at, tzinfo=SHANGHAI))]
        first = cal.window(self.daily_from).start
        end = w.end
        if self.audience == ReminderAudience.INSTITUTIONS_COMPLETION:
            # Completions are due after the phase: until the last class's deadline.
            end += timedelta(days=cal.training.completion_deadline_days)
        days = (end - first).days + 1
        return [
            datetime.combine(first + timedelta(days=i), self.at, tzinfo=SHANGHAI)
            for i in range(days)
        ]


class TermCalendar(Model):
    """A term (e.g. 2024H1) and every phase window of RULES.md."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    term: str = Field(pattern=r"^\d{4}H[12]$")
    name: str = Field(min_length=1)
    notice: str = Field(default="", description="the notice the calendar comes from")
    timezone: str = "Asia/Shanghai"
    phases: tuple[PhaseWindow, ...]
    limits: SelectionLimits = SelectionLimits()
    # PH-1: teacher records are updated before selection opens; teachers ask for corrections
    # and their schools decide them in this window. None: no correction window this term.
    records_update: DatedWindow | None = None
    closing: ClosingRules = ClosingRules()
    training: TrainingRules = TrainingRules()
    reminders: tuple[Reminder, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _shanghai(cls, v: str) -> str:
        if v != "Asia/Shanghai":
            raise ValueError("terms are scheduled in Asia/Shanghai")
        return v

    @model_validator(mode="after")
    def _every_phase_once(self) -> TermCalendar:
        seen = [w.phase for w in self.phases]
        missing = [p.value for p in PhaseId if p not in seen]
        dupes = sorted({p.value for p in seen if seen.count(p) > 1})
        if missing:
            raise ValueError(f"phases missing: {', '.join(missing)}")
        if dupes:
            raise ValueError(f"phases listed twice: {', '.join(dupes)}")
        r1 = next((w for w in self.phases if w.phase == PhaseId.R1), None)
        if self.records_update and r1 and self.records_update.closes > r1.opens:
            raise ValueError("records_update (PH-1) must close before round 1 opens")
        return self

    @model_validator(mode="after")
    def _reminder_ids_unique(self) -> TermCalendar:
        ids = [r.id for r in self.reminders]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"reminders listed twice: {', '.join(dupes)}")
        return self

    def reminder(self, reminder_id: str) -> Reminder:
        found = next((r for r in self.reminders if r.id == reminder_id), None)
        if found is None:
            raise ValueError(f"{self.term}: no reminder {reminder_id!r}")
        return found

    def window(self, phase: PhaseId) -> PhaseWindow:
        return next(w for w in self.phases if w.phase == phase)

    def is_open(self, phase: PhaseId, at: datetime) -> bool:
        """Is `phase` open at instant `at`? The one answer every write checks."""
        return self.window(phase).contains(at)

    def open_phases(self, at: datetime) -> list[PhaseId]:
        return [w.phase for w in self.phases if w.contains(at)]

    def last_review_close(self) -> datetime:
        """The end of the last window in which anyone reviews a selection (PH-R2-RECHECK):
        after it no waitlist promotion happens, for no window could review the seat."""
        return self.window(PhaseId.R2_RECHECK).closes

    def completion_sweeps(self) -> list[datetime]:
        """Every instant the phase job settles the completions nobody decided by their class's
        deadline (QA-2): daily at `SWEEP_AT` from the first day a class of the completion phase
        can be past its deadline to the last. A sweep settles every class whose deadline has
        passed, so a missed or repeated one costs nothing."""
        w = self.window(self.training.completion_phase)
        lag = timedelta(days=self.training.completion_deadline_days + 1)
        first = w.start + lag
        return [
            datetime.combine(first + timedelta(days=i), SWEEP_AT, tzinfo=SHANGHAI)
            for i in range((w.end - w.start).days + 1)
        ]

    def boundaries(self) -> list[tuple[datetime, PhaseId, str]]:
        """Every opening and closing instant, sorted: what schedules are derived from."""
        out: list[tuple[datetime, PhaseId, str]] = []
        for w in self.phases:
            out.append((w.opens, w.phase, "open"))
            out.append((w.closes, w.phase, "close"))
        return sorted(out, key=lambda b: (b[0], b[1].value, b[2]))


def load_calendar(path: Path) -> TermCalendar:
    """Load and validate a term calendar file; errors name the file."""
    raw = read_yaml(path)
    try:
        return TermCalendar.model_validate(raw)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


@cache
def term_calendar(term: str) -> TermCalendar:
    """The calendar of `term` from `data/terms/<term>.yaml` (read once per process)."""
    return load_calendar(DATA_DIR / "terms" / f"{term}.yaml")


def all_calendars() -> list[TermCalendar]:
    return [load_calendar(p) for p in sorted((DATA_DIR / "terms").glob("*.yaml"))]
