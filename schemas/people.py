"""User accounts with role and scope, and teacher records."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field, model_validator

from schemas.base import Model
from schemas.regions import RegionCode


class Role(StrEnum):
    TEACHER = "teacher"
    PRINCIPAL = "principal"
    SCHOOL_ADMIN = "school_admin"
    COUNTY_BUREAU = "county_bureau"
    CITY_BUREAU = "city_bureau"
    PROVINCE_BUREAU = "province_bureau"
    INSTITUTION = "institution"
    CENTRE = "centre"
    # 省教师教育质量监控中心 (QA-1): records spot checks and monitoring province-wide and reads
    # the quality figures; nothing else (issue 14).
    MONITOR = "monitor"


ROLE_NAMES: dict[Role, str] = {
    Role.TEACHER: "教师",
    Role.PRINCIPAL: "校长",
    Role.SCHOOL_ADMIN: "学校管理员",
    Role.COUNTY_BUREAU: "县（市、区）教育局",
    Role.CITY_BUREAU: "市教育局",
    Role.PROVINCE_BUREAU: "省教育厅",
    Role.INSTITUTION: "培训机构",
    Role.CENTRE: "省中小学教师培训中心",
    Role.MONITOR: "省教师教育质量监控中心",
}


class User(Model):
    """A platform account. `user_id` is the JWT `sub`; role and scope come from this record."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: str = Field(pattern=r"^[A-Za-z0-9_.@-]{2,64}$")
    role: Role
    name: str = Field(min_length=1, max_length=40)
    school_id: str | None = None
    region_code: RegionCode | None = None
    institution_id: str | None = None
    teacher_id: str | None = None
    # A disabled account is refused on every API call (accounts rule); defaults keep older
    # items loading.
    disabled: bool = False
    disabled_by: str | None = None
    disabled_at: datetime | None = None
    disabled_reason: str = Field(default="", max_length=200)


class Teacher(Model):
    """A teacher record (from the national teacher system, TD-1, or kept by the school, TD-2)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    teacher_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,40}$")
    name: str = Field(min_length=1, max_length=40)
    school_id: str
    region_code: RegionCode = Field(description="county of the teacher's school")
    stage: str
    subject: str
    title: str = ""
    # Record fields of TD-1/TD-2 (schemas/records.py validates them on the way in).
    id_number: str | None = Field(default=None, description="ID number: the teacher's identity")
    gender: str = ""
    # Not stored for new records (minimisation): the ID number encodes it and pages derive it
    # (functions/records/service.birth_date_of). Older items may still carry it.
    birth_date: date | None = None
    employment: str = Field(default="在职", description="在岗状态: 在职, 退休, 调出, 离职 …")
    source: str = Field(default="", description="national (TD-1), school (TD-2) or '' (legacy)")
    merged_into: str | None = Field(default=None, description="duplicate record kept elsewhere")

    @model_validator(mode="before")
    @classmethod
    def _retired_fields(cls, data: Any) -> Any:
        # `credits` was a seeded number nothing changed; a teacher's credits are the ledger's
        # now (schemas/credits.py). Records written before still load.
        if isinstance(data, dict) and "credits" in data:
            data = {k: v for k, v in data.items() if k != "credits"}
        return data
