"""Credits (学分, issue 14): the credit cycle as data, the teacher's credit ledger (entries and
the totals kept with them, CR-1, CR-2), school-based registrations (校本研修) and what the
credits API returns.

A teacher's credits are a ledger, never a number on the teacher record: each entry says where
the credits come from, how many are online and offline, the day they count for, and who posted
them. An entry is never changed; a correction posts another entry that reverses or adjusts it.
The totals of a cycle (`CreditTotals`) are written in the same transaction as every entry.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from functools import cache
from pathlib import Path

from pydantic import ConfigDict, Field, model_validator

from schemas.base import Model
from schemas.calendar import DATA_DIR
from schemas.yamlfile import read_yaml

CYCLE_ID = r"^\d{4}-\d{4}$"


class CreditCycle(Model):
    """A credit cycle (学分周期) of 浙教师〔2016〕71号: its years, the credits required over it and
    the cap on school-based credits within it (CR-1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cycle_id: str = Field(pattern=CYCLE_ID)
    name: str = Field(min_length=2, max_length=40)
    start: date
    end: date
    required: int = Field(ge=1, le=2000, description="credits required over the cycle")
    school_based_cap: int = Field(ge=0, le=2000, description="CR-1: at most this many 校本研修")

    @model_validator(mode="after")
    def _dates(self) -> CreditCycle:
        if self.end <= self.start:
            raise ValueError(f"cycle {self.cycle_id}: end is not after start")
        return self

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


class EvaluationRules(Model):
    """满意度测评: when teachers answer and when the results may be shown."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Fewer answers would let an institution tell who said what: results stay hidden below it.
    min_answers: int = Field(default=5, ge=1, le=100)
    # A teacher evaluates from the class's last day until this many days after it (inclusive).
    open_days: int = Field(default=30, ge=1, le=365)


class CreditsConfig(Model):
    """`data/credits.yaml`: the cycles (without gaps or overlaps) and the evaluation rules."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    notice: str = ""
    cycles: tuple[CreditCycle, ...] = Field(min_length=1)
    evaluation: EvaluationRules = EvaluationRules()

    @model_validator(mode="after")
    def _ordered(self) -> CreditsConfig:
        for a, b in zip(self.cycles, self.cycles[1:], strict=False):
            if b.start <= a.end:
                raise ValueError(
                    f"cycles {a.cycle_id} and {b.cycle_id} overlap or are out of order"
                )
        return self

    def cycle_of(self, day: date) -> CreditCycle | None:
        """The cycle `day` falls in, if any."""
        return next((c for c in self.cycles if c.contains(day)), None)

    def cycle(self, cycle_id: str) -> CreditCycle | None:
        return next((c for c in self.cycles if c.cycle_id == cycle_id), None)


def load_credits_config(path: Path) -> CreditsConfig:
    raw = read_yaml(path)
    try:
        return CreditsConfig.model_validate(raw)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


@cache
def credits_config() -> CreditsConfig:
    """`data/credits.yaml`, validated (read once per process)."""
    return load_credits_config(DATA_DIR / "credits.yaml")


# --- the ledger -----------------------------------------------------------------------------


class CreditSource(StrEnum):
    TRAINING = "training"  # a 合格 completion of a class (集中培训)
    SEGMENT = "segment"  # a later segment of a segmented 90-credit project (CR-2)
    SCHOOL_BASED = "school_based"  # 校本研修, registered by the school, approved by the county
    OPENING = "opening"  # credits of the cycle recorded before the platform kept the ledger


SOURCE_NAMES: dict[CreditSource, str] = {
    CreditSource.TRAINING: "培训项目",
    CreditSource.SEGMENT: "分段培训",
    CreditSource.SCHOOL_BASED: "校本研修",
    CreditSource.OPENING: "往期学分结转",
}


class CreditEntry(Model):
    """One ledger entry (TEACHER#<tid> | LEDGER#<cycle>#<entry_id>), written once, never changed.
    A reversal or adjustment is another entry with negative or different credits and `adjusts`
    naming the entry it corrects."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    entry_id: str = Field(pattern=r"^[A-Za-z0-9_.:#-]{3,120}$")
    teacher_id: str
    cycle_id: str = Field(pattern=CYCLE_ID)
    source: CreditSource
    title: str = Field(min_length=1, max_length=120, description="what the credits are for")
    online: int = Field(ge=-1000, le=1000)
    offline: int = Field(ge=-1000, le=1000)
    on: date = Field(description="the day the credits count for (a class's last day …)")
    term: str = ""
    project_id: str = ""
    class_id: str = ""
    class_name: str = ""
    segment: int = Field(default=0, ge=0, description="CR-2: the segment, 0 if not segmented")
    institution_id: str = ""
    institution_name: str = ""
    school_id: str = ""
    school_name: str = ""
    registration_id: str = ""  # 校本研修: the registration it came from
    adjusts: str = ""  # the entry this one reverses or adjusts
    note: str = Field(default="", max_length=200)
    posted_at: datetime
    posted_by: str
    posted_by_name: str = ""

    @property
    def credits(self) -> int:
        return self.online + self.offline


class CreditTotals(Model):
    """A teacher's totals in one cycle (TEACHER#<tid> | CREDITS#<cycle>), added to in the same
    transaction as each entry: `total` is always the sum of the entries' credits. `sb_held` is
    what the school-based cap counts (CR-1): registered and awaiting approval, or approved."""

    model_config = ConfigDict(frozen=True)

    teacher_id: str
    cycle_id: str
    total: int = 0
    online: int = 0
    offline: int = 0
    school_based: int = 0
    sb_held: int = 0
    entries: int = 0


# --- school-based training (校本研修, CR-1) --------------------------------------------------


class RegistrationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # the school took back a pending registration
    REVOKED = "revoked"  # the county bureau reversed an approved one


REGISTRATION_NAMES: dict[RegistrationStatus, str] = {
    RegistrationStatus.PENDING: "待审核",
    RegistrationStatus.APPROVED: "已通过",
    RegistrationStatus.REJECTED: "未通过",
    RegistrationStatus.WITHDRAWN: "已撤回",
    RegistrationStatus.REVOKED: "已撤销",
}
# A registration in these states counts against the teacher's school-based cap.
HOLDING = (RegistrationStatus.PENDING, RegistrationStatus.APPROVED)


class SchoolBasedRequest(Model):
    """One teacher's school-based credits as the school registers them."""

    model_config = ConfigDict(extra="forbid")

    teacher_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,40}$")
    title: str = Field(min_length=2, max_length=60, description="研修主题")
    on: date = Field(description="研修日期（多日的取最后一天）")
    hours: float = Field(default=0, ge=0, le=500, description="学时")
    offline: int = Field(default=0, ge=0, le=150, description="线下学分")
    online: int = Field(default=0, ge=0, le=150, description="线上学分")
    note: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _some(self) -> SchoolBasedRequest:
        if self.offline + self.online <= 0:
            raise ValueError("学分须大于0")
        return self


class SchoolBasedImport(Model):
    """An xlsx of school-based credits (the template filled in), base64."""

    model_config = ConfigDict(extra="forbid")

    file_name: str = Field(min_length=1, max_length=120)
    content_base64: str = Field(min_length=4, max_length=4_000_000)


class Registration(Model):
    """A school-based registration (TEACHER#<tid> | SBREG#<reg_id>)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    registration_id: str
    teacher_id: str
    teacher_name: str
    school_id: str
    school_name: str
    region_code: str
    cycle_id: str
    title: str
    on: date
    hours: float = 0
    offline: int
    online: int
    note: str = ""
    status: RegistrationStatus
    registered_at: datetime
    registered_by: str
    registered_by_name: str = ""
    decided_at: datetime | None = None
    decided_by: str = ""
    decided_by_name: str = ""
    reason: str = ""

    @property
    def credits(self) -> int:
        return self.online + self.offline


class RegistrationRef(Model):
    model_config = ConfigDict(extra="forbid")

    teacher_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,40}$")
    registration_id: str = Field(pattern=r"^[A-Za-z0-9-]{8,60}$")


class Decision(StrEnum):
    APPROVE = "approve"  # the county bureau: credits posted
    REJECT = "reject"  # the county bureau, with a reason: the cap is released
    REVOKE = "revoke"  # the county bureau, with a reason: an approved one reversed
    WITHDRAW = "withdraw"  # the school takes back a pending one


class RegistrationDecision(Model):
    model_config = ConfigDict(extra="forbid")

    items: list[RegistrationRef] = Field(min_length=1, max_length=200)
    decision: Decision
    reason: str = Field(default="", max_length=200)


class DecisionResult(Model):
    teacher_id: str
    registration_id: str
    ok: bool
    code: str = ""
    message: str = ""


class RegistrationView(Registration):
    status_text: str


class RowResult(Model):
    """One row of an xlsx registration: registered, or why not."""

    row: int
    teacher_id: str = ""
    name: str = ""
    ok: bool
    message: str = ""
    registration_id: str = ""


# --- views ------------------------------------------------------------------------------------


class EntryView(CreditEntry):
    source_text: str
    credits_total: int


class CycleInfo(Model):
    cycle_id: str
    name: str
    start: date
    end: date
    required: int
    school_based_cap: int


class MyCredits(Model):
    """我的学分: a cycle's entries and totals against what the cycle requires."""

    teacher_id: str
    teacher_name: str
    school_name: str
    cycle: CycleInfo
    cycles: list[CycleInfo]
    totals: CreditTotals
    required: int
    remaining: int
    percent: float
    expected_by_now: int  # the credits a steady pace would have reached today
    behind: bool
    school_based_room: int  # CR-1: school-based credits that may still be registered
    entries: list[EntryView]
    pending: list[RegistrationView]


class TeacherProgress(Model):
    teacher_id: str
    name: str
    school_id: str
    school_name: str
    total: int
    school_based: int
    required: int
    percent: float
    behind: bool


class GroupProgress(Model):
    """A school (in a county's view) or a county (in a city's or the province's)."""

    code: str
    name: str
    teachers: int
    behind: int
    met: int  # teachers who reached the cycle's requirement
    credits: int
    average: float


class ProgressView(Model):
    """A school's teachers, or a bureau's region by school or county, in one cycle."""

    cycle: CycleInfo
    expected_by_now: int
    scope_name: str
    level: str  # school, county, city, province
    region_code: str = ""
    summary: GroupProgress | None = None  # the school's or region's own figures
    teachers: list[TeacherProgress] = Field(default_factory=list)
    groups: list[GroupProgress] = Field(default_factory=list)
    as_of: datetime | None = None  # when the figures were taken (the aggregation's run)


# --- certificates (结业证书) -------------------------------------------------------------------


class Certificate(Model):
    """A completion certificate, generated from the completion each time it is shown (never
    stored as a file): valid while the 合格 decision it was issued for stands."""

    code: str  # as printed: XXXX-XXXX-XXXX
    valid: bool
    status_text: str
    teacher_name: str  # masked on the public verification page
    project_title: str
    class_name: str
    segment_name: str = ""
    institution_name: str
    start_date: date | None = None
    end_date: date | None = None
    hours: float
    credits: int
    credits_online: int = 0
    issued_on: date
    verify_url: str = ""
    qr_svg: str = ""  # the QR code of `verify_url` (the owner's printable page only)


class CertificateSummary(Model):
    code: str
    project_title: str
    class_name: str
    institution_name: str
    credits: int
    issued_on: date


# --- segmented projects (CR-2) --------------------------------------------------------------


class SegmentInfo(Model):
    n: int
    name: str
    semester: str
    credits: int
    open: bool


class SegmentRow(Model):
    teacher_id: str
    name: str
    school_name: str
    outcome: str = ""  # pass / fail once decided
    outcome_text: str = ""
    reason: str = ""


class SegmentRoster(Model):
    """The teachers carried into a later segment (they completed the previous one; CR-2: one
    enrolment, no new selection) with the segment's decisions."""

    project_id: str
    project_title: str
    segments: list[SegmentInfo]
    segment: int
    rows: list[SegmentRow]
    may_decide: bool
    note: str = ""


# --- 培训档案 (the teacher's record of training, printable) -------------------------------------


class ArchiveCycle(Model):
    cycle: CycleInfo
    totals: CreditTotals
    entries: list[EntryView]


class ArchiveCompletion(Model):
    term: str
    project_title: str
    class_name: str
    institution_name: str
    outcome_text: str
    credits: int
    decided_on: date
    reason: str = ""
    certificate: str = ""  # the verification code of a standing 合格


class Archive(Model):
    teacher_id: str
    teacher_name: str
    school_name: str
    generated_at: datetime
    cycles: list[ArchiveCycle]
    completions: list[ArchiveCompletion]


# The wrappers the credits routes answer (a named object, so the API document says what is in it).
class CertificateList(Model):
    certificates: list[CertificateSummary]


class RegistrationList(Model):
    registrations: list[RegistrationView]


class DecisionResults(Model):
    """A bulk decision on school-based registrations: one result per registration."""

    results: list[DecisionResult]
