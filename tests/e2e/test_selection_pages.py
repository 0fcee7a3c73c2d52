"""The selection workflow's pages end to end in headless chromium on a 375-px phone (SE-5):
a teacher joins a full class's waitlist and sees the position, is promoted when a seat frees;
the principal approves on 学校审核 and exports the xlsx; the institution applies for an
expansion on 培训机构; the province bureau accepts it on 教育局; the institution confirms on
recheck. Windows move with the dev clock (server-side checks)."""

from __future__ import annotations

from typing import Any

import pytest

from functions.common import keys, store
from local.demo import demo_data
from schemas.catalog import ClassInfo
from tests.e2e.conftest import as_user, no_horizontal_scroll, seats

pytestmark = pytest.mark.e2e


def _roomy_zjnu_class() -> ClassInfo:
    """The last roomy zjnu class of the demo world: no other e2e test picks it."""
    data = demo_data()
    return [
        ClassInfo.of(p, c)
        for p in data.projects
        for c in p.classes
        if p.institution_id == "zjnu" and c.capacity >= 20
    ][-1]


def _delete(api: Any, user: str, cid: str) -> None:
    assert api("DELETE", f"/api/selections/{cid}", user=user).status_code == 200


def test_waitlist_review_expansion_and_recheck_pages_on_a_phone_SE_5(
    stack, phone, api, set_clock, new_teacher
):
    info = _roomy_zjnu_class()
    cid = info.class_id
    # The teacher, the holder of the last seat and a second waitlisted teacher: this test's own,
    # at one school (the principal reviews them together).
    teacher = new_teacher(like=info)
    holder = new_teacher(teacher.school_id, teacher.stage, teacher.subject).teacher_id
    second = new_teacher(teacher.school_id, teacher.stage, teacher.subject).teacher_id
    page = phone

    # Round 1: the class is made full but for one seat, which the holder takes.
    set_clock("2024-03-20T10:00:00+08:00")
    store.table().update_item(
        Key=keys.class_seats(cid),
        UpdateExpression="SET #cap = :cap",
        ExpressionAttributeNames={"#cap": "capacity"},
        ExpressionAttributeValues={":cap": seats(api, cid)["held"] + 1},
    )
    assert api("POST", "/api/selections", user=holder, json={"class_id": cid}).status_code == 201

    # The teacher sees it full, joins the waitlist and sees the position.
    as_user(page, stack, teacher.teacher_id, f"/projects/{info.project_id}/")
    form = page.locator(f'form[data-class-id="{cid}"]')
    page.locator(f'[data-seats-for="{cid}"]').filter(has_text="满").wait_for()
    page.locator(f'[data-waitlist-for="{cid}"]').click()
    form.locator(".zjt-msg").filter(has_text="候补中（第 1 位）").wait_for()
    no_horizontal_scroll(page)
    r = api("POST", "/api/selections", user=second, json={"class_id": cid, "waitlist": True})
    assert r.json()["waitlist_position"] == 2
    page.goto(stack.url + "/my/")
    row = page.locator("#zjt-my li", has_text=info.project_title)
    row.filter(has_text="候补位置：第 1 位").wait_for()
    no_horizontal_scroll(page)

    # The holder withdraws: the seat goes to the waitlist head in the same write.
    _delete(api, holder, cid)
    page.reload()
    row.filter(has_text="候补递补成功").wait_for()

    # School review (PH-R1-SCHOOL): the window shows first; the principal ticks the teacher,
    # sees "已选 1 人", a refusal without a reason is stopped in the dialog, then approves;
    # the xlsx export downloads.
    set_clock("2024-03-27T10:00:00+08:00")
    as_user(page, stack, f"p-{teacher.school_id}", "/school/")
    page.locator(".zjt-window--open").filter(has_text="截止 3月27日").wait_for()
    sel_row = page.locator("li.zjt-row", has_text=teacher.name).filter(has_text=info.project_title)
    sel_row.locator("input.zjt-pick").check()
    page.locator(".zjt-bulkbar__count").filter(has_text="已选 1 人").wait_for()
    page.locator(".zjt-bulkbar").get_by_role("button", name="不通过").click()
    dialog = page.locator(".zjt-dialog")
    dialog.get_by_role("button", name="不通过").click()
    dialog.locator(".zjt-field-error").filter(has_text="必须填写原因").wait_for()
    dialog.get_by_role("button", name="取消").click()
    page.locator(".zjt-bulkbar").get_by_role("button", name="通过", exact=True).click()
    dialog.get_by_role("button", name="通过", exact=True).click()
    page.locator(".zjt-toast").filter(has_text="已通过 1 条").wait_for()
    page.locator(".zjt-chip[data-filter=approved]").click()
    page.locator("li.zjt-row", has_text=teacher.name).filter(has_text=info.project_title).filter(
        has_text="学校已审核"
    ).wait_for()
    no_horizontal_scroll(page)
    with page.expect_download() as dl:
        page.get_by_role("button", name="导出 Excel").click()
    assert dl.value.suggested_filename.endswith(".xlsx")

    # Expansion (SE-3): the institution applies, the province bureau accepts, the waitlisted
    # second teacher is promoted.
    set_clock("2024-03-28T10:00:00+08:00")
    as_user(page, stack, "inst-zjnu", "/institution/")
    klass = page.locator(".zjt-classes > li", has_text=info.project_title).filter(
        has_text=info.class_name
    )
    klass.filter(has_text="候补 1 人").first.wait_for()
    klass.first.get_by_placeholder("申请理由").fill("候补较多，申请扩班")
    klass.first.get_by_role("button", name="申请扩班").click()
    klass.first.locator(".zjt-msg").filter(has_text="已提交扩班申请").wait_for()
    no_horizontal_scroll(page)

    set_clock("2024-03-29T10:00:00+08:00")
    as_user(page, stack, "bureau-330000", "/bureau/")
    exp = page.locator(".zjt-expansions > li", has_text=info.project_title).filter(
        has_text=info.class_name
    )
    exp.get_by_role("button", name="同意扩班").click()
    exp.locator(".zjt-msg").filter(has_text="递补候补教师 1 人").wait_for()
    no_horizontal_scroll(page)
    mine = api("GET", "/api/selections", user=second).json()["selections"]
    assert next(s for s in mine if s["class_id"] == cid)["status"] == "pending"

    # Recheck (PH-R1-RECHECK): the institution confirms the school-approved selection.
    set_clock("2024-03-30T10:00:00+08:00")
    as_user(page, stack, "inst-zjnu", "/institution/")
    klass.first.get_by_role("button", name="名单与复核").click()
    roster = page.locator(".zjt-roster-list")
    roster.locator("li", has_text=teacher.teacher_id).locator("input.zjt-pick").check()
    page.get_by_role("button", name="批量确认").click()
    page.locator(".zjt-roster .zjt-result").filter(has_text="已处理 1 条").wait_for()
    roster.locator("li", has_text=teacher.teacher_id).filter(has_text="已确认").wait_for()
    no_horizontal_scroll(page)
