"""Institutions (培训机构) with their qualification, and schools."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import ConfigDict, Field

from schemas.base import Model
from schemas.regions import RegionCode


class QualificationScope(StrEnum):
    """资质范围: province-wide, local to a region, or remote (distance) training."""

    PROVINCE = "province"
    LOCAL = "local"
    REMOTE = "remote"


class QuotaCategory(StrEnum):
    """Which quota rule of RULES.md applies (Q-1 … Q-5)."""

    Q1_NORMAL_UNIVERSITY = "Q-1"
    Q2_PROVINCE_WIDE = "Q-2"
    Q3_REMOTE = "Q-3"
    Q5_NEW = "Q-5"
    LOCAL = "Q-6"


class Qualification(Model):
    model_config = ConfigDict(frozen=True, extra="forbid")

    scope: QualificationScope
    region_code: RegionCode | None = Field(default=None, description="for local scope")
    subject_categories: tuple[str, ...] = Field(min_length=1)
    qualified_since: date


class Institution(Model):
    model_config = ConfigDict(frozen=True, extra="forbid")

    institution_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,40}$")
    name: str = Field(min_length=2, max_length=60)
    short_name: str = Field(default="", max_length=20)
    quota_category: QuotaCategory
    qualification: Qualification


class School(Model):
    model_config = ConfigDict(frozen=True, extra="forbid")

    school_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,40}$")
    name: str = Field(min_length=2, max_length=60)
    region_code: RegionCode = Field(description="county/district the school belongs to")
    stages: tuple[str, ...] = ()


class SchoolList(Model):
    schools: list[School]
