"""Check-in by QR code on a phone (PH-TRAIN): the institution's QR screen shows the rotating
code, the teacher's phone opens what the code holds and is checked in; 我的培训 shows it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from schemas.catalog import ClassInfo
from tests.e2e.conftest import PHONE, as_user, no_horizontal_scroll, serial

# Moving the clock into the training weeks closes every review window over the demo data first.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


@pytest.fixture
def training_class(stack: Any) -> ClassInfo:
    """A published copy of a demo project of 浙江师范大学 under new ids, project item included
    (the training pages read the class's timetable from it)."""
    from functions.common import catalog, records, store
    from local.demo import demo_data

    base = next(p for p in demo_data().projects if p.institution_id == "zjnu")
    pid = f"{base.project_id}-qr{serial()}"
    klass = base.classes[0].model_copy(
        update={"class_id": f"{pid}-c1", "capacity": 5, "name": "报到测试班"}
    )
    project = base.model_copy(update={"project_id": pid, "classes": (klass,)})
    store.batch_write(catalog.seed_items(project, with_project_item=True))
    records.clear_cache()
    return ClassInfo.of(project, klass)


def test_teacher_checks_in_by_scanning_the_code_the_institution_shows_PH_TRAIN(
    api: Any,
    set_clock: Callable[[str], None],
    confirmed_teacher: Callable[[ClassInfo], Any],
    training_class: ClassInfo,
    browser: Any,
    phone: Any,
    stack: Any,
) -> None:
    info = training_class
    teacher = confirmed_teacher(info)
    set_clock(f"{info.start_date.isoformat()}T08:30:00+08:00")
    r = api(
        "POST",
        f"/api/training/classes/{info.class_id}/checkin",
        user="inst-zjnu",
        json={"open": True},
    )
    assert r.status_code == 200, r.text

    # The institution's QR screen, on a phone held up to the room.
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    screen = ctx.new_page()
    try:
        as_user(screen, stack, "inst-zjnu", f"/training/qr/?c={info.class_id}")
        qr = screen.locator(".zjt-qr[data-url]")
        qr.wait_for()
        assert screen.locator(".zjt-qr svg").count() == 1
        url = qr.get_attribute("data-url")
        code = qr.get_attribute("data-code")
        assert url and code and f"k={code}" in url
        assert screen.locator(".zjt-qr-code").inner_text().endswith(code)
        no_horizontal_scroll(screen)
    finally:
        ctx.close()

    # The teacher's phone opens what the code holds.
    as_user(phone, stack, teacher.teacher_id)
    phone.goto(url)
    done = phone.locator("#zjt-train-checkin .zjt-msg")
    done.filter(has_text="报到成功").wait_for()
    assert info.project_title in done.inner_text()
    no_horizontal_scroll(phone)

    phone.goto(stack.url + "/training/mine/")
    card = phone.locator(f"li[data-class-id='{info.class_id}']")
    card.locator(".zjt-checkin-state", has_text="已报到").wait_for()
    no_horizontal_scroll(phone)

    # 开班管理 on the institution's phone: the roster shows the check-in; a mark is saved.
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    roster = ctx.new_page()
    try:
        as_user(roster, stack, "inst-zjnu", f"/training/?c={info.class_id}")
        row = roster.locator(f".zjt-roster-list li[data-teacher-id='{teacher.teacher_id}']")
        row.filter(has_text="已报到").wait_for()
        row.get_by_label("出勤").check()
        roster.get_by_role("button", name="保存本次考勤").click()
        roster.locator(".zjt-marks-msg", has_text="已保存 1 人").wait_for()
        no_horizontal_scroll(roster)
    finally:
        ctx.close()
