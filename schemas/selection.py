"""Selections (选课): records and API payloads."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class SelectionStatus(StrEnum):
    PENDING = "pending"  # holds a seat, waiting for school review
    SCHOOL_APPROVED = "school_approved"
    CONFIRMED = "confirmed"  # rechecked by the institution
    SCHOOL_REJECTED = "school_rejected"
    RECHECK_REJECTED = "recheck_rejected"
    WITHDRAWN = "withdrawn"


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
}


class SelectRequest(BaseModel):
    """Body of POST /api/selections."""

    model_config = ConfigDict(extra="forbid")

    class_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,60}$")


class Selection(BaseModel):
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


class SelectionView(Selection):
    """A selection as the API returns it, with Chinese status text and the next step."""

    status_text: str
    next_step: str

    @classmethod
    def of(cls, s: Selection) -> SelectionView:
        text, nxt = STATUS_TEXT[s.status]
        return cls(**s.model_dump(), status_text=text, next_step=nxt)


class SeatsView(BaseModel):
    class_id: str
    capacity: int
    held: int
    left: int
