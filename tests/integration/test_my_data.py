"""A teacher downloads her own data as xlsx (个人信息保护法 art. 45): her record, her
selections and her credit ledger, one sheet each; nobody else can download it; the ID number it shows is audited."""

from __future__ import annotations

import base64
import io
import json
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from functions.common import pi_audit, records, store, xlsx
from functions.common.clock import now_local
from functions.credits import store as credits_store
from functions.platform.handler import lambda_handler as platform
from schemas.people import Teacher
from schemas.privacy import mask_id_number
from schemas.records import make_id_number
from tests.integration.test_selection_api import R1, select
from tests.support.credits import entry
from tests.support.events import FakeContext, call, http_event

pytestmark = pytest.mark.usefixtures("world")

ID = make_id_number("330106", date(1988, 4, 9), 41, male=False)


def _with_record(teacher_id: str = "t1", name: str = "王芳") -> Teacher:
    t = records.get_teacher(teacher_id)
    assert t is not None
    full = t.model_copy(update={"id_number": ID, "birth_date": date(1988, 4, 9), "name": name})
    store.put_item(records.teacher_item(full))
    records.clear_cache()
    return full


def _download(sub: str, page: str = "/my/") -> tuple[int, Any, dict[str, str]]:
    """(status, xlsx bytes or the JSON error body, headers)."""
    event = http_event("GET", "/api/me/export", sub=sub, headers={"X-Zjt-Page": page})
    resp = platform(event, FakeContext())
    headers = resp.get("headers") or {}
    if resp["statusCode"] == 200:
        assert resp["isBase64Encoded"] is True
        return 200, base64.b64decode(resp["body"]), headers
    return resp["statusCode"], json.loads(resp["body"]), headers


def _sheets(body: bytes) -> dict[str, list[tuple[Any, ...]]]:
    wb = load_workbook(io.BytesIO(body))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_a_teacher_downloads_her_record_and_selections_as_xlsx(clock_at):
    clock_at(R1)
    teacher = _with_record()
    assert select("t1", "p1-c2")[0] == 201
    status, body, headers = _download("t1")
    assert status == 200, body
    assert headers["Content-Type"] == xlsx.MIME
    assert "attachment" in headers["Content-Disposition"]
    assert headers["Cache-Control"] == "no-store"
    sheets = _sheets(body)
    assert list(sheets) == ["个人信息", "选课记录", "学分记录"]
    record = dict(sheets["个人信息"][1:])
    assert record["姓名"] == teacher.name and record["身份证件号"] == ID
    assert record["出生日期"] == "1988-04-09" and record["学校"] == "杭州市西湖区实验小学"
    selections = sheets["选课记录"]
    assert selections[0][:3] == ("学期", "项目", "班期")
    assert len(selections) == 2 and selections[1][7] == "待学校审核"


def test_the_download_is_audited_as_a_read_of_her_unmasked_id_number(clock_at):
    clock_at(R1)
    _with_record()
    assert _download("t1", page="/my/")[0] == 200
    reads = list(pi_audit.reads_on(now_local().date().isoformat()))
    assert [(r["reader"], r["page"], r["route"], r["subjects"]) for r in reads] == [
        (
            "t1",
            "/my/",
            "GET /api/me/export",
            [{"id_masked": mask_id_number(ID), "name": "王芳", "teacher_id": "t1"}],
        )
    ]


def test_only_a_teacher_can_download_and_only_her_own(clock_at):
    clock_at(R1)
    _with_record()
    status, body, _ = _download("p-s1")
    assert status == 403 and body["code"] == "forbidden"
    status, body, _ = call(platform, http_event("GET", "/api/me/export"))
    assert status == 401
    # t2 gets t2's data, never t1's ID number
    status, body, _ = _download("t2")
    assert status == 200 and ID not in str(_sheets(body))


def test_text_that_looks_like_a_formula_stays_text(clock_at):
    clock_at(R1)
    _with_record(name='=HYPERLINK("http://e.vil/","x")')
    status, body, _ = _download("t1")
    assert status == 200
    wb = load_workbook(io.BytesIO(body))
    ws = wb["个人信息"]
    cell = next(c for row in ws.iter_rows() for c in row if "=HYP" in str(c.value))
    # text, and neutralised as OWASP advises (functions/common/xlsx, issue 11)
    assert cell.data_type == "s" and cell.value == "'" + '=HYPERLINK("http://e.vil/","x")'


def test_the_download_lists_every_credit_entry_of_hers(clock_at):
    clock_at(R1)
    _with_record()
    mine = entry("t1", 24, online=4)
    assert credits_store.post_entry(mine)
    assert credits_store.post_entry(entry("t2", 7))  # someone else's never shows
    status, body, _ = _download("t1")
    assert status == 200
    rows = _sheets(body)["学分记录"]
    assert rows[0][:4] == ("学分周期", "日期", "类别", "内容")
    assert [(r[3], r[5], r[6], r[7]) for r in rows[1:] if r[3] == "测试学分"] == [
        ("测试学分", "4", "20", "24")
    ]
