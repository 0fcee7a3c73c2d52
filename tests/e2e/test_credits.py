"""Credits in the browser (issue 14): a teacher finishes a class, evaluates it once (满意度测评),
sees the credits in 我的学分, prints the certificate on one A4 page, and the public verification
page confirms it (the name masked); 学分管理 registers school-based credits and the county bureau
approves them (CR-1); two clerks registering one teacher's credits at once never pass 150."""

from __future__ import annotations

import re
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
    (the training pages and the certificate read the class's timetable from it)."""
    from functions.common import catalog, records, store
    from local.demo import demo_data

    base = next(p for p in demo_data().projects if p.institution_id == "zjnu" and not p.segments)
    pid = f"{base.project_id}-cr{serial()}"
    klass = base.classes[0].model_copy(
        update={"class_id": f"{pid}-c1", "capacity": 5, "name": "学分测试班"}
    )
    project = base.model_copy(update={"project_id": pid, "classes": (klass,)})
    store.batch_write(catalog.seed_items(project, with_project_item=True))
    records.clear_cache()
    return ClassInfo.of(project, klass)


def finish(api: Any, set_clock: Callable[[str], None], info: ClassInfo, teacher: Any) -> None:
    """The teacher, confirmed in the class, attends every session and is 合格."""
    set_clock(f"{info.end_date.isoformat()}T18:00:00+08:00")
    path = f"/api/training/classes/{info.class_id}"
    roster = api("GET", path, user="inst-zjnu").json()
    for s in roster["sessions"]:
        r = api(
            "POST",
            f"{path}/attendance",
            user="inst-zjnu",
            json={
                "session": s["key"],
                "items": [{"teacher_id": teacher.teacher_id, "mark": "present"}],
            },
        )
        assert r.status_code == 200, r.text
    r = api(
        "POST",
        f"{path}/completion",
        user="inst-zjnu",
        json={"items": [{"teacher_id": teacher.teacher_id, "outcome": "pass"}]},
    )
    assert r.status_code == 200 and r.json()["results"][0]["ok"], r.text


def test_a_teacher_finishes_a_class_sees_the_credits_prints_and_verifies_the_certificate(
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
    finish(api, set_clock, info, teacher)
    credits = api("GET", "/api/credits/mine", user=teacher.teacher_id).json()["totals"]["total"]
    assert credits > 0

    # 满意度测评: the class has ended; she answers the four questions once.
    mine = api("GET", "/api/quality/evaluations/mine", user=teacher.teacher_id).json()["classes"]
    assert [(c["class_id"], c["open"]) for c in mine] == [(info.class_id, True)], mine
    as_user(phone, stack, teacher.teacher_id, "/quality/evaluate/")
    item = phone.locator(f".zjt-selection[data-class-id='{info.class_id}']")
    form = item.locator(".zjt-eval-form")
    form.wait_for()
    for name, value in (("overall", 5), ("content", 4), ("instructors", 5), ("organisation", 4)):
        form.locator(f"input[name={name}][value='{value}']").check()
    form.locator("textarea[name=comment]").fill("案例很实用")
    no_horizontal_scroll(phone)
    form.get_by_role("button", name="提交评价").click()
    phone.locator(f".zjt-selection[data-class-id='{info.class_id}']", has_text="已评价").wait_for()
    again = api(
        "POST",
        "/api/quality/evaluations",
        user=teacher.teacher_id,
        json={
            "class_id": info.class_id,
            "overall": 1,
            "content": 1,
            "instructors": 1,
            "organisation": 1,
        },
    )
    assert again.status_code == 409, again.text  # once per teacher

    # 我的学分 on the teacher's phone: the class's credits, the progress, the certificate.
    as_user(phone, stack, teacher.teacher_id, "/credits/")
    entry = phone.locator(".zjt-ledger__entry", has_text=info.project_title)
    entry.wait_for()
    assert f"+{credits} 学分" in entry.inner_text()
    assert f"{credits} / 360 学分" in phone.locator(".zjt-credits__summary").inner_text()
    assert phone.locator(".zjt-bar[role=progressbar]").count() == 1
    no_horizontal_scroll(phone)
    phone.locator(".zjt-cert-item a", has_text=info.project_title).click()
    cert = phone.locator(".zjt-cert")
    cert.wait_for()
    text = cert.inner_text()
    assert teacher.name in text and info.institution_name in text and f"{credits} 学分" in text
    assert phone.locator(".zjt-cert__qr svg").count() == 1
    code = re.search(r"证书编号 ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})", text)
    assert code, text
    no_horizontal_scroll(phone)

    # Printed: only the certificate, on one A4 page.
    phone.emulate_media(media="print")
    assert not phone.locator(".md-header").is_visible()
    assert not phone.locator(".zjt-cert-page__actions").is_visible()
    assert cert.is_visible()
    pdf = phone.pdf(format="A4", print_background=True)
    assert (
        pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page/") == 1
    )
    phone.emulate_media(media="screen")

    # Anyone verifies it from the QR code's URL, without logging in: valid, the name masked.
    url = cert.locator(".zjt-cert__url").inner_text().removeprefix("验证：")
    assert url.startswith(stack.url) and code.group(1) in url
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    public = ctx.new_page()
    try:
        public.goto(url)
        state = public.locator(".zjt-verify__state")
        state.wait_for()
        assert state.inner_text() == "证书有效"
        facts = public.locator(".zjt-verify__facts").inner_text()
        assert (
            teacher.name not in facts and teacher.name[0] in facts and info.project_title in facts
        )
        no_horizontal_scroll(public)
    finally:
        ctx.close()


def test_the_school_registers_school_based_credits_and_the_county_approves_them_CR_1(
    api: Any, new_teacher: Any, phone: Any, stack: Any
) -> None:
    from local.demo import demo_data

    school = next(s for s in demo_data().schools if s.region_code == "330106")
    teacher = new_teacher(school.school_id, school.stages[0], "语文")
    as_user(phone, stack, f"p-{school.school_id}", "/credits/school/")
    form = phone.locator(".zjt-sb-form")
    # The list is the school's progress (every teacher's totals): slow on a loaded machine.
    form.locator(f"select[name=teacher_id] option[value='{teacher.teacher_id}']").wait_for(
        state="attached", timeout=60_000
    )
    form.locator("[name=teacher_id]").select_option(teacher.teacher_id)
    form.locator("[name=title]").fill("新课标读书分享")
    form.locator("[name=on]").fill("2024-03-15")
    form.locator("[name=offline]").fill("12")
    form.get_by_role("button", name="登记").click()
    phone.locator(".zjt-sb-msg", has_text="已登记").wait_for()
    # Beyond the cap: refused with how many credits remain.
    form.locator("[name=title]").fill("听评课")
    form.locator("[name=offline]").fill("140")
    form.get_by_role("button", name="登记").click()
    phone.locator(".zjt-sb-msg", has_text="还可登记 138 学分").wait_for()
    no_horizontal_scroll(phone)

    as_user(phone, stack, "bureau-330106", "/credits/bureau/")
    item = phone.locator(".zjt-sb-list li", has_text=teacher.name)
    item.locator("input[type=checkbox]").check()
    phone.get_by_role("button", name="通过所选", exact=True).click()
    phone.locator(".zjt-sb-review .zjt-sb-msg", has_text="已处理 1 条").wait_for()
    no_horizontal_scroll(phone)
    mine = api("GET", "/api/credits/mine", user=teacher.teacher_id).json()
    assert mine["totals"]["school_based"] == 12 and mine["school_based_room"] == 138


CLERK_RACERS = 12


def test_two_clerks_registering_one_teacher_at_once_never_pass_150_CR_1(
    api: Any, new_teacher: Any, stack: Any
) -> None:
    """The school's principal and its admin register the same teacher's school-based credits at
    the same moment, 12 requests of 40 credits over HTTP: the per-teacher counter admits exactly
    three (120; a fourth would make 160), every other is refused with what remains."""
    import threading
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from local.demo import demo_data

    school = next(s for s in demo_data().schools if s.region_code == "330106")
    teacher = new_teacher(school.school_id, school.stages[0], "语文")
    clerks = [f"p-{school.school_id}", f"a-{school.school_id}"]
    tokens = {c: stack.token(c) for c in clerks}
    start = threading.Barrier(CLERK_RACERS)

    def register(n: int) -> tuple[int, dict[str, Any]]:
        start.wait()
        r = requests.post(
            f"{stack.url}/api/credits/school-based",
            json={
                "teacher_id": teacher.teacher_id,
                "title": f"校本研修第{n}次",
                "on": "2024-03-15",
                "offline": 40,
            },
            headers={
                "Authorization": f"Bearer {tokens[clerks[n % 2]]}",
                "Idempotency-Key": str(uuid.uuid4()),
            },
            timeout=120,
        )
        return r.status_code, r.json()

    with ThreadPoolExecutor(CLERK_RACERS) as pool:
        results = list(pool.map(register, range(CLERK_RACERS)))

    won = [body for status, body in results if status == 201]
    refused = [body for status, body in results if status != 201]
    assert len(won) == 3, results
    assert {b["code"] for b in refused} == {"school_based_cap"}, refused
    assert {b["remaining"] for b in refused} == {30}
    mine = api("GET", "/api/credits/mine", user=teacher.teacher_id).json()
    assert mine["totals"]["sb_held"] == 120 and mine["school_based_room"] == 30
