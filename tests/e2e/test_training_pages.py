"""The training weeks' pages on a phone (375 px): the attendance xlsx import with its per-row
report and the completion decisions of 开班管理 (PH-TRAIN, QA-2), the school's and the bureau's
non-completion lists with their xlsx (QA-2), and the bureau's class list with cancellation
(SE-2). Each test enrols teachers of its own in a class of its own."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from schemas.catalog import ClassInfo
from tests.e2e.conftest import as_user, no_horizontal_scroll, serial

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

# The class runs Monday 04-08 and Tuesday 04-09, one 全天 session a day (no timetable); its
# completion is decided from 04-09 to 04-24, before the first daily deadline sweep (04-23 is
# the earliest, for classes of 04-07), so no test here crosses a sweep.
START, END = date(2024, 4, 8), date(2024, 4, 9)
SESSIONS = ("2024-04-08T0000", "2024-04-09T0000")


@pytest.fixture
def training_class(stack: Any) -> Callable[..., ClassInfo]:
    """`training_class(capacity=5)`: a published copy of a demo project of 浙江师范大学 under
    new ids, on START … END without a timetable, project item included (the training pages
    read the class from the catalog). `again` writes that class anew (before anyone enrols)
    with another responsible bureau."""
    from functions.common import catalog, records, store
    from local.demo import demo_data

    def make(
        capacity: int = 5, bureau_region: str = "", again: ClassInfo | None = None
    ) -> ClassInfo:
        base = next(p for p in demo_data().projects if p.institution_id == "zjnu")
        if bureau_region:  # the bureau responsible for the class (default: the province's)
            base = base.model_copy(update={"bureau_region": bureau_region})
        n = serial()
        pid = again.project_id if again else f"{base.project_id}-tp{n}"
        klass = base.classes[0].model_copy(
            update={
                "class_id": f"{pid}-c1",
                "capacity": capacity,
                "name": again.class_name if again else f"培训页测试班{n}",
                "start_date": START,
                "end_date": END,
                "timetable": (),
            }
        )
        project = base.model_copy(update={"project_id": pid, "classes": (klass,)})
        store.batch_write(catalog.seed_items(project, with_project_item=True))
        records.clear_cache()
        return ClassInfo.of(project, klass)

    return make


def loaded(page: Any, root: str) -> None:
    """The page's list has answered (its status line no longer says it is loading)."""
    page.wait_for_function(
        "(r) => { const m = document.querySelector(r + ' .zjt-msg');"
        " return m && m.textContent && !m.textContent.includes('正在加载'); }",
        arg=root,
        timeout=60_000,
    )


def roster(api: Any, info: ClassInfo) -> dict[str, Any]:
    r = api("GET", f"/api/training/classes/{info.class_id}", user="inst-zjnu")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_attendance_is_imported_from_the_template_with_a_report_per_row_PH_TRAIN(
    api: Any,
    set_clock: Callable[[str], None],
    new_teacher: Any,
    enrol: Callable[..., None],
    training_class: Callable[..., ClassInfo],
    phone: Any,
    stack: Any,
    tmp_path: Path,
) -> None:
    info = training_class()
    a, b = new_teacher(like=info), new_teacher(like=info)
    enrol(info, [a, b])
    set_clock("2024-04-09T17:00:00+08:00")

    page = phone
    as_user(page, stack, "inst-zjnu", f"/training/?c={info.class_id}")
    page.locator(".zjt-train-title", has_text=info.class_name).wait_for()
    with page.expect_download() as dl:
        page.get_by_role("button", name="下载考勤模板").click()
    template = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()))
    ws = template.worksheets[0]
    assert ws["B1"].value == info.class_id
    head = [c.value for c in ws[2]]
    assert head[:3] == ["教师编号", "姓名", "学校"] and len(head) == 3 + len(SESSIONS)
    listed = {row[0]: row for row in ws.iter_rows(min_row=3, values_only=True)}
    assert set(listed) == {a.teacher_id, b.teacher_id}

    # The institution fills it: a attended both days, b took a day's leave without its reason
    # (refused), and a row for someone not in the class (refused).
    filled = Workbook()
    out = filled.active
    out.append([ws["A1"].value, info.class_id])
    out.append(head)
    out.append([a.teacher_id, a.name, "", "出勤", "迟到"])
    out.append([b.teacher_id, b.name, "", "请假", "出勤"])
    out.append(["t-nobody", "查无此人", "", "出勤", "出勤"])
    path = tmp_path / "考勤.xlsx"
    filled.save(path)
    page.locator(".zjt-import-attendance").set_input_files(str(path))

    page.locator(".zjt-import-msg", has_text="导入完成").wait_for(timeout=120_000)
    report = page.locator(".zjt-import-report li")
    report.filter(has_text="第 4 行").filter(has_text=b.name).wait_for()
    report.filter(has_text="第 5 行").wait_for()
    assert report.count() == 2, report.all_inner_texts()
    no_horizontal_scroll(page)

    marks = {r["teacher_id"]: r["marks"] for r in roster(api, info)["rows"]}
    assert {k: v["mark"] for k, v in marks[a.teacher_id].items()} == {
        SESSIONS[0]: "present",
        SESSIONS[1]: "late",
    }
    # The whole row of b was refused for its bad cell; the page says which row and why.
    assert marks[b.teacher_id] == {}


def test_completion_shows_the_proposal_and_an_override_needs_a_reason_QA_2(
    api: Any,
    set_clock: Callable[[str], None],
    new_teacher: Any,
    enrol: Callable[..., None],
    training_class: Callable[..., ClassInfo],
    phone: Any,
    stack: Any,
) -> None:
    info = training_class()
    came, absent = new_teacher(like=info), new_teacher(like=info)
    enrol(info, [came, absent])
    set_clock("2024-04-09T17:00:00+08:00")
    for key in SESSIONS:
        body = {"session": key, "items": [{"teacher_id": came.teacher_id, "mark": "present"}]}
        r = api(
            "POST", f"/api/training/classes/{info.class_id}/attendance", user="inst-zjnu", json=body
        )
        assert r.status_code == 200 and r.json()["results"][0]["ok"], r.text

    page = phone
    as_user(page, stack, "inst-zjnu", f"/training/?c={info.class_id}")
    decisions = page.locator(".zjt-decide-list")
    good = decisions.locator(f"li[data-teacher-id='{came.teacher_id}']")
    bad = decisions.locator(f"li[data-teacher-id='{absent.teacher_id}']")
    good.filter(has_text="建议：合格").wait_for()
    bad.filter(has_text="建议：不合格").filter(has_text="未报到").wait_for()
    # The proposal is preselected; the absent teacher is overridden to 合格 without a reason.
    assert good.locator(".zjt-outcome").input_value() == "pass"
    bad.locator(".zjt-outcome").select_option("pass")
    page.get_by_role("button", name="按所选结果提交结业认定").click()
    page.locator(".zjt-decide-msg", has_text="1 人未提交").wait_for()
    good.locator(".zjt-status", has_text="已认定：合格").wait_for()
    assert bad.locator(".zjt-status").count() == 0

    bad.locator(".zjt-outcome").select_option("pass")
    bad.locator(".zjt-outcome-reason").fill("已补课并提交学习材料")
    good.locator(".zjt-outcome").select_option("")  # 不变: not sent again
    page.get_by_role("button", name="按所选结果提交结业认定").click()
    page.locator(".zjt-decide-msg", has_text="已提交 1 人").wait_for()
    bad.locator(".zjt-status", has_text="已认定：合格（已补课并提交学习材料）").wait_for()
    no_horizontal_scroll(page)

    done = {r["teacher_id"]: r["completion"] for r in roster(api, info)["rows"]}
    assert done[absent.teacher_id]["outcome"] == "pass"
    assert done[absent.teacher_id]["proposed"] == "fail"


def test_school_and_bureau_see_their_non_completions_and_export_them_QA_2(
    api: Any,
    set_clock: Callable[[str], None],
    new_teacher: Any,
    enrol: Callable[..., None],
    training_class: Callable[..., ClassInfo],
    phone: Any,
    stack: Any,
) -> None:
    info = training_class()
    t = new_teacher(like=info)
    # The class is the responsibility of the teacher's city bureau (a province-wide list reads
    # every county: too slow for the local stack on a loaded machine).
    city = f"{t.school_id[1:5]}00"
    info = training_class(bureau_region=city, again=info)
    enrol(info, [t])
    set_clock("2024-04-09T17:00:00+08:00")
    reason = f"缺勤两天，未参加培训{serial()}"
    body = {"items": [{"teacher_id": t.teacher_id, "outcome": "fail", "reason": reason}]}
    r = api(
        "POST", f"/api/training/classes/{info.class_id}/completion", user="inst-zjnu", json=body
    )
    assert r.status_code == 200 and r.json()["results"][0]["ok"], r.text

    page = phone
    for user in (f"a-{t.school_id}", f"bureau-{city}"):
        as_user(page, stack, user, "/training/reports/")
        loaded(page, "#zjt-train-reports")
        row = page.locator(".zjt-report-list li", has_text=t.name)
        assert row.filter(has_text=reason).count() == 1, page.locator(
            "#zjt-train-reports"
        ).inner_text()
        assert info.class_name in row.inner_text()
        with page.expect_download() as dl:
            page.get_by_role("button", name="导出 Excel").click()
        assert dl.value.suggested_filename == "未完成培训名单.xlsx"
        wb = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()))
        rows = list(wb.worksheets[0].iter_rows(values_only=True))
        assert rows[0][:3] == ("县（市、区）", "学校", "教师")
        mine = [x for x in rows if x[2] == t.name]
        assert len(mine) == 1 and mine[0][6] == reason and mine[0][4] == info.class_name
        no_horizontal_scroll(page)

    # The responsible bureau corrects it (QA-2): a reason is required, then the row leaves.
    row = page.locator(f".zjt-report-list li[data-teacher-id='{t.teacher_id}']")
    row.get_by_role("button", name="更正为合格").click()
    row.locator(".zjt-msg", has_text="请填写更正原因").wait_for()
    row.locator(".zjt-correct-reason").fill("已补交考勤记录，实际全勤")
    row.get_by_role("button", name="更正为合格").click()
    row.locator(".zjt-msg", has_text="已更正为合格").wait_for()
    page.locator(f".zjt-report-list li[data-teacher-id='{t.teacher_id}']").wait_for(
        state="detached"
    )
    as_user(page, stack, f"a-{t.school_id}", "/training/reports/")
    page.locator("#zjt-train-reports .zjt-msg", has_text="人").or_(
        page.locator("#zjt-train-reports .zjt-msg", has_text="没有")
    ).first.wait_for()
    assert page.locator(f".zjt-report-list li[data-teacher-id='{t.teacher_id}']").count() == 0
    assert page.locator(".zjt-correct").count() == 0  # a school does not correct


def test_the_bureau_cancels_a_class_below_its_minimum_from_its_list_SE_2(
    api: Any,
    set_clock: Callable[[str], None],
    new_teacher: Any,
    enrol: Callable[..., None],
    training_class: Callable[..., ClassInfo],
    phone: Any,
    stack: Any,
) -> None:
    info = training_class()
    t = new_teacher(like=info)
    enrol(info, [t])  # one teacher: below the minimum of 10
    set_clock("2024-03-30T15:00:00+08:00")  # round 1's recheck: cancellation is open

    page = phone
    as_user(page, stack, "bureau-330000", "/training/bureau/")
    row = page.locator(f".zjt-bureau-list li[data-class-id='{info.class_id}']")
    row.filter(has_text="学员 1 人").wait_for(timeout=30_000)
    row.get_by_role("button", name="取消办班").click()
    row.locator(".zjt-msg", has_text="请填写取消原因").wait_for()  # a reason is required
    row.locator(".zjt-cancel-reason").fill("报名人数不足，取消本期")
    row.get_by_role("button", name="取消办班").click()
    row.locator(".zjt-msg", has_text="已取消，释放 1 个名额").wait_for()
    again = page.locator(f".zjt-bureau-list li[data-class-id='{info.class_id}'] .zjt-status")
    try:
        again.filter(has_text="已取消：报名人数不足，取消本期").wait_for(timeout=60_000)
    except Exception:
        raise AssertionError(page.locator("#zjt-train-bureau").inner_text()[:3000]) from None
    no_horizontal_scroll(page)

    # The teacher's seat is freed with the reason, for round 2.
    mine = api("GET", "/api/selections", user=t.teacher_id).json()["selections"]
    sel = next(s for s in mine if s["class_id"] == info.class_id)
    assert sel["status"] == "cancelled" and "报名人数不足" in sel["reason"]
