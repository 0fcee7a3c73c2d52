"""Workflow rules as pure functions: review and recheck windows, the bureau responsible for an
expansion (SE-3, read from the class as stored at publication), and the status texts every
teacher sees."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from functions.common.errors import OutsideWindow
from functions.selection.rules import (
    expansion_bureau_region,
    may_decide_expansion,
    recheck_round,
    review_round,
)
from schemas.calendar import SHANGHAI, term_calendar
from schemas.catalog import ClassInfo, ProjectKind, Target
from schemas.regions import region_tree
from schemas.selection import STATUS_TEXT, Selection, SelectionStatus, SelectionView

CAL = term_calendar("2024H1")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def info(
    target: Target = Target(),
    kind: ProjectKind = ProjectKind.REGULAR,
    county=None,
    bureau_region=None,
):
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
        bureau_region=bureau_region,
        target=target,
        start_date=date(2024, 4, 8),
        end_date=date(2024, 4, 9),
        capacity=30,
    )


def test_school_review_windows_PH_R1_SCHOOL_PH_R2_SCHOOL():
    assert review_round(CAL, at("2024-03-26 08:00")) == 1  # overlaps the last day of round 1
    assert review_round(CAL, at("2024-03-27 23:59")) == 1
    assert review_round(CAL, at("2024-04-01 09:00")) == 2
    with pytest.raises(OutsideWindow, match="学校审核"):
        review_round(CAL, at("2024-03-28 10:00"))


def test_recheck_windows_PH_R1_RECHECK_PH_R2_RECHECK():
    assert recheck_round(CAL, at("2024-03-30 10:00")) == 1
    assert recheck_round(CAL, at("2024-04-03 10:00")) == 2
    with pytest.raises(OutsideWindow):
        recheck_round(CAL, at("2024-04-02 10:00"))


def test_expansion_goes_to_the_bureau_stored_at_publication_SE_3():
    """The class carries its project's responsible bureau; selection does not recompute it from
    the target (a project for 杭州 counties by a province-wide institution stays the province's)."""
    tree = region_tree()
    hangzhou = Target(region_codes=("330106", "330108"))
    assert expansion_bureau_region(info(hangzhou, bureau_region="330000")) == "330000"
    order = info(kind=ProjectKind.ORDER, county="330127", bureau_region="330127")
    assert expansion_bureau_region(order) == "330127"
    assert expansion_bureau_region(info(bureau_region="331100")) == "331100"
    assert expansion_bureau_region(info()) == "330000"  # written before the field existed
    assert may_decide_expansion("330000", "330127", tree)
    assert may_decide_expansion("330100", "330127", tree)
    assert not may_decide_expansion("330200", "330127", tree)
    assert not may_decide_expansion(None, "330000", tree)


def test_every_status_has_text_and_a_next_step():
    for status in SelectionStatus:
        text, nxt = STATUS_TEXT[status]
        assert text and nxt
    sel = Selection(
        term="2024H1",
        teacher_id="t1",
        class_id="c1",
        project_id="p1",
        project_title="测试项目",
        class_name="第1期",
        institution_name="浙江师范大学",
        start_date=date(2024, 4, 8),
        end_date=date(2024, 4, 9),
        school_id="s1",
        region_code="330106",
        round=1,
        status=SelectionStatus.WAITLISTED,
        wl_seq=7,
        created_at=at("2024-03-20 10:00"),
        updated_at=at("2024-03-20 10:00"),
    )
    assert SelectionView.of(sel, 3).status_text == "候补中（第 3 位）"
    promoted = sel.model_copy(update={"status": SelectionStatus.PENDING, "promoted": True})
    assert SelectionView.of(promoted).status_text == "候补递补成功，待学校审核"
