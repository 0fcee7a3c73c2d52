"""Quality (issue 14): class evaluations (满意度测评), spot checks and quality monitoring (QA-1),
and the bureaus' per-term reports."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import ConfigDict, Field, computed_field

from schemas.base import Model

# --- 满意度测评 -----------------------------------------------------------------------------------

QUESTIONS: dict[str, str] = {
    "overall": "总体满意度",
    "content": "培训内容",
    "instructors": "授课教师",
    "organisation": "组织管理",
}
SCALE = (1, 2, 3, 4, 5)  # 1 很不满意 … 5 很满意
SCALE_NAMES = {1: "很不满意", 2: "不满意", 3: "一般", 4: "满意", 5: "很满意"}


class EvaluationRequest(Model):
    """One teacher's answers: each question 1–5 and a comment. Stored without the teacher."""

    model_config = ConfigDict(extra="forbid")

    class_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,60}$")
    overall: int = Field(ge=1, le=5)
    content: int = Field(ge=1, le=5)
    instructors: int = Field(ge=1, le=5)
    organisation: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=300)


class EvaluationOpen(Model):
    """A class the teacher attended and may evaluate (or has evaluated)."""

    class_id: str
    class_name: str
    project_title: str
    institution_name: str
    start_date: date
    end_date: date
    closes: date  # the last day to evaluate
    done: bool
    open: bool
    note: str = ""


class QuestionResult(Model):
    key: str
    name: str
    average: float
    distribution: list[int]  # answers giving 1 … 5


class EvaluationResult(Model):
    """A class's results: figures only from `min_answers` answers on (fewer would identify)."""

    class_id: str
    class_name: str
    project_id: str
    project_title: str
    institution_id: str
    institution_name: str
    term: str
    end_date: date | None = None
    answers: int
    shown: bool
    min_answers: int
    questions: list[QuestionResult] = Field(default_factory=list)
    comments: list[str] = Field(default_factory=list)


# --- QA-1: spot checks and quality monitoring ------------------------------------------------


class Rating(StrEnum):
    EXCELLENT = "excellent"
    GOOD = "good"
    PASS = "pass"
    FAIL = "fail"


RATING_NAMES = {
    Rating.EXCELLENT: "优秀",
    Rating.GOOD: "良好",
    Rating.PASS: "合格",
    Rating.FAIL: "不合格",
}
CHECK_ITEMS = (
    "课程实施与课程表一致",
    "授课教师与申报一致",
    "学员考勤与纪律",
    "食宿与安全",
    "收费与申报一致",
    "培训资料与档案",
    "线上学习平台",
)


class CheckRequest(Model):
    """A spot check or monitoring visit of one class, as the monitor records it (QA-1)."""

    model_config = ConfigDict(extra="forbid")

    class_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,60}$")
    checked_on: date
    method: str = Field(
        default="现场检查", max_length=20, description="现场检查, 线上巡查, 电话回访 …"
    )
    items: list[str] = Field(min_length=1, max_length=12, description="what was checked")
    findings: str = Field(min_length=2, max_length=1000)
    rating: Rating
    follow_up: bool = Field(description="the institution must answer (整改)")
    follow_up_by: date | None = None


class AnswerRequest(Model):
    """The institution's answer to a finding (整改情况)."""

    model_config = ConfigDict(extra="forbid")

    answer: str = Field(min_length=2, max_length=1000)


class CloseRequest(Model):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=300)


class CheckStatus(StrEnum):
    RECORDED = "recorded"  # no follow-up required
    OPEN = "open"  # follow-up required, awaiting the institution
    ANSWERED = "answered"  # the institution answered, awaiting the monitor
    CLOSED = "closed"  # the monitor accepted the answer


CHECK_STATUS_NAMES = {
    CheckStatus.RECORDED: "已记录",
    CheckStatus.OPEN: "待机构整改",
    CheckStatus.ANSWERED: "机构已答复",
    CheckStatus.CLOSED: "已确认整改",
}


class QualityCheck(Model):
    """One QA-1 record (INST#<iid> | QA#<check_id>), kept per institution and project."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    check_id: str
    term: str
    institution_id: str
    institution_name: str
    project_id: str
    project_title: str
    class_id: str
    class_name: str
    bureau_region: str = ""  # the project's responsible bureau (reads the record)
    checked_on: date
    method: str
    items: tuple[str, ...]
    findings: str
    rating: Rating
    follow_up: bool
    follow_up_by: date | None = None
    recorded_by: str
    recorded_by_name: str
    recorded_role: str
    recorded_at: datetime
    status: CheckStatus
    answer: str = ""
    answered_at: datetime | None = None
    answered_by_name: str = ""
    closed_at: datetime | None = None
    closed_by_name: str = ""
    close_note: str = ""
    version: int = 1


class CheckView(QualityCheck):
    rating_text: str
    status_text: str


# --- the review page's view of an institution ------------------------------------------------


class InstitutionQuality(Model):
    """What the reviewing bureau sees of an applying institution: its past classes' ratings
    (those with enough answers) and its QA-1 records."""

    institution_id: str
    institution_name: str
    rated_classes: int
    answers: int
    average: float | None = None  # 总体满意度 over the rated classes, weighted by answers
    questions: list[QuestionResult] = Field(default_factory=list)
    classes: list[EvaluationResult] = Field(default_factory=list)
    checks: list[CheckView] = Field(default_factory=list)
    open_checks: int = 0


# --- the bureaus' per-term report --------------------------------------------------------------


class ReportRow(Model):
    """One county or institution in a term's report (over the caller's region's teachers)."""

    code: str
    name: str
    confirmed: int = 0  # teachers holding a confirmed seat in a class that has ended
    checked_in: int = 0
    decided: int = 0
    passed: int = 0
    failed: int = 0
    credits: int = 0  # credits posted by 合格 decisions
    rated_classes: int = 0
    answers: int = 0
    overall_sum: int = 0  # 总体满意度 summed over rated classes' answers

    @computed_field  # type: ignore[prop-decorator]
    @property
    def completion_rate(self) -> float | None:
        """合格 share of the confirmed teachers of classes that have ended (percent)."""
        return round(self.passed * 100 / self.confirmed, 1) if self.confirmed else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def overall(self) -> float | None:
        return round(self.overall_sum / self.answers, 2) if self.answers else None

    def plus(self, other: ReportRow) -> ReportRow:
        counters = (
            "confirmed",
            "checked_in",
            "decided",
            "passed",
            "failed",
            "credits",
            "rated_classes",
            "answers",
            "overall_sum",
        )
        return self.model_copy(update={k: getattr(self, k) + getattr(other, k) for k in counters})


class ReportView(Model):
    term: str
    term_name: str
    region_code: str
    region_name: str
    level: str
    summary: ReportRow | None = None
    by_region: list[ReportRow] = Field(default_factory=list)  # counties, cities
    by_institution: list[ReportRow] = Field(default_factory=list)
    as_of: datetime | None = None


class ClassChoice(Model):
    """A published class a monitor may record a check of."""

    class_id: str
    class_name: str
    project_title: str
    institution_name: str
    start_date: date
    end_date: date


# The wrappers the quality routes answer (a named object, so the API document says what is in it).
class OpenEvaluationList(Model):
    classes: list[EvaluationOpen]


class EvaluationResultList(Model):
    classes: list[EvaluationResult]


class ClassChoiceList(Model):
    classes: list[ClassChoice]


class CheckList(Model):
    checks: list[CheckView]
