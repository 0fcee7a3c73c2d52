"""The slice a teacher uses, end to end in headless chromium on a 375-px phone screen:
log in, browse the catalog, open a project, pick a class in round 1 (PH-R1), see it under
我的选课, withdraw; and the Chinese messages for outside-window, full class and picking twice.

Each test brings its own teachers (`new_teacher`): the stack is shared by the e2e layer, so a
demo teacher may already hold classes on the same days."""

from __future__ import annotations

from typing import Any

import pytest

from functions.common.errors import ClassFull
from functions.selection.rules import check_eligible
from local.demo import demo_data
from schemas.catalog import ClassInfo
from schemas.regions import region_tree
from tests.e2e.conftest import as_user, login, no_horizontal_scroll, seats

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


def with_free_seats(api: Any, classes: list[ClassInfo], n: int = 1) -> ClassInfo:
    """The first of `classes` that still has `n` free seats (other tests may have taken some)."""
    for info in classes:
        s = seats(api, info.class_id)
        if s["capacity"] - s["held"] >= n:
            return info
    raise AssertionError("no class with free seats")


def test_the_login_page_signs_a_demo_teacher_in(stack, phone):
    teacher = demo_data().demo_accounts[0]
    login(phone, stack.url, teacher.name)
    phone.locator("#zjt-my").wait_for()
    assert phone.evaluate("localStorage.getItem('zjt.token')")


def test_teacher_picks_a_class_in_round1_and_withdraws_SE_4_SE_5(stack, phone, api, new_teacher):
    demo = demo_data().demo_accounts[0]
    info = with_free_seats(api, eligible_classes(demo.user_id, min_capacity=20))
    me = new_teacher(like=info)
    page = phone
    as_user(page, stack, me.teacher_id, "/my/")
    page.locator("#zjt-my .zjt-msg").filter(has_text="还没有选课").wait_for()

    # Browse the catalog: filter by the project's title and open it.
    page.goto(stack.url + "/catalog/")
    page.locator(".zjt-count").filter(has_text="个").wait_for()
    page.fill("input[name=q]", info.project_title)
    # Tap the card once the list shows the search's result (a list being redrawn is aria-busy).
    page.locator(f'.zjt-results[aria-busy="false"] a[href*="/projects/{info.project_id}/"]').click()
    page.wait_for_url(f"**/projects/{info.project_id}/**")
    no_horizontal_scroll(page)
    page.locator(f'[data-seats-for="{info.class_id}"]').filter(has_text="剩余").wait_for()
    # Tests run one at a time: between here and the end only this test changes the class.
    held = seats(api, info.class_id)["held"]

    # Pick the class: a form post to the selection function.
    form = page.locator(f'form[data-class-id="{info.class_id}"]')
    form.get_by_role("button").click()
    form.locator(".zjt-msg").filter(has_text="待学校审核").wait_for()
    mine = api("GET", "/api/selections", user=me.teacher_id).json()["selections"]
    assert [(s["class_id"], s["status"]) for s in mine] == [(info.class_id, "pending")]
    assert seats(api, info.class_id)["held"] == held + 1

    # Picking it again changes nothing and says why.
    form.get_by_role("button").click()
    form.locator(".zjt-msg").filter(has_text="不能重复选择").wait_for()
    assert len(api("GET", "/api/selections", user=me.teacher_id).json()["selections"]) == 1

    # 我的选课 lists it; withdrawing returns the seat.
    page.goto(stack.url + "/my/")
    row = page.locator("#zjt-my li", has_text=info.project_title)
    row.filter(has_text="待学校审核").wait_for()
    no_horizontal_scroll(page)
    row.get_by_role("button", name="退选").click()
    # An in-page dialog asks first (never window.confirm: WeChat shows the host name in it).
    page.locator(".zjt-dialog").get_by_role("button", name="退选").click()
    row.filter(has_text="已退选").wait_for()
    mine = api("GET", "/api/selections", user=me.teacher_id).json()["selections"]
    assert [s["status"] for s in mine] == ["withdrawn"]
    assert seats(api, info.class_id)["held"] == held


def test_full_class_and_outside_window_show_chinese_messages(
    stack, phone, api, set_clock, new_teacher
):
    demo = demo_data().demo_accounts[0]
    tiny = next(i for i in eligible_classes(demo.user_id, min_capacity=1) if i.capacity <= 3)
    # Fill whatever seats the tiny class still has with teachers of this test's own.
    s = seats(api, tiny.class_id)
    for _ in range(s["capacity"] - s["held"]):
        filler = new_teacher(like=tiny)
        body = {"class_id": tiny.class_id}
        r = api("POST", "/api/selections", user=filler.teacher_id, json=body)
        assert r.status_code == 201, r.text
    assert seats(api, tiny.class_id)["held"] == tiny.capacity

    me = new_teacher(like=tiny)
    page = phone
    as_user(page, stack, me.teacher_id, f"/projects/{tiny.project_id}/")
    form = page.locator(f'form[data-class-id="{tiny.class_id}"]')
    page.locator(f'[data-seats-for="{tiny.class_id}"]').filter(has_text="满").wait_for()
    form.get_by_role("button").click()
    form.locator(".zjt-msg").filter(has_text=ClassFull.message).wait_for()
    assert api("GET", "/api/selections", user=me.teacher_id).json()["selections"] == []

    # Outside the window (after round 1 closed, before round 2): refused on the server.
    set_clock("2024-03-28T10:00:00+08:00")
    other = with_free_seats(api, eligible_classes(demo.user_id, min_capacity=20)[1:])
    me2 = new_teacher(like=other)
    as_user(page, stack, me2.teacher_id, f"/projects/{other.project_id}/")
    form = page.locator(f'form[data-class-id="{other.class_id}"]')
    form.get_by_role("button").click()
    form.locator(".zjt-msg").filter(has_text="不在选课时间内").wait_for()
    assert api("GET", "/api/selections", user=me2.teacher_id).json()["selections"] == []


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


def test_a_busy_answer_is_retried_for_the_teacher_with_a_calm_message_SE_4(
    stack, phone, api, new_teacher, set_clock
):
    """A popular class at the rush: the server answers 503 + Retry-After at once (its bounded
    retries spent); the page says so calmly and sends the same request again by itself."""
    set_clock("2024-03-20T10:00:00+08:00")
    demo = demo_data().demo_accounts[0]
    info = with_free_seats(api, eligible_classes(demo.teacher_id, min_capacity=40)[::-1])
    me = new_teacher(like=info)
    page = phone
    as_user(page, stack, me.teacher_id, f"/projects/{info.project_id}/")
    page.locator(f'[data-seats-for="{info.class_id}"]').filter(has_text="剩余").wait_for()
    sent: list[str] = []

    def busy_twice(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        sent.append(route.request.headers.get("idempotency-key", ""))
        if len(sent) <= 2:
            route.fulfill(
                status=503,
                headers={"Retry-After": "1", "Content-Type": "application/json"},
                body='{"code": "busy", "message": "当前选课人数较多，请稍后重试"}',
            )
        else:
            route.continue_()

    page.route("**/api/selections", busy_twice)
    form = page.locator(f'form[data-class-id="{info.class_id}"]')
    form.get_by_role("button").click()
    msg = form.locator(".zjt-msg")
    msg.filter(has_text="正在为你自动重试").wait_for()
    assert "zjt-msg--error" not in (msg.get_attribute("class") or "")  # calm, not an error
    msg.filter(has_text="待学校审核").wait_for(timeout=30_000)
    # Three sends of one request: the same Idempotency-Key, so it could not happen twice.
    assert len(sent) == 3 and len(set(sent)) == 1 and sent[0]
    mine = api("GET", "/api/selections", user=me.teacher_id).json()["selections"]
    assert [(s["class_id"], s["status"]) for s in mine] == [(info.class_id, "pending")]
    api("DELETE", f"/api/selections/{info.class_id}", user=me.teacher_id)
