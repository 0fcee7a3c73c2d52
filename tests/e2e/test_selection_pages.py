"""The selection workflow's pages end to end in headless chromium on a 375-px phone (SE-5):
a teacher joins a full class's waitlist and sees the position, is promoted when a seat frees;
the principal approves on 学校审核 and exports the xlsx; the institution applies for an
expansion on 培训机构; the province bureau accepts it on 教育局; the institution confirms on
recheck. Windows move with the dev clock (server-side checks)."""

from __future__ import annotations

from typing import Any

import pytest

from functions.common import keys, store
from functions.selection.rules import check_eligible
from local.demo import demo_data
from schemas.catalog import ClassInfo
from schemas.regions import region_tree
from tests.e2e.test_teacher_slice import login, no_horizontal_scroll

pytestmark = pytest.mark.e2e


def _class_and_others() -> tuple[ClassInfo, list[str]]:
    """A roomy zjnu class the second demo teacher (淳安县第一中学; the first is the teacher
    slice's) may pick, and two other eligible teachers."""
    data = demo_data()
    me = next(t for t in data.teachers if t.teacher_id == data.demo_accounts[1].user_id)
    mine = []
    for p in data.projects:
        for c in p.classes:
            info = ClassInfo.of(p, c)
            if info.institution_id != "zjnu" or c.capacity < 20:
                continue
            try:
                check_eligible(me, info, region_tree())
            except Exception:
                continue
            mine.append(info)
    info = mine[-1]
    others = []
    for t in data.teachers:
        if t.teacher_id == me.teacher_id:
            continue
        try:
            check_eligible(t, info, region_tree())
        except Exception:
            continue
        others.append(t.teacher_id)
        if len(others) == 2:
            break
    return info, others


def _delete(api: Any, user: str, cid: str) -> None:
    assert api("DELETE", f"/api/selections/{cid}", user=user).status_code == 200


def test_waitlist_review_expansion_and_recheck_pages_on_a_phone_SE_5(stack, phone, api, set_clock):
    data = demo_data()
    teacher = data.demo_accounts[1]
    info, (holder, second) = _class_and_others()
    cid = info.class_id
    page = phone

    # Round 1: the class is made small and full (capacity 1, one holder).
    set_clock("2024-03-20T10:00:00+08:00")
    store.table().update_item(
        Key=keys.class_seats(cid),
        UpdateExpression="SET #cap = :one",
        ExpressionAttributeNames={"#cap": "capacity"},
        ExpressionAttributeValues={":one": 1},
    )
    assert api("POST", "/api/selections", user=holder, json={"class_id": cid}).status_code == 201

    # The teacher sees it full, joins the waitlist and sees the position.
    login(page, stack.url, teacher.name)
    page.goto(f"{stack.url}/projects/{info.project_id}/")
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

    # School review (PH-R1-SCHOOL): the principal approves; the xlsx export downloads.
    set_clock("2024-03-27T10:00:00+08:00")
    principal = next(u for u in data.demo_accounts if u.user_id == f"p-{teacher.school_id}")
    login(page, stack.url, principal.name)
    page.goto(stack.url + "/school/")
    card = page.locator(".zjt-teacher", has_text=teacher.user_id)
    sel_row = card.locator("li.zjt-selection", has_text=info.project_title)
    sel_row.get_by_role("button", name="不通过").click()
    page.locator(".zjt-result").filter(has_text="必须填写原因").wait_for()
    sel_row.get_by_role("button", name="通过", exact=True).click()
    page.locator(".zjt-result").filter(has_text="已处理 1 条").wait_for()
    card.locator("li.zjt-selection", has_text=info.project_title).filter(
        has_text="学校已审核"
    ).wait_for()
    no_horizontal_scroll(page)
    with page.expect_download() as dl:
        page.get_by_role("button", name="导出 Excel").click()
    assert dl.value.suggested_filename.endswith(".xlsx")

    # Expansion (SE-3): the institution applies, the province bureau accepts, the waitlisted
    # second teacher is promoted.
    set_clock("2024-03-28T10:00:00+08:00")
    clerk = next(u for u in data.demo_accounts if u.user_id == "inst-zjnu")
    login(page, stack.url, clerk.name)
    page.goto(stack.url + "/institution/")
    klass = page.locator(".zjt-classes > li", has_text=info.project_title).filter(
        has_text=info.class_name
    )
    klass.filter(has_text="候补 1 人").first.wait_for()
    klass.first.get_by_placeholder("申请理由").fill("候补较多，申请扩班")
    klass.first.get_by_role("button", name="申请扩班").click()
    klass.first.locator(".zjt-msg").filter(has_text="已提交扩班申请").wait_for()
    no_horizontal_scroll(page)

    set_clock("2024-03-29T10:00:00+08:00")
    bureau = next(u for u in data.demo_accounts if u.user_id == "bureau-330000")
    login(page, stack.url, bureau.name)
    page.goto(stack.url + "/bureau/")
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
    login(page, stack.url, clerk.name)
    page.goto(stack.url + "/institution/")
    klass.first.get_by_role("button", name="名单与复核").click()
    roster = page.locator(".zjt-roster-list")
    roster.locator("li", has_text=teacher.user_id).locator("input.zjt-pick").check()
    page.get_by_role("button", name="批量确认").click()
    page.locator(".zjt-roster .zjt-result").filter(has_text="已处理 1 条").wait_for()
    roster.locator("li", has_text=teacher.user_id).filter(has_text="已确认").wait_for()
    no_horizontal_scroll(page)
