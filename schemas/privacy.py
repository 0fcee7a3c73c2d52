"""Personal information (个人信息保护法): one masking rule per kind of field.

A page that may not see a value in full gets it through the one function of its kind, and a
response model that carries a masked value types it with the kind's `Masked*` annotation, which
refuses anything that is not masked (an 18-character ID number in a masked slot fails
validation instead of reaching a page). The inventory of every personal field (where it is
stored, who reads it, how it is masked) is `schemas/pi_inventory.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator


class Kind(StrEnum):
    """Kinds of personal information the platform holds."""

    ID_NUMBER = "id_number"  # 身份证件号 (sensitive)
    BIRTH_DATE = "birth_date"  # 出生日期 (sensitive)
    PHONE = "phone"  # 手机号码 (sensitive)
    EMAIL = "email"  # 电子邮箱
    NAME = "name"  # 姓名
    GENDER = "gender"  # 性别
    EMPLOYMENT = "employment"  # 学校、学段、学科、职称、在岗状态
    TRAINING = "training"  # 选课、学分、培训记录


SENSITIVE = frozenset({Kind.ID_NUMBER, Kind.BIRTH_DATE, Kind.PHONE})


def mask_id_number(value: str | None) -> str:
    """3301**********1234: the region prefix and the last four (never the birth date)."""
    if not value:
        return ""
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678: the carrier prefix and the last four."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_birth_date(value: date | str | None) -> str:
    """1985: the year only (enough to tell a record's generation, not the person)."""
    if not value:
        return ""
    return (value.isoformat() if isinstance(value, date) else value)[:4]


def mask_email(value: str | None) -> str:
    """z***@zjedu.example.cn: the first character and the domain."""
    if not value or "@" not in value:
        return ""
    local, domain = value.split("@", 1)
    return f"{local[:1]}***@{domain}"


def mask_name(value: str | None) -> str:
    """张*明 / 张*: the family name and, for three characters or more, the last one."""
    if not value:
        return ""
    if len(value) <= 2:
        return value[0] + "*" * (len(value) - 1)
    return value[0] + "*" * (len(value) - 2) + value[-1]


MASKS: dict[Kind, Callable[..., str]] = {
    Kind.ID_NUMBER: mask_id_number,
    Kind.PHONE: mask_phone,
    Kind.BIRTH_DATE: mask_birth_date,
    Kind.EMAIL: mask_email,
    Kind.NAME: mask_name,
}

# What a masked value of each kind looks like (empty: no value).
MASKED_SHAPES: dict[Kind, re.Pattern[str]] = {
    Kind.ID_NUMBER: re.compile(r"^(|\d{4}\*{10}[\dX]{4}|\*{1,7})$"),
    Kind.PHONE: re.compile(r"^(|1\d{2}\*{4}\d{4}|\*{1,6})$"),
    Kind.BIRTH_DATE: re.compile(r"^(|\d{4})$"),
    Kind.EMAIL: re.compile(r"^(|.?\*\*\*@[^@\s]+)$"),
}


def _masked(kind: Kind) -> Callable[[str], str]:
    shape = MASKED_SHAPES[kind]

    def check(value: str) -> str:
        if not shape.match(value):
            raise ValueError(f"{kind.value}: a masked value is expected here")
        return value

    return check


MaskedIdNumber = Annotated[str, AfterValidator(_masked(Kind.ID_NUMBER))]
MaskedPhone = Annotated[str, AfterValidator(_masked(Kind.PHONE))]
MaskedBirthDate = Annotated[str, AfterValidator(_masked(Kind.BIRTH_DATE))]
MaskedEmail = Annotated[str, AfterValidator(_masked(Kind.EMAIL))]
