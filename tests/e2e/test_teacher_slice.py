"""The slice a teacher uses, end to end in headless chromium on a 375-px phone screen:
log in, browse the catalog, open a project, pick a class in round 1 (PH-R1), see it under
我的选课, withdraw; and the Chinese messages for outside-window, full class and picking twice."""

from __future__ import annotations

from typing import Any

import pytest

from functions.common.errors import ClassFull
from functions.selection.rules import check_eligible
from local.demo import demo_data
from schemas.catalog import ClassInfo
from schemas.regions import region_tree

pytestmark = pytest.mark.e2e


def eligible_classes(teacher_id: str, min_capacity: int) -> list[ClassInfo]:
    data = demo_data()
    teacher = next(t for t in data.teachers if t.teacher_id == teacher_id)
    out = []
    for p in data.projects:
        for c in p.classes:
            info = ClassInfo.of(p, c)
            if c.capacity < min_capacity:
                continue
            try:
                check_eligible(teacher, info, region_tree())
            except Exception:
                continue
            out.append(info)
    return out


def login(page: Any, base: str, name: str) -> None:
    page.goto(base + "/login/")
    page.get_by_role("button", name=name, exact=True).first.click()
    page.wait_for_url("**/my/**")


def no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is {width}px wide on a 375px screen"


def test_teacher_picks_a_class_in_round1_and_withdraws_SE_4_SE_5(stack, phone, api):
    teacher = demo_data().demo_accounts[0]
    info = eligible_classes(teacher.user_id, min_capacity=20)[0]
    page = phone
    login(page, stack.url, teacher.name)
    page.locator("#zjt-my .zjt-msg").filter(has_text="还没有选课").wait_for()

    # Browse the catalog: filter by the project's title and open it.
    page.goto(stack.url + "/catalog/")
    page.locator(".zjt-count").filter(has_text="个").wait_for()
    page.fill("input[name=q]", info.project_title)
    page.locator(f'.zjt-results a[href*="/projects/{info.project_id}/"]').click()
    page.wait_for_url(f"**/projects/{info.project_id}/**")
    no_horizontal_scroll(page)
    seats = page.locator(f'[data-seats-for="{info.class_id}"]')
    seats.filter(has_text="剩余").wait_for()

    # Pick the class: a form post to the selection function.
    form = page.locator(f'form[data-class-id="{info.class_id}"]')
    form.get_by_role("button").click()
    form.locator(".zjt-msg").filter(has_text="待学校审核").wait_for()
    held = api("GET", f"/api/seats?class_ids={info.class_id}").json()["seats"][0]["held"]
    assert held == 1

    # Picking it again changes nothing and says why.
    form.get_by_role("button").click()
    form.locator(".zjt-msg").filter(has_text="不能重复选择").wait_for()
    assert api("GET", f"/api/seats?class_ids={info.class_id}").json()["seats"][0]["held"] == 1

    # 我的选课 lists it; withdrawing returns the seat.
    page.goto(stack.url + "/my/")
    row = page.locator("#zjt-my li", has_text=info.project_title)
    row.filter(has_text="待学校审核").wait_for()
    no_horizontal_scroll(page)
    page.once("dialog", lambda d: d.accept())  # 确定退选…？
    row.get_by_role("button", name="退选").click()
    row.filter(has_text="已退选").wait_for()
    assert api("GET", f"/api/seats?class_ids={info.class_id}").json()["seats"][0]["held"] == 0


def test_full_class_and_outside_window_show_chinese_messages(stack, phone, api, set_clock):
    teacher = demo_data().demo_accounts[0]
    tiny = next(i for i in eligible_classes(teacher.user_id, min_capacity=1) if i.capacity <= 3)
    # Fill the tiny class with other eligible teachers through the API.
    data = demo_data()
    others = []
    for t in data.teachers:
        if t.teacher_id == teacher.user_id:
            continue
        try:
            check_eligible(t, tiny, region_tree())
        except Exception:
            continue
        others.append(t.teacher_id)
        if len(others) == tiny.capacity:
            break
    for tid in others:
        r = api("POST", "/api/selections", user=tid, json={"class_id": tiny.class_id})
        assert r.status_code == 201, r.text

    page = phone
    login(page, stack.url, teacher.name)
    page.goto(f"{stack.url}/projects/{tiny.project_id}/")
    form = page.locator(f'form[data-class-id="{tiny.class_id}"]')
    page.locator(f'[data-seats-for="{tiny.class_id}"]').filter(has_text="满").wait_for()
    form.get_by_role("button").click()
    form.locator(".zjt-msg").filter(has_text=ClassFull.message).wait_for()

    # Outside the window (after round 1 closed, before round 2): refused on the server.
    set_clock("2024-03-28T10:00:00+08:00")
    other = eligible_classes(teacher.user_id, min_capacity=20)[1]
    page.goto(f"{stack.url}/projects/{other.project_id}/")
    form = page.locator(f'form[data-class-id="{other.class_id}"]')
    form.get_by_role("button").click()
    form.locator(".zjt-msg").filter(has_text="不在选课时间内").wait_for()
    assert api("GET", f"/api/seats?class_ids={other.class_id}").json()["seats"][0]["held"] == 0


def test_calendar_page_shows_every_phase_and_the_open_ones(stack, phone):
    page = phone
    page.goto(stack.url + "/calendar/")
    body = page.locator("article").inner_text()
    for name in (
        "教师第一轮选课",
        "校长对第一轮选课进行审核",
        "培训机构扩班申请",
        "教师第二轮选课",
    ):
        assert name in body
    page.locator(".zjt-open, [data-open='true'], .is-open").first.wait_for()
    no_horizontal_scroll(page)
