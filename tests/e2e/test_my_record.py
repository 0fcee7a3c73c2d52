"""我的信息 and 教师信息更正 on a 375-px phone (PH-1): before selection opens a teacher asks for a
correction, her school admin approves it in an in-page dialog and the record changes; once
round 1 opens the page offers no correction any more."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import as_user, no_horizontal_scroll

pytestmark = pytest.mark.e2e

SCHOOL = "s33010603"


def test_a_teacher_corrects_her_stage_and_her_school_admin_approves_PH_1(
    stack, phone, api, set_clock, new_teacher
):
    teacher = new_teacher(SCHOOL, "小学", "数学")
    set_clock("2024-03-10T10:00:00+08:00")
    page = phone
    as_user(page, stack, teacher.teacher_id, "/me/")
    page.locator(".zjt-me__record").filter(has_text=teacher.name).wait_for()
    page.get_by_role("button", name="申请更正").click()
    page.select_option("select[name=stage]", "初中")
    page.fill("textarea[name=note]", "已调任初中部")
    no_horizontal_scroll(page)
    page.get_by_role("button", name="提交更正申请").click()
    page.locator(".zjt-me__history li").filter(has_text="学段：小学 → 初中").filter(
        has_text="待学校处理"
    ).wait_for()

    as_user(page, stack, f"a-{SCHOOL}", "/records/corrections/")
    card = page.locator(".zjt-corrections__list li").filter(has_text=teacher.name)
    card.get_by_role("button", name="通过", exact=True).click()
    page.locator(".zjt-dialog").get_by_role("button", name="通过", exact=True).click()
    page.locator(".zjt-toast").filter(has_text="信息已更正").wait_for()
    me = api("GET", "/api/records/me", user=teacher.teacher_id).json()
    assert me["teacher"]["stage"] == "初中"
    assert me["requests"][0]["status"] == "approved"


def test_no_correction_is_offered_once_selection_opens_PH_1(stack, phone, set_clock, new_teacher):
    teacher = new_teacher(SCHOOL, "小学", "数学")
    set_clock("2024-03-19T10:00:00+08:00")
    page = phone
    as_user(page, stack, teacher.teacher_id, "/me/")
    page.locator(".zjt-me__window").filter(has_text="已于3月18日结束").wait_for()
    assert page.get_by_role("button", name="申请更正").count() == 0
