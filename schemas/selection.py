"""Selections (选课): records and API payloads."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import ConfigDict, Field

from schemas.base import Model
from schemas.catalog import ClassInfo


class SelectionStatus(StrEnum):
    PENDING = "pending"  # holds a seat, waiting for school review
    SCHOOL_APPROVED = "school_approved"
    CONFIRMED = "confirmed"  # rechecked by the institution
    SCHOOL_REJECTED = "school_rejected"
    RECHECK_REJECTED = "recheck_rejected"
    WITHDRAWN = "withdrawn"
    WAITLISTED = "waitlisted"  # in the class's waitlist (候补), holds no seat
    WAITLIST_DROPPED = "waitlist_dropped"  # could not be promoted (term limit or date clash)
    WAITLIST_CLOSED = "waitlist_closed"  # still waiting when the last recheck window closed
    CANCELLED = "cancelled"  # the class was cancelled by its bureau (取消办班)


# Statuses that hold a seat (SE-4 counts these against capacity).
SEAT_HOLDING = (
    SelectionStatus.PENDING,
    SelectionStatus.SCHOOL_APPROVED,
    SelectionStatus.CONFIRMED,
)

STATUS_TEXT: dict[SelectionStatus, tuple[str, str]] = {
    SelectionStatus.PENDING: ("待学校审核", "请等待学校审核；第一轮选课期间可退选。"),
    SelectionStatus.SCHOOL_APPROVED: ("学校已审核", "等待培训机构复核。"),
    SelectionStatus.CONFIRMED: ("已确认", "请按时参加培训。"),
    SelectionStatus.SCHOOL_REJECTED: ("学校未通过", "名额已释放，可在选课期间另选班期。"),
    SelectionStatus.RECHECK_REJECTED: ("机构复核未通过", "名额已释放，可在第二轮选课时另选。"),
    SelectionStatus.WITHDRAWN: ("已退选", "名额已释放，选课期间可重新选择。"),
    SelectionStatus.WAITLISTED: (
        "候补中",
        "有名额释放（退选、审核未通过或扩班）时按候补顺序自动递补；选课期间可取消候补。",
    ),
    SelectionStatus.WAITLIST_DROPPED: (
        "候补未递补",
        "轮到你递补时，你本学期已选满或与已选班期日期冲突，候补已取消；可在选课期间另选班期。",
    ),
    SelectionStatus.WAITLIST_CLOSED: (
        "候补未递补",
        "第二轮复核结束时仍未轮到递补，候补名单已关闭，本学期不再递补。",
    ),
    SelectionStatus.CANCELLED: (
        "班期已取消",
        "该班期已取消，名额和培训日期已释放；可在第二轮选课时另选班期。",
    ),
}

# A pending selection that came from the waitlist is shown with its own text.
PROMOTED_TEXT = ("候补递补成功，待学校审核", "已从候补递补获得名额，请等待学校审核。")


class ReviewDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class RecheckDecision(StrEnum):
    CONFIRM = "confirm"
    REJECT = "reject"


class ExpansionState(StrEnum):
    APPLIED = "applied"
    ACCEPTED = "accepted"
    REFUSED = "refused"


EXPANSION_TEXT: dict[ExpansionState, str] = {
    ExpansionState.APPLIED: "待教育局受理",
    ExpansionState.ACCEPTED: "已同意扩班",
    ExpansionState.REFUSED: "未同意扩班",
}


class SelectRequest(Model):
    """Body of POST /api/selections."""

    model_config = ConfigDict(extra="forbid")

    class_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,60}$")
    # True: join the class's waitlist (候补) when it is full, instead of taking a seat.
    waitlist: bool = False


class Selection(Model):
    """A teacher's selection of one class in one term (one record per teacher and class)."""

    model_config = ConfigDict(frozen=True)

    term: str
    teacher_id: str
    class_id: str
    project_id: str
    project_title: str
    class_name: str
    institution_name: str
    start_date: date
    end_date: date
    school_id: str
    region_code: str
    round: int = Field(ge=1, le=2)
    status: SelectionStatus
    reason: str = ""
    created_at: datetime
    updated_at: datetime
    wl_seq: int | None = None  # waitlist sequence number while waitlisted (order of joining)
    promoted: bool = False  # the seat came from the waitlist
    # CH-3: an approved date change moved the class onto days of another class the teacher
    # holds (`clash_with` names it, for the teacher). The selection still holds the class's
    # days (its dates are always the class's), and `shares_days` marks every seat-holding
    # selection with a day in common with another: freeing such a seat keeps the days the
    # other class still holds (functions/selection/store.py, "held days").
    clash_with: str = ""
    shares_days: bool = False


class SelectionView(Selection):
    """A selection as the API returns it, with Chinese status text and the next step."""

    status_text: str
    next_step: str
    waitlist_position: int | None = None
    # CH-3: the explanation of an approved major change, and whether the teacher may withdraw
    # now (a selection round is open, or a withdrawal right covers the selection).
    change_notice: str = ""
    may_withdraw: bool = False

    @classmethod
    def of(
        cls,
        s: Selection,
        position: int | None = None,
        notice: str = "",
        may_withdraw: bool = False,
    ) -> SelectionView:
        text, nxt = STATUS_TEXT[s.status]
        if s.promoted and s.status == SelectionStatus.PENDING:
            text, nxt = PROMOTED_TEXT
        if s.status == SelectionStatus.WAITLISTED and position is not None:
            text = f"候补中（第 {position} 位）"
        if s.clash_with and s.status in SEAT_HOLDING:
            nxt = (
                f"班期日期已变更为{s.start_date:%m月%d日}—{s.end_date:%m月%d日}，"
                f"与你已选的{s.clash_with}日期冲突，请退选其中一个班期。"
            )
        return cls(
            **s.model_dump(),
            status_text=text,
            next_step=nxt,
            waitlist_position=position,
            change_notice=notice,
            may_withdraw=may_withdraw,
        )


class SeatsView(Model):
    class_id: str
    capacity: int
    held: int
    left: int
    waitlist: int = 0


class SelectionRef(Model):
    model_config = ConfigDict(extra="forbid", frozen=True)

    teacher_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,40}$")
    class_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,60}$")


class ReviewRequest(Model):
    """Body of POST /api/school/reviews (PH-R1-SCHOOL, PH-R2-SCHOOL): one or many selections."""

    model_config = ConfigDict(extra="forbid")

    items: list[SelectionRef] = Field(min_length=1, max_length=200)
    decision: ReviewDecision
    reason: str = Field(default="", max_length=200)


class RecheckRequest(Model):
    """Body of POST /api/institution/rechecks (PH-R1-RECHECK, PH-R2-RECHECK)."""

    model_config = ConfigDict(extra="forbid")

    items: list[SelectionRef] = Field(min_length=1, max_length=200)
    decision: RecheckDecision
    reason: str = Field(default="", max_length=200)


class ItemResult(Model):
    """The outcome for one selection of a bulk request."""

    teacher_id: str
    class_id: str
    ok: bool
    status: str = ""
    code: str = ""
    message: str = ""


class ExpansionRequest(Model):
    """Body of POST /api/institution/expansions (PH-EXPAND-APPLY, SE-3)."""

    model_config = ConfigDict(extra="forbid")

    class_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,60}$")
    extra: int = Field(ge=1, le=200, description="extra seats asked for")
    reason: str = Field(min_length=2, max_length=200)


class ExpansionDecisionRequest(Model):
    """Body of POST /api/bureau/expansions/{class_id} (PH-EXPAND-ACCEPT, SE-3)."""

    model_config = ConfigDict(extra="forbid")

    accept: bool
    reason: str = Field(default="", max_length=200)


class Expansion(Model):
    """An institution's application for extra seats in one class (CLASS#<cid> | EXPANSION#<term>)."""

    model_config = ConfigDict(frozen=True)

    term: str
    class_id: str
    class_name: str
    project_id: str
    project_title: str
    institution_id: str
    institution_name: str
    bureau_region: str  # the responsible bureau's region (province code for province-wide)
    extra: int
    reason: str
    state: ExpansionState
    decision_reason: str = ""
    decided_by: str = ""
    capacity_before: int | None = None
    applied_at: datetime
    decided_at: datetime | None = None


class WithdrawalRight(Model):
    """CH-3: an approved major change lets the project's enrolled teachers withdraw (退选) outside
    the selection windows. TEACHER#<tid> | RIGHT#<term>#<project_id>."""

    model_config = ConfigDict(frozen=True)

    teacher_id: str
    term: str
    project_id: str
    change_id: str
    reason: str
    granted_at: datetime


class ClosingStep(StrEnum):
    """What a closing review window does (SE-1, PH-R1-SCHOOL … PH-R2-RECHECK)."""

    SCHOOL = "school"  # selections still pending: the term data's unreviewed_school
    RECHECK = "recheck"  # selections still school_approved: the term data's unreviewed_recheck
    WAITLIST = "waitlist"  # every waitlist entry ends 未递补 (waitlist_closed)


class ClosingJob(Model):
    """The run of one window's closing (TERM#<term> | CLOSE#<phase>): created once when the
    window's close fires, then advanced class by class; a repeated or retried toggle continues
    it from `cursor` and never starts it again."""

    term: str
    phase: str
    steps: list[ClosingStep]
    cursor: int = 0  # classes done, in class-id order
    classes: int = 0
    done: bool = False
    runs: int = 0
    counts: dict[str, int] = Field(default_factory=dict)
    started_at: datetime
    finished_at: datetime | None = None


# --- answers of the school's and the institution's views (the API document's response models) ---


class SchoolTeacherRow(Model):
    """One teacher of the school's overview: on the roll (with or without selections), or named
    by a selection although the record has moved since."""

    teacher_id: str
    name: str
    subject: str
    stage: str
    title: str
    selected: bool  # holds a selection that is not ended
    selections: list[SelectionView]


class SchoolOverview(Model):
    """学校审核: the school's teachers this term with their selections and credits."""

    school_id: str
    term: str
    pending: int  # selections waiting for the school's review
    not_selected: int  # teachers without an open selection (to remind them)
    teachers: list[SchoolTeacherRow]


class RosterSelection(SelectionView):
    teacher_name: str = ""


class WaitlistPlace(Model):
    teacher_id: str
    position: int
    round: int


class InstitutionRoster(Model):
    """An institution's class: its selections (every status) and waitlist, for the recheck."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    class_info: ClassInfo = Field(alias="class")
    selections: list[RosterSelection]
    waitlist: list[WaitlistPlace]


class SeatsAnswer(Model):
    seats: list[SeatsView]


class MySelections(Model):
    selections: list[SelectionView]


class ItemResults(Model):
    """A bulk decision: one result per item (refused items say why)."""

    results: list[ItemResult]


class ExpansionList(Model):
    expansions: list[Expansion]


class ExpansionDecided(Expansion):
    promoted: int  # waitlisted teachers who got a seat from the expansion


class ClassSeats(Model):
    """One class of the institution this term as its expansion page lists it: capacity, seats
    held, waitlist length and its expansion application, if any (PH-EXPAND-APPLY)."""

    class_id: str
    class_name: str
    project_id: str
    project_title: str
    start_date: date
    end_date: date
    capacity: int
    held: int
    waitlist: int
    expansion: Expansion | None


class InstitutionClassList(Model):
    classes: list[ClassSeats]
