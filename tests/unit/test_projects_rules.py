"""Project rules and data files as pure functions (no store). Test names cite the rule IDs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from functions.projects import rules
from schemas.catalog import TrainingForm
from schemas.org import Institution, Qualification, QualificationScope, QuotaCategory
from schemas.projects import (
    ChangeKind,
    ChangeRequest,
    QuotaTable,
    fee_standards,
    mask_id_number,
    quota_table,
    valid_id_number,
)
from schemas.regions import region_tree

TODAY = date(2024, 3, 7)
TABLE = quota_table("2024H1")


def inst(
    cat: QuotaCategory,
    scope: QualificationScope = QualificationScope.PROVINCE,
    since: date = date(2012, 1, 1),
    region: str | None = None,
) -> Institution:
    return Institution(
        institution_id="x1",
        name="某机构",
        quota_category=cat,
        qualification=Qualification(
            scope=scope, region_code=region, subject_categories=("语文",), qualified_since=since
        ),
    )


@pytest.mark.parametrize(
    ("cat", "scope", "since", "region", "cap"),
    [
        (
            QuotaCategory.Q1_NORMAL_UNIVERSITY,
            QualificationScope.PROVINCE,
            date(2012, 1, 1),
            None,
            40,
        ),
        (QuotaCategory.Q2_PROVINCE_WIDE, QualificationScope.PROVINCE, date(2012, 1, 1), None, 25),
        (QuotaCategory.Q3_REMOTE, QualificationScope.REMOTE, date(2012, 1, 1), None, 35),
        (QuotaCategory.Q5_NEW, QualificationScope.PROVINCE, date(2023, 9, 1), None, 5),
        # qualified for less than a year: Q-5 whatever the category
        (QuotaCategory.Q2_PROVINCE_WIDE, QualificationScope.PROVINCE, date(2023, 9, 1), None, 5),
        (QuotaCategory.LOCAL, QualificationScope.LOCAL, date(2012, 1, 1), "330106", 12),
        (QuotaCategory.LOCAL, QualificationScope.LOCAL, date(2012, 1, 1), "330782", 10),
    ],
)
def test_quota_caps_come_from_the_data_Q_1_to_Q_6(cat, scope, since, region, cap):
    assert rules.quota_cap(inst(cat, scope, since, region), TABLE, TODAY) == cap


def test_local_caps_are_set_by_that_regions_bureau_Q_6():
    assert all(q.set_by == f"bureau-{code}" for code, q in TABLE.local.items())


def test_quota_table_must_name_every_province_wide_category():
    raw = TABLE.model_dump()
    raw["province_wide"] = {"Q-1": 40}
    with pytest.raises(ValidationError):
        QuotaTable.model_validate(raw)


def test_quota_room_Q_1():
    assert rules.quota_room(39, 40) == []
    assert rules.quota_room(40, 40)[0].code == "quota_exceeded"


def test_leader_class_room_AP_3():
    assert rules.leader_class_room(3, 1, 4) == []
    assert rules.leader_class_room(3, 2, 4)[0].code == "leader_class_limit"


def test_spot_check_pick_is_reproducible_and_seeded_by_the_project_AP_5():
    names = ["甲", "乙", "丙", "丁", "戊"]
    a = rules.spot_check_sample("p-1", names, 2)
    assert a == rules.spot_check_sample("p-1", list(reversed(names)), 2)
    picks = {tuple(rules.spot_check_sample(f"p-{i}", names, 2)) for i in range(20)}
    assert len(picks) > 3
    assert rules.spot_check_sample("p-1", ["甲"], 2) == ["甲"]


def test_id_numbers_are_checked_and_masked_AP_7():
    assert valid_id_number("11010519491231002X")
    assert not valid_id_number("110105194912310021")
    assert mask_id_number("11010519491231002X") == "110*************2X"


def test_fee_standard_is_provincial_for_province_wide_and_local_otherwise_AP_8():
    stds = fee_standards()
    tree = region_tree()
    assert rules.fee_standard_for(inst(QuotaCategory.Q1_NORMAL_UNIVERSITY), stds, tree).document
    local = inst(QuotaCategory.LOCAL, QualificationScope.LOCAL, region="330106")
    assert rules.fee_standard_for(local, stds, tree).applies_to == "local"
    assert all(s.daily_total > Decimal(0) for s in stds)


def test_changes_to_online_need_approval_and_major_changes_are_major_CH_2_CH_3():
    form = ChangeRequest(kind=ChangeKind.FORM, form=TrainingForm.ONLINE, what="改线上", why="原因")
    assert rules.to_online(form, TrainingForm.FACE_TO_FACE)
    assert rules.needs_approval(form, TrainingForm.FACE_TO_FACE)
    swap = ChangeRequest(kind=ChangeKind.INSTRUCTORS, instructors=["甲"], what="换人", why="出差")
    assert not rules.needs_approval(swap, TrainingForm.FACE_TO_FACE)
    assert not rules.is_major_change(swap, TrainingForm.FACE_TO_FACE)


def test_timetable_deadline_is_5_days_CH_4():
    assert rules.timetable_in_time(date(2024, 5, 10), date(2024, 5, 5), 5)
    assert not rules.timetable_in_time(date(2024, 5, 10), date(2024, 5, 6), 5)
