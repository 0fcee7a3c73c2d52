"""The training weeks (PH-TRAIN, QA-2): check-in (报到), attendance per timetable session,
completion (结业) and the non-completion reports; cancelled classes (取消办班, SE-2)."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from pydantic import ConfigDict, Field

from schemas.base import Model


class Mark(StrEnum):
    PRESENT = "present"
    LATE = "late"
    LEAVE = "leave"
    ABSENT = "absent"


MARK_NAMES: dict[Mark, str] = {
    Mark.PRESENT: "出勤",
    Mark.LATE: "迟到",
    Mark.LEAVE: "请假",
    Mark.ABSENT: "缺勤",
}
MARK_BY_NAME = {v: k for k, v in MARK_NAMES.items()}
# Late still attends the session: its hours count (the proposal, QA-2).
ATTENDED = (Mark.PRESENT, Mark.LATE)


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"


OUTCOME_NAMES = {Outcome.PASS: "合格", Outcome.FAIL: "不合格"}


class SessionSlot(Model):
    """One timetable session of a class, the unit of attendance; `key` is day + start time."""

    model_config = ConfigDict(frozen=True)

    key: str  # e.g. 2024-04-08T0830
    day: date
    start: time | None = None
    end: time | None = None
    topic: str
    hours: float


class MarkEntry(Model):
    model_config = ConfigDict(frozen=True)

    mark: Mark
    reason: str = ""
    by: str = ""
    at: datetime | None = None


class Attendance(Model):
    """One teacher in one class (CLASS#<cid> | ATT#<tid>): check-in and marks per session."""

    class_id: str
    teacher_id: str
    checked_in_at: datetime | None = None
    checkin_by: str = ""  # "qr" (the teacher scanned) or the institution account (roster)
    marks: dict[str, MarkEntry] = Field(default_factory=dict)
    online_hours: float | None = None


class Proposal(Model):
    """The outcome the term data's rule proposes (attended share, online hours)."""

    outcome: Outcome
    attended_hours: float
    scheduled_hours: float
    online_hours: float | None = None
    online_required: float = 0
    reasons: list[str] = Field(default_factory=list)


class Completion(Model):
    """The completion decision of one teacher in one class (CLASS#<cid> | DONE#<tid>).

    Built and written by `functions/training/store.completion_items`, a pure function that
    returns the TransactWriteItems items of the decision, so credit posting (issue 14) adds its
    ledger entry and counter to the same transaction."""

    term: str
    class_id: str
    project_id: str
    project_title: str
    class_name: str
    institution_id: str
    institution_name: str
    teacher_id: str
    teacher_name: str
    school_id: str
    region_code: str
    outcome: Outcome
    proposed: Outcome
    reason: str = ""
    decided_by: str
    decided_role: str
    decided_at: datetime
    version: int = 1
    # What a pass earns (issue 14): the class's credits (a segment's, CR-2) and how many of them
    # are online (CR-3); posted to the ledger in the decision's write (functions/common/ledger).
    credits: int = 0
    credits_online: int = 0
    class_end: date | None = None  # the day the credits count for
    segment: int = 0  # CR-2: the segment this decides (0: the project is not segmented)
    credit_entry: str = ""  # the last ledger entry this completion posted
    certificate: str = ""  # the verification code of a pass (a revision gets a new one)
    history: list[dict[str, str]] = Field(default_factory=list)


class DeadlineSweep(Model):
    """One run of the daily sweep that settles the completions nobody decided by their class's
    deadline (QA-2, `functions/training/deadline.py`)."""

    term: str
    at: datetime
    due: int = 0  # classes past their deadline, not cancelled
    settled: int = 0  # of them, settled by this run (the others were settled before)
    reported: int = 0  # teachers reported as not completing by this run
    done: bool = False  # False: the run handed the rest to a new run (time limit)


class CheckinRequest(Model):
    model_config = ConfigDict(extra="forbid")

    class_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,60}$")
    code: str = Field(pattern=r"^[0-9]{6,8}$")


class BulkCheckinRequest(Model):
    model_config = ConfigDict(extra="forbid")

    teacher_ids: list[str] = Field(min_length=1, max_length=500)


class MarkItem(Model):
    model_config = ConfigDict(extra="forbid")

    teacher_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,40}$")
    mark: Mark
    reason: str = Field(default="", max_length=100)


class AttendanceRequest(Model):
    """Marks of one session for some of the class's teachers (roster on a phone)."""

    model_config = ConfigDict(extra="forbid")

    session: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{4}$")
    items: list[MarkItem] = Field(min_length=1, max_length=500)


class DecisionItem(Model):
    model_config = ConfigDict(extra="forbid")

    teacher_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,40}$")
    outcome: Outcome
    reason: str = Field(default="", max_length=200)


class CompletionRequest(Model):
    model_config = ConfigDict(extra="forbid")

    items: list[DecisionItem] = Field(min_length=1, max_length=500)


class CancelRequest(Model):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=200)


class ImportKind(StrEnum):
    ATTENDANCE = "attendance"
    ONLINE = "online"


class ImportRequest(Model):
    """An attendance workbook (the template filled in) or the online platform's hours export."""

    model_config = ConfigDict(extra="forbid")

    kind: ImportKind
    file_name: str = Field(min_length=1, max_length=120)
    content_base64: str = Field(min_length=4, max_length=8_000_000)


class ImportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RowReport(Model):
    row: int
    sheet: str = ""
    teacher_id: str = ""
    name: str = ""
    ok: bool
    message: str = ""


class TrainingImport(Model):
    """An import run by the training worker (TRAINIMPORT#<job> | JOB)."""

    job_id: str
    kind: ImportKind
    institution_id: str
    uploaded_by: str
    file_name: str
    parts: int
    status: ImportStatus
    total: int = 0
    processed: int = 0
    accepted: int = 0
    rejected: int = 0
    message: str = ""
    created_at: datetime
    finished_at: datetime | None = None


# --- what the training API returns -----------------------------------------------------------


class ImportProgress(Model):
    """An import's state and, once done, its refused rows (the first 500)."""

    job: TrainingImport
    rejected: list[RowReport]


class ClassSummary(Model):
    """A class in 开班管理 (institution) or the bureau's list."""

    class_id: str
    class_name: str
    project_id: str
    project_title: str
    institution_name: str
    start_date: date
    end_date: date
    place: str = ""
    confirmed: int
    checked_in: int = 0
    decided: int = 0
    min_size: int
    cancelled: bool = False
    cancel_reason: str = ""
    stage: str  # upcoming, running, deciding, closed, cancelled
    stage_text: str
    deadline: date
    checkin_open: bool = False
    cancellable: bool = False


class RosterRow(Model):
    teacher_id: str
    name: str
    school_name: str
    checked_in_at: datetime | None = None
    checkin_by: str = ""
    marks: dict[str, MarkEntry] = Field(default_factory=dict)
    online_hours: float | None = None
    proposal: Proposal
    completion: Completion | None = None


class ClassRoster(Model):
    summary: ClassSummary
    sessions: list[SessionSlot]
    blended: bool
    online_required: float
    rows: list[RosterRow]
    may_decide: bool
    decide_note: str = ""


class CodeView(Model):
    class_id: str
    code: str
    url: str
    svg: str
    step_seconds: int
    expires_in: int


class CheckinResult(Model):
    class_id: str
    class_name: str
    project_title: str
    checked_in_at: datetime
    first_time: bool
    message: str


class ItemOutcome(Model):
    teacher_id: str
    ok: bool
    code: str = ""
    message: str = ""


class MySession(Model):
    key: str
    day: date
    start: time | None = None
    end: time | None = None
    topic: str
    mark: Mark | None = None
    mark_text: str = ""
    reason: str = ""


class MyClass(Model):
    class_id: str
    class_name: str
    project_id: str
    project_title: str
    institution_name: str
    start_date: date
    end_date: date
    place: str = ""
    status_text: str
    cancelled: bool = False
    cancel_reason: str = ""
    checked_in_at: datetime | None = None
    sessions: list[MySession]
    online_hours: float | None = None
    online_required: float = 0
    proposal: Proposal | None = None
    outcome: Outcome | None = None
    outcome_text: str = ""
    outcome_reason: str = ""
    deadline: date


class NonCompletionRow(Model):
    class_id: str
    teacher_id: str
    teacher_name: str
    school_id: str
    school_name: str
    region_code: str
    region_name: str
    project_title: str
    class_name: str
    institution_name: str
    reason: str
    decided_at: datetime
    # The reader is the class's responsible bureau, who alone corrects it after the deadline.
    correctable: bool = False


class CancelResult(Model):
    class_id: str
    cancelled: bool
    released: int
    waitlist_closed: int
    reason: str


class ClassList(Model):
    classes: list[ClassSummary]


class MyClasses(Model):
    classes: list[MyClass]


class NonCompletionList(Model):
    rows: list[NonCompletionRow]


class ItemOutcomes(Model):
    """A bulk check-in, attendance mark or completion decision: one outcome per teacher
    (refused ones say why)."""

    results: list[ItemOutcome]
