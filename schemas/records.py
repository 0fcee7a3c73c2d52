"""Teacher records (TD-1 … TD-3): the national system's import row, the import job and its
per-row report, school-maintained teachers, anomalies, and staff-role assignments.

The ID number (居民身份证号码) is checked against GB 11643: 18 characters, the 17 digits weighted
and summed mod 11 give the check character. Identity of a teacher is the ID number; the
platform's `teacher_id` stays an opaque id.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, computed_field, model_validator

from schemas.base import Model
from schemas.org import School
from schemas.people import Role, User
from schemas.privacy import MaskedIdNumber
from schemas.vocab import STAGES as STAGES  # the vocabulary's (data/vocab.yaml)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")

TITLES = ("", "未定级", "三级教师", "二级教师", "一级教师", "高级教师", "正高级教师")


def id_check_char(first17: str) -> str:
    """GB 11643 check character of the first 17 digits."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def id_number_problem(value: str) -> str | None:
    """Why `value` is not a valid 18-character ID number, or None (TD-1, TD-3)."""
    if not _ID_SHAPE.match(value):
        return "身份证件号应为 18 位（前 17 位数字，末位数字或 X）"
    if id_check_char(value[:17]) != value[17]:
        return "身份证件号校验位不正确（GB 11643）"
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证件号中的出生日期不存在"
    return None


def make_id_number(region: str, birth: date, seq: int, male: bool) -> str:
    """A well-formed ID number (demo data, templates, tests): 3-digit sequence, odd for men."""
    seq = seq % 500 * 2 + (1 if male else 0)
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def normalize_id_number(value: str) -> str:
    return value.strip().upper().replace(" ", "")


def _valid_id(value: str) -> str:
    value = normalize_id_number(value)
    problem = id_number_problem(value)
    if problem:
        raise ValueError(problem)
    return value


IdNumber = Annotated[str, AfterValidator(_valid_id)]


def id_birth_date(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def id_gender(id_number: str) -> Gender:
    """The 17th digit: odd for men, even for women."""
    return Gender.MALE if int(id_number[16]) % 2 else Gender.FEMALE


class Gender(StrEnum):
    MALE = "男"
    FEMALE = "女"


class Employment(StrEnum):
    """在岗状态 in the national system."""

    ACTIVE = "在职"
    RETIRED = "退休"
    TRANSFERRED_OUT = "调出"
    LEFT = "离职"
    DECEASED = "死亡"


INACTIVE = frozenset(
    {Employment.RETIRED, Employment.TRANSFERRED_OUT, Employment.LEFT, Employment.DECEASED}
)


class RecordSource(StrEnum):
    NATIONAL = "national"  # 全国教师管理信息系统 (TD-1)
    SCHOOL = "school"  # maintained by the school on the platform (TD-2)


# How pages name a record's source; a legacy record ('') has none.
RECORD_SOURCE_NAMES: dict[str, str] = {
    RecordSource.NATIONAL: "国家系统",
    RecordSource.SCHOOL: "学校维护",
}


# The export's columns, in order: (header, ImportRow field). Extra columns are ignored; headers
# are matched by name, so column order in the file does not matter.
IMPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("身份证件号", "id_number"),
    ("姓名", "name"),
    ("性别", "gender"),
    ("出生日期", "birth_date"),
    ("学校代码", "school_id"),
    ("学段", "stage"),
    ("任教学科", "subject"),
    ("专业技术职务", "title"),
    ("在岗状态", "employment"),
)
FIELD_LABELS = {f: h for h, f in IMPORT_COLUMNS}


class TeacherFields(Model):
    """The fields of a teacher a national export row (TD-1) or a school (TD-2) provides."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id_number: IdNumber
    name: str = Field(min_length=1, max_length=40)
    gender: Gender
    birth_date: date
    school_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,40}$")
    stage: str
    subject: str = Field(min_length=1, max_length=20)
    title: str = ""
    employment: Employment = Employment.ACTIVE

    @model_validator(mode="after")
    def _consistent(self) -> TeacherFields:
        if self.stage not in STAGES:
            raise ValueError(f"学段应为 {'、'.join(STAGES)} 之一")
        if self.title not in TITLES:
            raise ValueError(f"专业技术职务应为 {'、'.join(t for t in TITLES if t)} 之一或留空")
        if self.birth_date != id_birth_date(self.id_number):
            raise ValueError("出生日期与身份证件号不一致")
        if self.gender != id_gender(self.id_number):
            raise ValueError("性别与身份证件号不一致")
        return self


class ImportRow(TeacherFields):
    """One row of the national teacher system's export (TD-1)."""

    @classmethod
    def from_cells(cls, cells: dict[str, Any]) -> ImportRow:
        """Validate the raw cells of one row (header -> value; dates may be `datetime`)."""
        raw: dict[str, Any] = {}
        for header, field in IMPORT_COLUMNS:
            v = cells.get(header)
            if isinstance(v, datetime):
                v = v.date()
            elif isinstance(v, float) and v.is_integer():
                v = str(int(v))
            elif v is None:
                v = ""
            elif not isinstance(v, date):
                v = str(v).strip()
            if field == "birth_date" and isinstance(v, str):
                v = _parse_date(v)
            if field in ("title",) or v != "":
                raw[field] = v
        return cls.model_validate(raw)


def _parse_date(text: str) -> str:
    t = text.strip().replace("/", "-").replace(".", "-")
    if re.fullmatch(r"\d{8}", t):
        return f"{t[:4]}-{t[4:6]}-{t[6:]}"
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", t)
    if m:
        return f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"
    m = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", t)
    if m:
        return f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"
    return t


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


OUTCOME_NAMES = {
    Outcome.CREATED: "新增",
    Outcome.UPDATED: "更新",
    Outcome.UNCHANGED: "未变化",
    Outcome.REJECTED: "拒绝",
}


class RowResult(Model):
    """One line of the import report. ID numbers are stored masked (the report is a page)."""

    model_config = ConfigDict(frozen=True)

    row: int = Field(description="row number in the file (header is row 1)")
    id_masked: MaskedIdNumber = ""
    name: str = ""
    outcome: Outcome
    reason: str = ""
    teacher_id: str = ""


class JobStatus(StrEnum):
    UPLOADING = "uploading"  # parts arriving from the browser
    QUEUED = "queued"  # uploaded; the import worker has been started
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


JOB_STATUS_NAMES = {
    JobStatus.UPLOADING: "上传中",
    JobStatus.QUEUED: "排队中",
    JobStatus.RUNNING: "导入中",
    JobStatus.DONE: "已完成",
    JobStatus.FAILED: "失败",
}

# A file travels to the import worker in parts of this many bytes, each stored as one table
# item (DynamoDB's item limit is 400 KB): no request comes near API Gateway's 10 MB or Lambda's
# 6 MB payload limit, whatever the file size.
IMPORT_PART_BYTES = 380_000
IMPORT_MAX_BYTES = 64 * 1024 * 1024
IMPORT_SUFFIXES = (".xlsx", ".csv")


class ImportUpload(Model):
    """The page announces a file before sending its parts (TD-1)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    file_name: str = Field(min_length=1, max_length=200)
    size: int = Field(ge=1, le=IMPORT_MAX_BYTES)


class ImportJob(Model):
    """An import of one file; the page polls its progress."""

    model_config = ConfigDict(extra="ignore")

    job_id: str
    file_name: str
    uploaded_by: str
    region_code: str = Field(description="the uploader's region: rows must lie within it")
    status: JobStatus = JobStatus.UPLOADING
    size: int = Field(default=0, description="bytes of the uploaded file")
    part_size: int = IMPORT_PART_BYTES
    runs: int = Field(default=0, description="worker invocations so far (a long file takes more)")
    total: int = 0
    processed: int = 0
    counts: dict[str, int] = Field(default_factory=lambda: {o.value: 0 for o in Outcome})
    message: str = ""
    created_at: datetime
    finished_at: datetime | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def parts(self) -> int:
        """Parts the file is sent in (the last one may be shorter)."""
        return -(-self.size // self.part_size) if self.part_size else 0


class LocalTeacherRequest(Model):
    """A school adds or edits a teacher missing from the national system (TD-2)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id_number: IdNumber
    name: str = Field(min_length=1, max_length=40)
    gender: Gender
    birth_date: date
    stage: str
    subject: str = Field(min_length=1, max_length=20)
    title: str = ""
    employment: Employment = Employment.ACTIVE


class AnomalyKind(StrEnum):
    DUPLICATE_ID = "duplicate_id"
    INVALID_ID = "invalid_id"
    NO_SCHOOL = "no_school"
    REGION_MISMATCH = "region_mismatch"
    MOVED_WITH_SELECTIONS = "moved_with_selections"
    INACTIVE_WITH_SELECTIONS = "inactive_with_selections"


ANOMALY_NAMES = {
    AnomalyKind.DUPLICATE_ID: "身份证件号重复",
    AnomalyKind.INVALID_ID: "身份证件号无效",
    AnomalyKind.NO_SCHOOL: "教师无有效学校",
    AnomalyKind.REGION_MISMATCH: "学校不在所属区域内",
    AnomalyKind.MOVED_WITH_SELECTIONS: "调动学校但持有选课",
    AnomalyKind.INACTIVE_WITH_SELECTIONS: "退休或调出人员持有选课",
}


class ResolveAction(StrEnum):
    KEEP_ONE = "keep_one"  # duplicates: keep this record, mark the others merged into it
    ASSIGN_SCHOOL = "assign_school"  # no valid school / region mismatch: set the school
    ACKNOWLEDGE = "acknowledge"  # reviewers saw it (selections follow the teacher)


class AnomalyStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Anomaly(Model):
    """A record anomaly (TD-3): its owner resolves it with one of its actions."""

    model_config = ConfigDict(extra="ignore")

    anomaly_id: str
    kind: AnomalyKind
    region_code: str = Field(description="county (or city/province) whose bureau may see it")
    owner_school_id: str | None = None
    owner_region: str = Field(description="the bureau that owns it when no school does")
    school_ids: tuple[str, ...] = Field(default=(), description="schools whose staff see it")
    teacher_ids: tuple[str, ...] = ()
    # Pages show names, not ids: the check writes the detail from the records' names, and
    # names each record a resolver may pick (KEEP_ONE) here. Anomalies stored before this field
    # have none until the next check rewrites them.
    teacher_names: dict[str, str] = Field(
        default_factory=dict, description="teacher id -> how the page names that record"
    )
    detail: str
    actions: tuple[ResolveAction, ...]
    status: AnomalyStatus = AnomalyStatus.OPEN
    found_at: datetime
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    resolution: str = ""


class ResolveRequest(Model):
    model_config = ConfigDict(frozen=True, extra="forbid")

    action: ResolveAction
    teacher_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{2,40}$")
    school_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{2,40}$")
    note: str = Field(default="", max_length=200)


STAFF_ROLES = (
    Role.PRINCIPAL,
    Role.SCHOOL_ADMIN,
    Role.COUNTY_BUREAU,
    Role.CITY_BUREAU,
    Role.PROVINCE_BUREAU,
    Role.INSTITUTION,
    Role.CENTRE,
)


class AccountRequest(Model):
    """Assign a staff role to an account (creating it if new)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=40)
    role: Role
    school_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{2,40}$")
    region_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    institution_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{2,40}$")


class AccountStatusRequest(Model):
    """Disable or re-enable an account; a reason is required when disabling (accounts rule)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    disabled: bool
    reason: str = Field(default="", max_length=200)


# --- PH-1: a teacher's own record and correction requests ---------------------------------

# What a teacher may ask to correct, with the labels the pages and messages use.
CORRECTABLE: dict[str, str] = {
    "school_id": "学校",
    "stage": "学段",
    "subject": "学科",
    "title": "专业技术职务",
}


class CorrectionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


CORRECTION_STATUS_NAMES = {
    CorrectionStatus.PENDING: "待学校处理",
    CorrectionStatus.APPROVED: "已通过，信息已更正",
    CorrectionStatus.REFUSED: "未通过",
}


class CorrectionRequest(Model):
    """Body of POST /api/records/me/corrections (PH-1): the values the teacher says are right.
    Fields left out (or equal to the record) are not changed."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    school_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:-]{2,80}$")
    stage: str | None = None
    subject: str | None = Field(default=None, min_length=1, max_length=20)
    title: str | None = None
    note: str = Field(default="", max_length=200, description="why, for the school admin")

    @model_validator(mode="after")
    def _known_values(self) -> CorrectionRequest:
        if self.stage is not None and self.stage not in STAGES:
            raise ValueError(f"学段应为 {'、'.join(STAGES)} 之一")
        if self.title is not None and self.title not in TITLES:
            raise ValueError(f"专业技术职务应为 {'、'.join(t for t in TITLES if t)} 之一或留空")
        return self

    def asked(self) -> dict[str, str]:
        return {f: v for f in CORRECTABLE if (v := getattr(self, f)) is not None}


class Correction(Model):
    """A teacher's correction request (PH-1): TEACHER#<tid> | CORRECTION#<term>#<request_id>."""

    model_config = ConfigDict(frozen=True)

    request_id: str
    term: str
    teacher_id: str
    teacher_name: str
    school_id: str
    changes: dict[str, str] = Field(description="field -> the value asked for")
    before: dict[str, str] = Field(description="field -> the value on the record when asked")
    note: str = ""
    status: CorrectionStatus = CorrectionStatus.PENDING
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: str = ""
    decided_by_name: str = ""
    reason: str = ""


class CorrectionDecision(Model):
    """Body of POST /api/records/corrections/{teacher_id}/{request_id}/decision."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    approve: bool
    reason: str = Field(default="", max_length=200)


# --- what the records API answers (the API document's response models) ----------------------


class RegionOption(Model):
    code: str
    name: str
    level: str


class RoleOption(Model):
    role: str
    name: str


class RecordsScope(Model):
    """What the records pages offer the caller: regions, school, the rights they hold."""

    user_id: str
    name: str
    role: str
    role_name: str
    region_code: str | None
    regions: list[RegionOption]
    school: School | None
    may_import: bool
    may_maintain: bool
    may_assign: bool
    may_disable_teachers: bool
    staff_roles: list[RoleOption]


class PartReceived(Model):
    job_id: str
    part: int
    bytes: int


class ReportRow(RowResult):
    outcome_text: str


class ImportReportPage(Model):
    """A page of an import's per-row report."""

    job: ImportJob
    total: int
    offset: int
    rows: list[ReportRow]


class TeacherView(Model):
    """A teacher record as the caller may see it: the ID number masked unless `id_full`."""

    teacher_id: str
    name: str
    gender: str
    birth_date: str  # "" unless the ID number is shown in full
    id_number: str
    id_full: bool
    school_id: str
    school_name: str
    region_code: str
    stage: str
    subject: str
    title: str
    employment: str
    source: str
    source_text: str
    merged_into: str | None
    merged_into_text: str = Field(
        default="", description="the record this duplicate was merged into, named for the page"
    )


class AccountView(User):
    role_name: str


class TeacherList(Model):
    teachers: list[TeacherView]


class AccountRow(AccountView):
    """An account as the accounts page lists it: its status in Chinese, and whether the caller
    may change it (the login of a record merged away as a duplicate stays disabled, TD-3)."""

    status_text: str
    may_change_status: bool


class AccountList(Model):
    accounts: list[AccountRow]


class AnomalyView(Anomaly):
    """A record anomaly (TD-3) as the 数据异常 page lists it: what kind and where in Chinese,
    and whether the caller may resolve it."""

    kind_text: str
    region_name: str
    may_resolve: bool


class AnomalyList(Model):
    anomalies: list[AnomalyView]  # open first, then by kind


class CheckIndexing(Model):
    """A TD-3 check's first calls: records older than the check's indexes are indexed segment
    by segment; the caller calls again."""

    phase: Literal["indexing"] = "indexing"
    done: bool = False
    segment: int
    segments: int


class CheckProgress(Model):
    """A TD-3 check over a region's counties: while `done` is false, call again with
    `start=next`."""

    phase: Literal["checking"] = "checking"
    done: bool
    next: str | None
    checked: int
    counties: int
    open: int  # anomalies open in the counties this call checked


class RecordsWindow(Model):
    """The PH-1 window as the pages show it: open now or not, and why not in Chinese."""

    name: str  # "" when the term has no correction window
    opens: datetime | None
    closes: datetime | None  # the first instant after it
    open: bool
    message: str


class CorrectionItem(Model):
    """One field of a correction request, labelled, school ids shown as names."""

    field: str
    label: str
    before: str
    after: str


class CorrectionView(Correction):
    """A correction request as the teacher's and the school's pages show it."""

    status_text: str
    items: list[CorrectionItem]


class SchoolChoice(Model):
    school_id: str
    name: str


class CorrectionChoices(Model):
    """What a correction may pick: the stages, the titles, the schools of her county."""

    stages: list[str]
    titles: list[str]
    schools: list[SchoolChoice]


class MyRecord(Model):
    """GET /api/records/me: the teacher's own record, the PH-1 window, her requests this term
    (newest first, `open_request` the pending one) and what a correction offers."""

    teacher: TeacherView
    region_name: str
    window: RecordsWindow
    requests: list[CorrectionView]
    open_request: str | None
    choices: CorrectionChoices
    labels: dict[str, str]  # field -> its Chinese label


class SchoolCorrections(Model):
    """The correction requests of a school (PH-1), with the window."""

    window: RecordsWindow
    requests: list[CorrectionView]
