"""Selection rules as pure functions (no store)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from functions.common.errors import NotEligible, OutsideWindow
from functions.selection.rules import check_eligible, selection_round
from schemas.calendar import SHANGHAI, term_calendar
from schemas.catalog import ClassInfo, ProjectKind, Target
from schemas.people import Teacher
from schemas.regions import region_tree

TEACHER = Teacher(
    teacher_id="t1", name="王芳", school_id="s1", region_code="330106", stage="小学", subject="语文"
)


def info(
    target: Target = Target(), kind: ProjectKind = ProjectKind.REGULAR, county: str | None = None
) -> ClassInfo:
    return ClassInfo(
        class_id="c1",
        class_name="第1期",
        project_id="p1",
        project_title="测试项目",
        institution_id="zjnu",
        institution_name="浙江师范大学",
        term="2024H1",
        kind=kind,
        order_county=county,
        target=target,
        start_date=date(2024, 4, 8),
        end_date=date(2024, 4, 10),
        capacity=30,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-19 00:00", 1),
        ("2024-03-26 23:00", 1),
        ("2024-03-31 00:00", 2),
        ("2024-04-01 23:59", 2),
    ],
)
def test_selection_round_from_the_clock_SE_1(text, expected):
    at = datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)
    assert selection_round(term_calendar("2024H1"), at) == expected


@pytest.mark.parametrize("text", ["2024-03-18 23:59", "2024-03-28 12:00", "2024-04-02 00:00"])
def test_no_round_outside_the_windows(text):
    at = datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)
    with pytest.raises(OutsideWindow, match="第一轮"):
        selection_round(term_calendar("2024H1"), at)


def test_empty_target_admits_everyone():
    check_eligible(TEACHER, info(), region_tree())


def test_region_target_admits_teachers_of_the_city_or_county():
    check_eligible(TEACHER, info(Target(region_codes=("330100",))), region_tree())  # 杭州市
    with pytest.raises(NotEligible, match="宁波市"):
        check_eligible(TEACHER, info(Target(region_codes=("330200",))), region_tree())


def test_stage_and_subject_targets():
    with pytest.raises(NotEligible, match="初中"):
        check_eligible(TEACHER, info(Target(stages=("初中",))), region_tree())
    with pytest.raises(NotEligible, match="数学"):
        check_eligible(TEACHER, info(Target(subjects=("数学",))), region_tree())
    check_eligible(TEACHER, info(Target(stages=("小学",), subjects=("语文",))), region_tree())


def test_order_project_only_for_its_county_PH_2():
    check_eligible(TEACHER, info(kind=ProjectKind.ORDER, county="330106"), region_tree())
    with pytest.raises(NotEligible, match="订单式"):
        check_eligible(TEACHER, info(kind=ProjectKind.ORDER, county="330108"), region_tree())
