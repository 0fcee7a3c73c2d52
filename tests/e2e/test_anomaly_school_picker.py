"""数据异常 on a phone: a county bureau settles a teacher's school by picking the school by name
among its county's schools (TD-3), never by typing a school code; the owner line names the
school."""

from __future__ import annotations

import pytest

from functions.common import clock
from functions.records import store as records_store
from local.demo import demo_data
from schemas.records import Anomaly, AnomalyKind, ResolveAction
from tests.e2e.conftest import as_user, no_horizontal_scroll, serial

pytestmark = pytest.mark.e2e


def test_a_bureau_assigns_a_school_picked_by_name_TD_3(stack, phone, api, new_teacher):
    schools = [s for s in demo_data().schools if s.region_code == "330106"]
    here, there = schools[0], schools[1]
    teacher = new_teacher(here.school_id, "小学", "语文")
    n = serial()
    # An anomaly of this test's own teacher, as the check would have stored it.
    records_store.put_anomalies(
        [
            Anomaly(
                anomaly_id=f"330106-{AnomalyKind.NO_SCHOOL.value}-e2e{n}",
                kind=AnomalyKind.NO_SCHOOL,
                region_code="330106",
                owner_region="330106",
                teacher_ids=(teacher.teacher_id,),
                detail=f"{teacher.name}的学校待核对（测试{n}）",
                actions=(ResolveAction.ASSIGN_SCHOOL,),
                found_at=clock.now(),
            )
        ]
    )
    page = phone
    as_user(page, stack, "bureau-330106")
    page.goto(stack.url + "/records/anomalies/")
    item = page.locator("li.zjt-anomaly", has_text=f"（测试{n}）")
    item.wait_for()
    picker = item.locator('select[name="school_id"]')
    picker.locator("option", has_text=there.name).wait_for(state="attached")
    assert not item.locator('input[name="school_id"]').count()
    picker.select_option(label=there.name)
    no_horizontal_scroll(page)
    item.get_by_role("button", name="处理").click()
    # Settled, it leaves the open list; with the settled ones shown it says what was done.
    item.wait_for(state="detached")
    moved = api("GET", f"/api/records/teachers/{teacher.teacher_id}", user="bureau-330106")
    assert moved.json()["school_id"] == there.school_id, moved.text
    page.uncheck('input[name="open_only"]')
    done = page.locator("li.zjt-anomaly", has_text=f"（测试{n}）")
    assert done.locator(".zjt-muted").inner_text() == f"已处理：学校设为 {there.name}"
