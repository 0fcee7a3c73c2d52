"""The records pages name teachers, never by their internal ids (style: user-facing text): a
duplicate ID number on 数据异常 (TD-3) as a county bureau and a principal see it, the bureau
keeping one record picked by name, and the merged duplicate on the school's 学校教师维护 list."""

from __future__ import annotations

from typing import Any

import pytest

from functions.common import clock
from functions.records import rules
from functions.records import store as records_store
from local.demo import demo_data
from schemas.regions import region_tree
from tests.e2e.conftest import as_user, no_horizontal_scroll

pytestmark = pytest.mark.e2e


def _text(page: Any) -> str:
    return str(page.evaluate("document.querySelector('.md-container').innerText"))


def test_records_pages_name_duplicate_records_never_their_ids_TD_3(stack, phone, api, new_teacher):
    schools = [s for s in demo_data().schools if s.region_code == "330106"]
    here, there = schools[0], schools[1]
    kept = new_teacher(here.school_id, "小学", "语文")
    dup = new_teacher(there.school_id, "小学", "数学")
    ids = (kept.teacher_id, dup.teacher_id)
    # The second record takes the first one's ID number, as a duplicate from two sources would;
    # the check's finding for these two records is stored as the check stores it.
    records = records_store.teachers(ids)
    twin = records[dup.teacher_id].model_copy(
        update={"id_number": records[kept.teacher_id].id_number}
    )
    records_store.write([records_store.teacher_item(twin)])
    [anomaly] = rules.find_anomalies(
        [records[kept.teacher_id], twin],
        {here.school_id: here, there.school_id: there},
        [],
        region_tree(),
        clock.now(),
    )
    records_store.put_anomalies([anomaly])
    kept_label = f"{kept.name}（{here.name}，小学语文，学校维护）"
    dup_label = f"{dup.name}（{there.name}，小学数学，学校维护）"

    page = phone
    as_user(page, stack, f"p-{there.school_id}", "/records/anomalies/")
    item = page.locator("li.zjt-anomaly", has_text=dup_label)
    item.wait_for()
    assert kept_label in item.inner_text()
    assert not [i for i in ids if i in _text(page)], _text(page)

    as_user(page, stack, "bureau-330106", "/records/anomalies/")
    item = page.locator("li.zjt-anomaly", has_text=dup_label)
    item.wait_for()
    item.locator('select[name="action"]').select_option("keep_one")
    keep = item.locator('select[name="teacher_id"]')
    labels = keep.locator("option").all_inner_texts()
    assert sorted(labels) == sorted([f"保留 {kept_label}", f"保留 {dup_label}"])
    assert not [i for i in ids if i in _text(page)], _text(page)
    keep.select_option(label=f"保留 {kept_label}")
    no_horizontal_scroll(page)
    item.get_by_role("button", name="处理").click()
    item.wait_for(state="detached")
    page.uncheck('input[name="open_only"]')
    done = page.locator("li.zjt-anomaly", has_text=dup_label)
    assert done.locator(".zjt-muted").inner_text().startswith(f"已处理：保留 {kept_label}，")
    assert not [i for i in ids if i in _text(page)], _text(page)

    merged = api("GET", f"/api/records/teachers/{dup.teacher_id}", user="bureau-330106").json()
    assert merged["merged_into"] == kept.teacher_id, merged
    as_user(page, stack, f"p-{there.school_id}", "/records/teachers/")
    row = page.locator("li.zjt-teacher", has_text=dup.name)
    row.wait_for()
    assert f"重复记录，已并入 {kept_label}" in row.inner_text()
    assert not [i for i in ids if i in _text(page)], _text(page)
