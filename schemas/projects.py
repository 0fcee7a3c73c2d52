"""Project application (申报), review (审核) and change records, and the data files that bound
them: the quota table (Q-1 … Q-6) and the fee standards (AP-8).

A draft may be incomplete (every field optional); submitting checks it completely with the rules
in `functions/projects/rules.py`. Person ID numbers live only in these internal records, never in
the published `schemas.catalog.Project`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.base import Model
from schemas.calendar import DATA_DIR
from schemas.catalog import FeeItem, Person, ProjectStatus, Session, Target, TrainingForm
from schemas.org import QuotaCategory
from schemas.regions import RegionCode
from schemas.yamlfile import read_yaml

ID_NUMBER = r"^\d{17}[\dX]$"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character of an 18-digit resident ID number."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def valid_id_number(value: str) -> bool:
    return (
        len(value) == 18
        and value[:17].isdigit()
        and (value[17].isdigit() or value[17] == "X")
        and id_check_digit(value[:17]) == value[17]
    )


# --- people (AP-7) ---------------------------------------------------------------------------

# Professional titles ranked: 3 = 正高 (full senior), 2 = 副高 (associate senior), lower below.
TITLE_RANKS: dict[str, int] = {
    "教授": 3,
    "研究员": 3,
    "正高级教师": 3,
    "正高级教师（特级教师）": 3,
    "副教授": 2,
    "副研究员": 2,
    "高级教师": 2,
    "高级讲师": 2,
    "讲师": 1,
    "一级教师": 1,
    "助教": 0,
    "二级教师": 0,
}


class PersonInput(Model):
    """A leader or instructor as entered in a draft; anything may still be missing."""

    model_config = ConfigDict(extra="forbid")

    id_number: str | None = Field(default=None, max_length=18)
    name: str | None = Field(default=None, max_length=40)
    title: str | None = Field(default=None, max_length=40)
    organisation: str | None = Field(default=None, max_length=60)
    formal_employee: bool = Field(default=False, description="正式在编在岗 of the applicant")
    expertise: str = Field(default="", max_length=60, description="专长领域")


class PersonRecord(Model):
    """The one record of an instructor/expert (AP-7), keyed by ID number, reused across projects."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id_number: str = Field(pattern=ID_NUMBER)
    name: str = Field(min_length=1, max_length=40)
    title: str = Field(default="", max_length=40)
    organisation: str = Field(default="", max_length=60)
    expertise: str = Field(default="", max_length=60)
    updated_at: datetime | None = None


# --- drafts ----------------------------------------------------------------------------------


class ClassDraft(Model):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=40)
    start_date: date | None = None
    end_date: date | None = None
    place: str | None = Field(default=None, max_length=80)
    capacity: int | None = Field(default=None, ge=1, le=2000)
    timetable: list[Session] = Field(default_factory=list, max_length=200)


class SegmentDraft(Model):
    """One segment of a segmented 90-credit centralized project (CR-2)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=40)
    semester: str | None = Field(default=None, pattern=r"^\d{4}H[12]$")
    credits: int | None = Field(default=None, ge=1, le=150)


class FeeDraft(Model):
    model_config = ConfigDict(extra="forbid")

    total: Decimal | None = Field(default=None, ge=0, max_digits=9, decimal_places=2)
    items: list[FeeItem] = Field(default_factory=list, max_length=12)


class ProjectDraft(Model):
    """What an institution clerk edits: every field optional until submission."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=60)
    theme: str | None = Field(default=None, max_length=200)
    target: Target = Target()
    stage: str | None = Field(default=None, max_length=20)
    subject: str | None = Field(default=None, max_length=20)
    field: str | None = Field(default=None, max_length=20, description="培训领域")
    level: str | None = Field(default=None, max_length=20, description="培训层次")
    form: TrainingForm | None = None
    credits_total: int | None = Field(default=None, ge=0, le=1000)
    credits_online: int | None = Field(default=None, ge=0, le=1000)
    segments: list[SegmentDraft] = Field(default_factory=list, max_length=6)
    fee: FeeDraft = FeeDraft()
    leader: PersonInput = PersonInput()
    instructors: list[PersonInput] = Field(default_factory=list, max_length=30)
    classes: list[ClassDraft] = Field(default_factory=list, max_length=12)
    b_certificate: bool = Field(default=False, description="B证项目 (Q-4: outside the quota)")


class FieldError(Model):
    """One problem of a submission, shown next to its field."""

    model_config = ConfigDict(frozen=True)

    field: str
    code: str
    message: str
    rule: str = ""


class SpotCheck(Model):
    """AP-5: the instructors drawn for a spot check (who drew, when, from how many; drawn once
    per submission with `secrets`), and its recorded outcome."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    picked: tuple[str, ...]  # instructor names (never ID numbers)
    pool: int = Field(ge=0)  # how many distinct instructors the pick was drawn from
    drawn_by: str
    drawn_at: datetime
    outcome: str | None = Field(default=None, pattern=r"^(pass|fail)$")
    note: str = Field(default="", max_length=200)
    by: str | None = None
    at: datetime | None = None


class ProjectRecord(Model):
    """A project as the application and review flow keeps it (the item's `app` document)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    project_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,60}$")
    term: str = Field(pattern=r"^\d{4}H[12]$")
    institution_id: str
    institution_name: str
    status: ProjectStatus
    version: int = Field(ge=1)
    draft: ProjectDraft
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None = None
    counted_quota: bool = False  # a quota slot is held (submitted/approved/published, not Q-4)
    leader_classes: int = 0  # classes held on the leader's term load (AP-3)
    return_reason: str = ""
    reviewed_by: str | None = None
    spot_check: SpotCheck | None = None
    published_at: datetime | None = None


class ChangeKind(StrEnum):
    FORM = "form"  # 培训形式 (CH-2 when face-to-face becomes online)
    DATES = "dates"  # 班期日期
    PLACE = "place"  # 培训地点
    INSTRUCTORS = "instructors"  # 授课教师
    TIMETABLE = "timetable"  # 课程表
    OTHER = "other"


CHANGE_KIND_NAMES = {
    ChangeKind.FORM: "培训形式",
    ChangeKind.DATES: "班期日期",
    ChangeKind.PLACE: "培训地点",
    ChangeKind.INSTRUCTORS: "授课教师",
    ChangeKind.TIMETABLE: "课程表",
    ChangeKind.OTHER: "其他",
}


class ChangeStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    APPLIED = "applied"  # a minor change applied at once, recorded for the bureau (CH-5)


class ChangeRequest(Model):
    """What an institution asks to change in a published project (CH-1 … CH-3)."""

    model_config = ConfigDict(extra="forbid")

    kind: ChangeKind
    what: str = Field(min_length=2, max_length=200)
    why: str = Field(min_length=2, max_length=500)
    class_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{2,60}$")
    form: TrainingForm | None = None
    start_date: date | None = None
    end_date: date | None = None
    place: str | None = Field(default=None, max_length=80)
    instructors: list[str] = Field(default_factory=list, max_length=30)  # names as shown
    timetable: list[Session] = Field(default_factory=list, max_length=200)


class ChangeRecord(Model):
    model_config = ConfigDict(frozen=True, extra="forbid")

    change_id: str
    project_id: str
    term: str
    institution_id: str
    request: ChangeRequest
    major: bool
    status: ChangeStatus
    filed_by: str
    filed_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str = ""
    rights_opened: int = 0
    # The published project's responsible bureau when the change was filed (CH-3); None in
    # records filed before the field existed.
    bureau_region: RegionCode | None = None


class AuditEntry(Model):
    """One line of a project's history (CH-5), or of a region's local cap (Q-6: `region_code`
    set, no project or institution)."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    project_id: str = ""
    institution_id: str = ""
    term: str
    event: str
    actor: str
    detail: str = ""
    region_code: RegionCode = ""


# --- data files: quotas (Q-1 … Q-6) and fee standards (AP-8) --------------------------------


LOCAL_CAP_MAX = 200  # the largest Q-6 cap a bureau may set in the browser


class LocalQuota(Model):
    model_config = ConfigDict(frozen=True, extra="forbid")

    cap: int = Field(ge=0, le=1000)
    set_by: str = Field(description="the bureau account that set it (Q-6)")


class LocalCapSetting(Model):
    """Q-6: a region's cap on local projects per institution for a term, as a bureau set it in the
    browser. It overrides the term file's `local` entry (and `local_default`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    term: str = Field(pattern=r"^\d{4}H[12]$")
    region_code: RegionCode = Field(pattern=r"^\d{6}$")
    cap: int = Field(ge=0, le=LOCAL_CAP_MAX)
    set_by: str = Field(description="the bureau account (user id) that set it")
    set_by_name: str = ""
    set_at: datetime


class QuotaTable(Model):
    """Per-term limits on the projects an institution may submit (Q-1 … Q-6), and credit caps."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    term: str = Field(pattern=r"^\d{4}H[12]$")
    notice: str = ""
    province_wide: dict[QuotaCategory, int]
    new_institution_days: int = Field(default=365, ge=1, description="Q-5: qualified less than")
    b_certificate_outside_quota: bool = True
    local_default: int = Field(ge=0, description="Q-6 cap where a region set none")
    local: dict[RegionCode, LocalQuota] = Field(default_factory=dict)
    max_leader_classes: int = Field(default=4, ge=1, description="AP-3")
    blended_online_max_percent: int = Field(default=30, ge=0, le=100, description="CR-3")
    blended_host_scopes: tuple[str, ...] = Field(
        default=("province", "remote", "local"), description="CR-4: qualified hosts"
    )
    segmented_credits: int = Field(default=90, description="CR-2: projects that may be segmented")
    timetable_days_before: int = Field(default=5, ge=0, description="CH-4")
    spot_check_size: int = Field(default=2, ge=1, description="AP-5")

    @field_validator("province_wide")
    @classmethod
    def _categories(cls, v: dict[QuotaCategory, int]) -> dict[QuotaCategory, int]:
        missing = {
            QuotaCategory.Q1_NORMAL_UNIVERSITY,
            QuotaCategory.Q2_PROVINCE_WIDE,
            QuotaCategory.Q3_REMOTE,
            QuotaCategory.Q5_NEW,
        } - set(v)
        if missing:
            raise ValueError(f"province_wide lacks {sorted(m.value for m in missing)}")
        return v


class FeeStandard(Model):
    """Caps per trainee per training day (AP-8), e.g. 浙财行〔2022〕13号 for provincial projects."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    standard_id: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    name: str
    document: str = ""
    applies_to: str = Field(pattern=r"^(province|local)$")
    regions: tuple[RegionCode, ...] = ()  # local standards: the regions that set them
    daily_total: Decimal = Field(gt=0)
    item_daily_caps: dict[str, Decimal]
    online_daily_total: Decimal = Field(gt=0, description="cap per day of an online project")


def _load(path: Path, model: type[BaseModel]) -> BaseModel:
    raw = read_yaml(path)
    try:
        return model.model_validate(raw)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


@cache
def quota_table(term: str) -> QuotaTable:
    """`data/quotas/<term>.yaml`, validated (read once per process)."""
    table = _load(DATA_DIR / "quotas" / f"{term}.yaml", QuotaTable)
    assert isinstance(table, QuotaTable)
    return table


@cache
def fee_standards() -> tuple[FeeStandard, ...]:
    """Every `data/fees/*.yaml`, validated."""
    out = []
    for p in sorted((DATA_DIR / "fees").glob("*.yaml")):
        std = _load(p, FeeStandard)
        assert isinstance(std, FeeStandard)
        out.append(std)
    return tuple(out)


# --- request bodies --------------------------------------------------------------------------


class SaveDraftRequest(Model):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    draft: ProjectDraft


class VersionRequest(Model):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)


class SpotCheckDrawRequest(Model):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)


class SpotCheckRequest(Model):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    outcome: str = Field(pattern=r"^(pass|fail)$")
    note: str = Field(default="", max_length=200)


class DecisionRequest(Model):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    action: str = Field(pattern=r"^(approve|return)$")
    reason: str = Field(default="", max_length=500)


class ChangeDecisionRequest(Model):
    model_config = ConfigDict(extra="forbid")

    approve: bool
    note: str = Field(default="", max_length=500)


class LocalCapRequest(Model):
    """Body of PUT /api/projects/quotas/local/{region_code} (Q-6)."""

    model_config = ConfigDict(extra="forbid")

    cap: int = Field(strict=True, ge=0, le=LOCAL_CAP_MAX, description="projects per institution")


class TimetableRequest(Model):
    model_config = ConfigDict(extra="forbid")

    sessions: list[Session] = Field(min_length=1, max_length=200)


# --- what the projects API answers (the API document's response models) ---------------------


class QuotaStatus(Model):
    """The institution's project cap this term (Q-1 … Q-6) and what it has used."""

    cap: int | None
    used: int


class ProjectSummary(Model):
    """One project of the institution's list, from draft to published."""

    project_id: str
    title: str
    status: str
    version: int
    return_reason: str
    updated_at: str  # ISO 8601, "" for a published project without a date
    classes: list[str]  # the published project's class ids
    instructors: list[Person] = Field(
        default_factory=list,
        description="the published project's instructors: a change of instructors picks them",
    )


class MyProjects(Model):
    projects: list[ProjectSummary]
    quota: QuotaStatus


class PublishedProjects(Model):
    """PH-PUBLISH: the projects this call published and the site's publication state."""

    published: list[str]
    site: dict[str, Any]


class CapInstitution(Model):
    """A local institution under a region's cap, with the submissions it holds."""

    institution_id: str
    name: str
    used: int
    over_cap: bool


class LocalCapRow(Model):
    """Q-6: a region's effective cap on local projects, where it comes from, who may change it,
    and the institutions it applies to."""

    region_code: str
    region_name: str
    term: str
    cap: int
    source: str  # override (a bureau set it), file (the term file) or default
    file_cap: int | None
    file_set_by: str | None
    default_cap: int
    override: LocalCapSetting | None
    may_edit: bool
    institutions: list[CapInstitution]


class LocalCapChanged(LocalCapRow):
    changed: bool  # False: the cap already had this value (a retry)
    warning: str  # institutions already over the new cap, in Chinese


class LocalCaps(Model):
    term: str
    max_cap: int
    regions: list[LocalCapRow]


# A key a view may not carry is left out of the JSON, not sent as null: a bureau's answer has
# no `id_number` key at all, and `id_number_masked` appears only once a number was entered.
def _absent(value: object) -> bool:
    return value is None


class PersonView(PersonInput):
    """A leader or instructor of a plan as the institution that entered them sees them: the
    number it typed (to edit it) and, once there is one, the masked form pages display."""

    id_number_masked: str | None = Field(default=None, exclude_if=_absent)


# The masked views are not subclasses of the full ones: a field declared with the full view
# would serialize a masked instance by the full view's fields, ID number included.
class MaskedPersonView(PersonInput):
    """A leader or instructor as bureaus and counties see them: the ID number masked only (the
    model may hold the number; it never leaves in the answer)."""

    id_number: str | None = Field(default=None, max_length=18, exclude=True)
    id_number_masked: str | None = Field(default=None, exclude_if=_absent)


# A view narrows the draft's people to their view; mypy sees the list's element type change
# (lists are invariant), pydantic validates and serializes each person by the narrowed type.
class PlanView(ProjectDraft):
    """A plan (a draft's content) with its people as `PersonView`."""

    leader: PersonView = PersonView()
    instructors: list[PersonView] = Field(default_factory=list, max_length=30)  # type: ignore[assignment]


class MaskedPlanView(ProjectDraft):
    """A plan with its people's ID numbers masked (`MaskedPersonView`)."""

    leader: MaskedPersonView = MaskedPersonView()
    instructors: list[MaskedPersonView] = Field(default_factory=list, max_length=30)  # type: ignore[assignment]


class ProjectView(ProjectRecord):
    """A project record as its institution sees it; after a save with `check`, also `problems`:
    what submitting it would report now (absent otherwise)."""

    draft: PlanView
    problems: list[FieldError] | None = Field(default=None, exclude_if=_absent)


class MaskedProjectView(ProjectRecord):
    """A project record as a bureau reviewing it sees it: ID numbers masked."""

    draft: MaskedPlanView


class RuleCheck(Model):
    """One rule of a submission checked for the reviewers: passed, or what is wrong."""

    rule: str  # the RULES.md ID (reviewers' page, not a teacher's)
    name: str
    ok: bool
    messages: list[str]


class ReviewItem(MaskedProjectView):
    """A submitted or approved project in a bureau's review list, with every rule check and
    the AP-5 draw (empty until a reviewer draws)."""

    checks: list[RuleCheck]
    spot_check_pick: list[str]


class ReviewList(Model):
    projects: list[ReviewItem]


class ChangeView(ChangeRecord):
    """A change request with its project's title (pages show names, not ids)."""

    project_title: str


class ChangeList(Model):
    changes: list[ChangeView]  # newest filed first


class PublishedTimetable(Model):
    """CH-4: the project whose timetable was published, and its class ids."""

    project_id: str
    classes: list[str]


class TimetableRisk(Model):
    """CH-4: a published class without a timetable and how many days are left to publish one
    (negative: late)."""

    project_id: str
    title: str
    class_id: str
    class_name: str
    start_date: date
    days_left: int
    late: bool


class TimetableRisks(Model):
    classes: list[TimetableRisk]  # fewest days left first


class ExpertView(PersonRecord):
    """A person of the expert database as a lookup or search answers: the ID number masked
    only (the model may hold the number; it never leaves in the answer)."""

    id_number: str = Field(pattern=ID_NUMBER, exclude=True)
    id_number_masked: str


class Experts(Model):
    experts: list[ExpertView]


class AuditRow(AuditEntry):
    """CH-5: an audit entry as the history lists it: when (Asia/Shanghai, the pages' date
    style), what happened and who, in Chinese."""

    at_text: str
    event_name: str
    actor_name: str


class AuditRows(Model):
    entries: list[AuditRow]
