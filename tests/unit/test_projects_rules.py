"""Project rules and data files as pure functions (no store). Test names cite the rule IDs."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from functions.projects import rules
from schemas.catalog import TrainingForm
from schemas.org import Institution, Qualification, QualificationScope, QuotaCategory
from schemas.people import Role, User
from schemas.privacy import mask_id_number
from schemas.projects import (
    ChangeKind,
    ChangeRequest,
    QuotaTable,
    fee_standards,
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


def test_a_stored_local_cap_overrides_the_data_Q_6():
    """Effective cap: what the region's bureau stored, else the term file, else the default."""
    local = inst(QuotaCategory.LOCAL, QualificationScope.LOCAL, region="330106")
    assert rules.quota_cap(local, TABLE, TODAY, local_override=3) == 3
    assert rules.quota_cap(local, TABLE, TODAY, local_override=0) == 0
    assert rules.quota_cap(local, TABLE, TODAY, local_override=None) == 12
    assert rules.local_cap("330782", TABLE, None) == TABLE.local_default
    assert rules.local_cap("330782", TABLE, 30) == 30
    # a stored local cap never applies to a province-wide institution
    q1 = inst(QuotaCategory.Q1_NORMAL_UNIVERSITY)
    assert rules.quota_cap(q1, TABLE, TODAY, local_override=3) == 40


def test_each_locality_sets_its_own_cap_the_province_any_Q_6():
    def bureau(role: Role, region: str) -> User:
        return User(user_id=f"b-{region}", role=role, name="教育局", region_code=region)

    assert rules.may_set_local_cap(bureau(Role.COUNTY_BUREAU, "330106"), "330106")
    assert not rules.may_set_local_cap(bureau(Role.COUNTY_BUREAU, "330106"), "330212")
    assert rules.may_set_local_cap(bureau(Role.CITY_BUREAU, "331100"), "331100")
    # a city sets its own cap, not its counties' (each locality sets its own)
    assert not rules.may_set_local_cap(bureau(Role.CITY_BUREAU, "330100"), "330106")
    assert rules.may_set_local_cap(bureau(Role.PROVINCE_BUREAU, "330000"), "330212")
    clerk = User(user_id="inst-x1", role=Role.INSTITUTION, name="机构", institution_id="x1")
    assert not rules.may_set_local_cap(clerk, "330106")


def test_a_lowered_cap_reports_who_already_holds_more_Q_6():
    assert rules.institutions_over_cap({"a": 3, "b": 2, "c": 0}, 2) == ["a"]
    assert rules.institutions_over_cap({"a": 3}, 3) == []


def test_one_responsible_bureau_per_project_PH_REVIEW_CH_3_SE_3():
    """Order projects: the ordering county (even for a province-wide contractor); local
    institutions: their qualification's region (a city for 丽水); else the province."""
    q1 = inst(QuotaCategory.Q1_NORMAL_UNIVERSITY)
    assert rules.responsible_bureau_region(q1) == "330000"
    assert rules.responsible_bureau_region(q1, order_county="330127") == "330127"
    lishui = inst(QuotaCategory.LOCAL, QualificationScope.LOCAL, region="331100")
    assert rules.responsible_bureau_region(lishui) == "331100"
    remote = inst(QuotaCategory.Q3_REMOTE, QualificationScope.REMOTE)
    assert rules.responsible_bureau_region(remote) == "330000"
    county = User(
        user_id="bureau-330127", role=Role.COUNTY_BUREAU, name="淳安县教育局", region_code="330127"
    )
    city = User(
        user_id="bureau-330100", role=Role.CITY_BUREAU, name="杭州市教育局", region_code="330100"
    )
    assert rules.bureau_responsible(county, "330127")
    assert not rules.bureau_responsible(city, "330127")  # review scope: the bureau itself
    assert not rules.bureau_may_review(county, q1)


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


def test_spot_check_pick_cannot_be_computed_in_advance_AP_5():
    names = ["甲", "乙", "丙", "丁", "戊"]
    # The same instructors drawn again give other picks: nothing about the project (its id,
    # its draft) decides the pick. 40 draws of 2 from 5 all alike: odds 10^-40.
    picks = {tuple(rules.spot_check_sample(names, 2)) for _ in range(40)}
    assert len(picks) > 1
    for pick in picks:
        assert len(pick) == 2 and set(pick) <= set(names) and list(pick) == sorted(pick)
    assert rules.spot_check_sample(["甲", "甲"], 2) == ["甲"]


def test_spot_check_draws_from_the_operating_systems_csprng_AP_5(monkeypatch):
    drawn: list[int] = []

    class Recording(secrets.SystemRandom):
        def sample(self, population, k, **kw):  # type: ignore[no-untyped-def, override]
            drawn.append(k)
            return super().sample(population, k, **kw)

    monkeypatch.setattr(rules.secrets, "SystemRandom", Recording)
    rules.spot_check_sample(["甲", "乙", "丙"], 2)
    assert drawn == [2]


def test_id_numbers_are_checked_and_masked_AP_7():
    assert valid_id_number("11010519491231002X")
    assert not valid_id_number("110105194912310021")
    assert mask_id_number("11010519491231002X") == "1101**********002X"


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
