"""选课审核 for a principal with many teachers, on a phone (SE-1): the review window is shown
before anyone clicks, and the teachers who selected nothing are one tap away."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import as_user, no_horizontal_scroll

pytestmark = pytest.mark.e2e

SCHOOL = "s33010603"


def test_before_review_opens_the_page_says_when_and_lists_who_selected_nothing_SE_1(
    stack, phone, set_clock, new_teacher
):
    idle = new_teacher(SCHOOL, "小学", "语文")
    set_clock("2024-03-20T10:00:00+08:00")
    page = phone
    as_user(page, stack, f"p-{SCHOOL}", "/school/")
    page.locator(".zjt-window--closed").filter(has_text="3月26日（周二）开始").wait_for()
    page.locator(".zjt-chip[data-filter=none]").click()
    row = page.locator("li.zjt-row", has_text=idle.name)
    row.filter(has_text="未选课").wait_for()
    # Nothing can be reviewed before the window: every checkbox is disabled.
    page.locator(".zjt-chip[data-filter=pending]").click()
    boxes = page.locator("input.zjt-pick")
    assert all(boxes.nth(i).is_disabled() for i in range(boxes.count()))
    no_horizontal_scroll(page)
