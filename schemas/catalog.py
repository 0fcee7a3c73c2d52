"""Published projects (培训项目) and their classes (班期): what the catalog is built from."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.base import Model
from schemas.regions import RegionCode
from schemas.vocab import STAGES as STAGES  # the vocabulary's (data/vocab.yaml), re-exported


class TrainingForm(StrEnum):
    FACE_TO_FACE = "面授"
    ONLINE = "线上"
    BLENDED = "混合"


class ProjectKind(StrEnum):
    REGULAR = "regular"
    ORDER = "order"


class ProjectStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    PUBLISHED = "published"


class Person(Model):
    """A leader or instructor as shown on a project page (no ID number)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=40)
    title: str = Field(default="", max_length=40, description="professional title, e.g. 教授")
    organisation: str = Field(default="", max_length=60)


class FeeItem(Model):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=20, description="e.g. 住宿费, 伙食费, 培训费")
    amount: Decimal = Field(ge=0, max_digits=9, decimal_places=2)


class Fee(Model):
    """Fee per trainee and its items (AP-8)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    total: Decimal = Field(ge=0, max_digits=9, decimal_places=2)
    items: tuple[FeeItem, ...] = ()


class Session(Model):
    """One timetable entry (课程表)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day: date
    start: time
    end: time
    topic: str = Field(min_length=1, max_length=80)
    instructor: str = Field(default="", max_length=40)


class Target(Model):
    """Who may select: empty lists mean no restriction on that dimension."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: str = Field(default="", max_length=200, description="参训对象, in words")
    region_codes: tuple[RegionCode, ...] = ()
    stages: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()


class Segment(Model):
    """One segment of a 90-credit centralized project run across semesters (CR-2)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=40)
    semester: str = Field(pattern=r"^\d{4}H[12]$")
    credits: int = Field(ge=1, le=150)


def class_id_for(project_id: str, n: int) -> str:
    """The id of a project's `n`-th class (1-based): the catalog page derives its classes' ids
    from the project id and the class count this way (site/docs/assets/js/catalog.js)."""
    return f"{project_id}-c{n}"


class TrainingClass(Model):
    """A class period (班期): dates, place, capacity, timetable."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    class_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,60}$")
    name: str = Field(min_length=1, max_length=40, description="e.g. 第1期")
    start_date: date
    end_date: date
    place: str = Field(min_length=1, max_length=80)
    capacity: int = Field(ge=1, le=2000)
    timetable: tuple[Session, ...] = ()
    # Fewer confirmed teachers than this after round 1 lets the bureau cancel the class
    # (取消办班); None: the term file's `training.min_class_size`.
    min_size: int | None = Field(default=None, ge=1, le=2000)
    cancelled: bool = False
    cancel_reason: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _dates(self) -> TrainingClass:
        if self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self

    def days(self) -> list[date]:
        n = (self.end_date - self.start_date).days
        return [self.start_date + timedelta(days=i) for i in range(n + 1)]


class ChangeNotice(Model):
    """CH-3: an approved major change, as the enrolled teachers are told it (向参训学员作充分说明)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    class_id: str | None = None
    what: str
    why: str
    note: str = ""  # the bureau's note on approval
    approved_at: datetime


class Project(Model):
    """A training project with its classes. The catalog shows only published ones."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    project_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,60}$")
    term: str = Field(pattern=r"^\d{4}H[12]$")
    kind: ProjectKind = ProjectKind.REGULAR
    status: ProjectStatus
    institution_id: str
    institution_name: str
    title: str = Field(min_length=2, max_length=60)
    theme: str = Field(default="", max_length=200)
    target: Target = Target()
    stage: str
    subject: str
    field: str = Field(description="培训领域")
    level: str = Field(description="培训层次")
    form: TrainingForm
    credits_total: int = Field(ge=1, le=150)
    credits_online: int = Field(default=0, ge=0)
    fee: Fee
    leader: Person
    instructors: tuple[Person, ...] = ()
    classes: tuple[TrainingClass, ...] = Field(min_length=1)
    order_county: RegionCode | None = Field(default=None, description="for order projects")
    # The one bureau responsible for the published project (reviews its changes, accepts its
    # expansions): decided once at publication by functions/projects/rules.py
    # `responsible_bureau_region` and read by every context from here (PH-REVIEW, CH-3, SE-3).
    bureau_region: RegionCode | None = Field(default=None, pattern=r"^\d{6}$")
    published_at: datetime | None = None
    segments: tuple[Segment, ...] = Field(default=(), description="CR-2: one enrolment")
    notices: tuple[ChangeNotice, ...] = Field(default=(), description="CH-3 approved changes")

    @model_validator(mode="after")
    def _consistent(self) -> Project:
        if self.credits_online > self.credits_total:
            raise ValueError("credits_online exceeds credits_total")
        ids = [c.class_id for c in self.classes]
        if len(set(ids)) != len(ids):
            raise ValueError("class ids repeat within the project")
        if self.kind == ProjectKind.ORDER and not self.order_county:
            raise ValueError("an order project names its county")
        return self


class CatalogEntry(Model):
    """One catalog row (the 选课目录 page's data, written by build.py into data/catalog/)."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    inst: str
    stage: str
    subject: str
    field: str
    level: str
    form: str
    credits: int
    fee: str
    start: date
    end: date
    classes: int
    capacity: int
    regions: tuple[str, ...]
    kind: str
    url: str


# What names a class wherever it is recorded or shown (ClassInfo.naming).
_NAMING = (
    "class_id",
    "class_name",
    "project_id",
    "project_title",
    "institution_id",
    "institution_name",
    "start_date",
    "end_date",
)


class ClassInfo(Model):
    """What the selection function needs to know about a published class (CLASS#<id>/META)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    class_id: str
    class_name: str
    project_id: str
    project_title: str
    institution_id: str
    institution_name: str
    term: str
    kind: ProjectKind
    order_county: RegionCode | None = None
    # The project's responsible bureau (SE-3), stored at publication; None only in items
    # written before the field existed.
    bureau_region: RegionCode | None = None
    target: Target
    start_date: date
    end_date: date
    capacity: int
    cancelled: bool = False  # 取消办班: no selection, no check-in
    min_size: int | None = None

    @classmethod
    def of(cls, project: Project, klass: TrainingClass) -> ClassInfo:
        return cls(
            class_id=klass.class_id,
            class_name=klass.name,
            project_id=project.project_id,
            project_title=project.title,
            institution_id=project.institution_id,
            institution_name=project.institution_name,
            term=project.term,
            kind=project.kind,
            order_county=project.order_county,
            bureau_region=project.bureau_region,
            target=project.target,
            start_date=klass.start_date,
            end_date=klass.end_date,
            capacity=klass.capacity,
            cancelled=klass.cancelled,
            min_size=klass.min_size,
        )

    def naming(self, model: type[BaseModel]) -> dict[str, Any]:
        """The fields naming this class (ids, titles and names of the class, its project and
        institution, its dates) that `model` has, to build a record or a view that repeats
        them: `Selection(**info.naming(Selection), teacher_id=…)`. Nothing else is copied (a
        capacity, a cancellation): those stay written out where they are meant."""
        return {f: getattr(self, f) for f in _NAMING if f in model.model_fields}

    def days(self) -> list[date]:
        n = (self.end_date - self.start_date).days
        return [self.start_date + timedelta(days=i) for i in range(n + 1)]
