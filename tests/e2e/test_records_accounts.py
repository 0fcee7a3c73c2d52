"""账号与角色 on a 375-px phone: a school admin disables one of the school's teacher accounts with
a reason (the teacher is then refused by the API) and enables it again."""

from __future__ import annotations

from typing import Any

import pytest

from local.demo import demo_data
from tests.e2e.conftest import as_user, login, no_horizontal_scroll, serial

pytestmark = pytest.mark.e2e

SCHOOL = "s33010603"  # 杭州市西湖区实验小学 (a demo school)


def test_school_admin_disables_and_re_enables_a_teacher_account_on_a_phone(
    stack, phone, api, new_teacher
):
    data = demo_data()
    admin = next(u for u in data.users if u.user_id == f"a-{SCHOOL}")
    # The test's own teacher: no other test disables it or has it cached.
    teacher = new_teacher(SCHOOL, "小学", "数学")
    page: Any = phone
    login(page, stack.url, admin.name, "/records/accounts/")
    row = page.locator("#zjt-accounts .zjt-account").filter(has_text=teacher.teacher_id)
    row.filter(has_text="正常").wait_for()
    no_horizontal_scroll(page)

    row.get_by_role("button", name="停用", exact=True).click()
    row.get_by_role("button", name="确认停用").click()
    row.filter(has_text="请填写停用原因").wait_for()  # the reason is required
    row.get_by_label("停用原因").fill("长期外出，暂停使用")
    row.get_by_role("button", name="确认停用").click()
    row.filter(has_text="已停用").filter(has_text="长期外出，暂停使用").wait_for()
    no_horizontal_scroll(page)

    r = api("GET", "/api/me", user=teacher.teacher_id)
    assert r.status_code == 403 and r.json()["code"] == "account_disabled", r.text

    row.get_by_role("button", name="启用", exact=True).click()
    row.filter(has_text="正常").wait_for()
    page.locator("#zjt-accounts > .zjt-msg").filter(has_text="已启用").wait_for()


def test_a_bureau_gives_a_principal_role_at_a_school_picked_by_name(stack, phone, api):
    """分配角色 picks the school and the region from lists (names), never typed codes."""
    school = next(s for s in demo_data().schools if s.region_code == "330106")
    login_name = f"e2e-principal-{serial()}"
    page: Any = phone
    as_user(page, stack, "bureau-330106", "/records/accounts/")
    page.goto(stack.url + "/records/accounts/")
    form = page.locator(".zjt-account-form")
    form.locator('select[name="school_id"] option', has_text=school.name).wait_for(state="attached")
    assert form.locator('select[name="region_code"] option', has_text="西湖区").count()
    form.locator('input[name="user_id"]').fill(login_name)
    form.locator('input[name="name"]').fill("测试校长")
    form.locator('select[name="role"]').select_option("principal")
    form.locator('select[name="school_id"]').select_option(label=school.name)
    no_horizontal_scroll(page)
    form.get_by_role("button", name="保存").click()
    form.locator('[role="status"]').filter(has_text="已保存").wait_for()
    rows = api("GET", "/api/records/accounts?region=330106", user="bureau-330106").json()
    mine = next(u for u in rows["accounts"] if u["user_id"] == login_name)
    assert (mine["role"], mine["school_id"]) == ("principal", school.school_id)
    # Listed with the login name and the school's name, no code.
    row = page.locator("#zjt-accounts .zjt-account").filter(has_text=login_name)
    assert school.name in row.inner_text() and school.school_id not in row.inner_text()
