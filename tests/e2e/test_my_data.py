"""A teacher downloads her own data from 我的培训 on a phone (个人信息保护法 art. 45): one
workbook with her record (her ID number in full) and her selections."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import as_user

pytestmark = pytest.mark.e2e


def test_a_teacher_downloads_her_own_data_as_xlsx_from_her_page(
    stack: Any, phone: Any, new_teacher: Any
) -> None:
    me = new_teacher("s33010603", "小学", "语文")
    page = phone
    as_user(page, stack, me.teacher_id, "/my/")
    button = page.locator("#zjt-mydata-download")
    button.wait_for()
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "我的个人数据.xlsx"
    # the downloaded file has no extension, which openpyxl insists on: read the bytes
    wb = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert [ws.title for ws in wb.worksheets][:2] == ["个人信息", "选课记录"]
    record = {row[0]: row[1] for row in wb["个人信息"].iter_rows(min_row=2, values_only=True)}
    assert record["姓名"] == me.name
    assert len(str(record["身份证件号"])) == 18 and "*" not in str(record["身份证件号"])
    page.locator("#zjt-mydata-msg").filter(has_text="已下载").wait_for()
