"""One masking rule per kind of personal information, and masked slots that refuse a full value
(schemas/privacy.py)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import BaseModel, ValidationError

from schemas.privacy import (
    MASKS,
    SENSITIVE,
    Kind,
    MaskedBirthDate,
    MaskedEmail,
    MaskedIdNumber,
    MaskedPhone,
    mask_birth_date,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
)
from schemas.records import make_id_number

ID = make_id_number("330106", date(1985, 6, 1), 12, male=False)


def test_id_numbers_keep_the_region_prefix_and_last_four_never_the_birth_date() -> None:
    masked = mask_id_number(ID)
    assert masked == ID[:4] + "*" * 10 + ID[-4:]
    assert "19850601" not in masked
    assert mask_id_number(None) == "" and mask_id_number("123") == "***"


def test_phone_birth_date_email_and_name_masks() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_birth_date(date(1985, 6, 1)) == "1985" == mask_birth_date("1985-06-01")
    assert mask_email("zhang.san@zjedu.example.cn") == "z***@zjedu.example.cn"
    assert mask_name("张三") == "张*" and mask_name("欧阳小明") == "欧**明"


def test_every_sensitive_kind_has_its_one_mask() -> None:
    assert {Kind.ID_NUMBER, Kind.BIRTH_DATE, Kind.PHONE} == SENSITIVE
    assert set(MASKS) >= SENSITIVE


class _Page(BaseModel):
    id_number: MaskedIdNumber = ""
    phone: MaskedPhone = ""
    birth: MaskedBirthDate = ""
    email: MaskedEmail = ""


def test_masked_slots_accept_masked_values() -> None:
    page = _Page(
        id_number=mask_id_number(ID),
        phone=mask_phone("13812345678"),
        birth=mask_birth_date(date(1985, 6, 1)),
        email=mask_email("li@example.cn"),
    )
    assert page.id_number.count("*") == 10


@pytest.mark.parametrize(
    ("field", "full"),
    [
        ("id_number", ID),
        ("phone", "13812345678"),
        ("birth", "1985-06-01"),
        ("email", "li@example.cn"),
    ],
)
def test_masked_slots_refuse_a_full_value(field: str, full: str) -> None:
    with pytest.raises(ValidationError):
        _Page(**{field: full})
