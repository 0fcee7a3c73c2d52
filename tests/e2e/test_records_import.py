"""教师信息导入 end to end in headless chromium on a 375-px phone screen (TD-1): the province
bureau uploads a file with good and bad rows, watches it finish, reads the per-row report and
downloads it as xlsx; the school admin then sees the imported teachers with full ID numbers."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from local.demo import demo_data
from schemas.records import IMPORT_COLUMNS, make_id_number
from tests.e2e.conftest import born_and_gender, fresh_id_number, login, no_horizontal_scroll, serial

pytestmark = pytest.mark.e2e

SCHOOL = "s33010603"  # 杭州市西湖区实验小学 (a demo school)


@dataclass(frozen=True)
class MixedFile:
    """Three new teachers (ID numbers and names no other import uses) and two bad rows."""

    content: bytes
    ids: list[str]
    names: list[str]


def mixed_file() -> MixedFile:
    n = serial()
    ids = [fresh_id_number("330106") for _ in range(3)]
    names = [f"导入教师{n}甲", f"导入教师{n}乙", f"导入教师{n}丙"]
    good = [
        [
            id_number,
            names[i],
            born_and_gender(id_number)[1],
            born_and_gender(id_number)[0],
            SCHOOL,
            "小学",
            "数学",
            "一级教师",
            "在职",
        ]
        for i, id_number in enumerate(ids)
    ]
    bad_check = make_id_number("330106", date(1980, 1, 1), 40, True)
    bad_check = bad_check[:17] + ("0" if bad_check[17] != "0" else "1")
    bad = [
        [bad_check, "校验错", "男", "1980-01-01", SCHOOL, "小学", "数学", "", "在职"],
        [
            make_id_number("330106", date(1981, 2, 2), 41, True),
            "无此校",
            "男",
            "1981-02-02",
            "s-nope",
            "小学",
            "数学",
            "",
            "在职",
        ],
    ]
    out = io.StringIO()
    out.write(",".join(h for h, _ in IMPORT_COLUMNS) + "\n")
    for r in good + bad:
        out.write(",".join(r) + "\n")
    return MixedFile(out.getvalue().encode("utf-8-sig"), ids, names)


def import_over_http(api: Any, user: str, name: str, content: bytes) -> dict[str, Any]:
    """The page's three steps without the page; waits for the worker to finish the job."""
    job = api(
        "POST", "/api/records/imports", user=user, json={"file_name": name, "size": len(content)}
    ).json()
    size = job["part_size"]
    for part, at in enumerate(range(0, len(content), size), start=1):
        r = api(
            "PUT",
            f"/api/records/imports/{job['job_id']}/parts/{part}",
            user=user,
            data=content[at : at + size],
            headers={"Content-Type": "application/octet-stream"},
        )
        assert r.status_code == 200, r.text
    r = api("POST", f"/api/records/imports/{job['job_id']}/start", user=user)
    assert r.status_code == 200, r.text
    # Handed to the import worker (the gateway's asynchronous Invoke), not run in the request.
    assert r.json()["status"] in ("queued", "running"), r.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = api("GET", f"/api/records/imports/{job['job_id']}", user=user).json()
        if job["status"] in ("done", "failed"):
            return dict(job)
        time.sleep(0.3)
    raise AssertionError(f"import did not finish: {job}")


def test_province_bureau_imports_a_mixed_file_and_downloads_the_report_TD_1(stack, phone):
    from openpyxl import load_workbook

    page = phone
    f = mixed_file()
    login(page, stack.url, "浙江省教育厅", "/records/import/")
    page.locator("#zjt-import .zjt-import-form").wait_for()
    page.set_input_files(
        "#zjt-import input[name=file]",
        files=[{"name": "mixed.csv", "mimeType": "text/csv", "buffer": f.content}],
    )
    page.get_by_role("button", name="开始导入").click()
    summary = page.locator("#zjt-import .zjt-summary")
    # The import runs in the worker function (its own process, started on demand): on a loaded
    # machine that takes longer than a page's usual 15 s.
    summary.filter(has_text="导入完成").wait_for(timeout=90_000)
    text = summary.inner_text()
    assert "新增 3" in text and "拒绝 2" in text and "共 5 行" in text
    rows = page.locator("#zjt-import .zjt-rows li")
    rows.first.wait_for()
    report = page.locator("#zjt-import .zjt-rows").inner_text()
    assert "校验位" in report and "s-nope 不存在" in report
    assert f.names[0] not in report  # only rejected rows by default
    no_horizontal_scroll(page)

    with page.expect_download() as dl:
        page.locator("#zjt-import .zjt-download:not([data-outcome])").click()
    ws = load_workbook(io.BytesIO(dl.value.path().read_bytes())).active
    values = list(ws.iter_rows(values_only=True))
    assert [v[3] for v in values[1:]] == ["新增", "新增", "新增", "拒绝", "拒绝"]
    assert all("*" in (v[1] or "") for v in values[1:])
    with page.expect_download() as dl:
        page.locator("#zjt-import .zjt-download[data-outcome=rejected]").click()
    ws = load_workbook(io.BytesIO(dl.value.path().read_bytes())).active
    assert [v[3] for v in list(ws.iter_rows(values_only=True))[1:]] == ["拒绝", "拒绝"]

    page.get_by_role("button", name="全部", exact=True).click()
    page.locator("#zjt-import .zjt-rows").filter(has_text=f.names[0]).wait_for()

    # The address names the job: reopening it later shows the same result.
    assert "#job=" in page.url
    page.reload()
    page.locator("#zjt-import .zjt-summary").filter(has_text="新增 3").wait_for()


def test_school_admin_sees_the_imported_teachers_with_full_id_numbers_TD_2(stack, phone, api):
    f = mixed_file()
    job = import_over_http(api, "bureau-330000", "again.csv", f.content)
    assert job["status"] == "done", job
    admin = next(u for u in demo_data().users if u.user_id == f"a-{SCHOOL}")
    page = phone
    login(page, stack.url, admin.name, "/records/teachers/")
    page.locator("#zjt-teachers .zjt-teacher-list").filter(has_text=f.names[1]).wait_for()
    listing = page.locator("#zjt-teachers .zjt-teacher-list").inner_text()
    assert f.ids[1] in listing and "国家系统" in listing
    no_horizontal_scroll(page)


def test_county_bureau_runs_the_check_and_opens_the_anomaly_and_account_pages_TD_3(stack, phone):
    page = phone
    login(page, stack.url, "杭州市西湖区教育局", "/records/anomalies/")
    check = page.get_by_role("button", name="重新核查")
    check.wait_for()
    check.click()
    # The page calls the check again until the server says it is done, then enables the button.
    page.wait_for_function(
        "() => !document.querySelector('#zjt-anomalies .zjt-check').disabled", timeout=150_000
    )
    shown = page.locator("#zjt-anomalies > .zjt-msg").inner_text()
    assert "核查完成" in shown, shown
    no_horizontal_scroll(page)
    page.goto(stack.url + "/records/accounts/")
    # The check indexed the demo world's staff accounts: the county's school staff are listed.
    page.locator("#zjt-accounts .zjt-account-list").filter(has_text="学校管理员").wait_for()
    no_horizontal_scroll(page)
