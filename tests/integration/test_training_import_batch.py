"""The attendance import writes its rows in batches (100 updates to a TransactWriteItems)
that are exactly the rows one by one: a check-in or another session's mark written before
stays, a teacher listed twice is one update, a refused row writes nothing (PH-TRAIN)."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest

from functions.common import store as table_store
from functions.training import store
from tests.integration import test_training_api as training
from tests.integration.test_training_api import (
    DAY1,
    SESSION,
    api,
    cls,
    inst,
    more_people,  # noqa: F401 (autouse fixture: the extra teachers and staff)
)
from tests.support.events import FakeContext, http_event

confirmed = training.confirmed  # the fixture: t1 and t2 hold confirmed seats in p1-c1


def template() -> Any:
    from openpyxl import load_workbook

    from functions.training.handler import lambda_handler

    p, route, params = cls("/attendance/template")
    resp = lambda_handler(
        http_event("GET", p, sub="inst-zjnu", route=route, path_params=params), FakeContext()
    )
    return load_workbook(io.BytesIO(base64.b64decode(resp["body"])))


def upload(wb: Any) -> dict[str, Any]:
    buf = io.BytesIO()
    wb.save(buf)
    body = {
        "kind": "attendance",
        "file_name": "考勤.xlsx",
        "content_base64": base64.b64encode(buf.getvalue()).decode(),
    }
    s, job = api("POST", "/api/training/imports", "inst-zjnu", body)
    assert s == 202 and job["status"] == "done", job
    return job


def test_an_imported_batch_keeps_what_was_written_before_and_merges_a_repeated_teacher(
    clock_at, confirmed, monkeypatch: pytest.MonkeyPatch
):
    clock_at(DAY1)
    assert inst("POST", "/checkins", {"teacher_ids": ["t1"]})[0] == 200
    wb = template()
    ws = wb.worksheets[0]
    ws.cell(3, 4).value = "迟到"  # t1
    ws.cell(4, 4).value = "请假：病假"  # t2
    ws.append(["t1", "", "", "出勤"])  # t1 again: the later row wins, one update
    ws.append(["t9", "不存在", "", "出勤"])  # refused
    writes: list[int] = []
    real = table_store.transact_write

    def counted(items: list[dict[str, Any]], token: str | None = None) -> None:
        writes.append(len(items))
        real(items, token)

    monkeypatch.setattr(table_store, "transact_write", counted)
    job = upload(wb)

    assert (job["accepted"], job["rejected"]) == (3, 1)
    assert writes == [2]  # t1 and t2 in one transaction
    t1 = store.get_attendance("p1-c1", "t1")
    t2 = store.get_attendance("p1-c1", "t2")
    assert t1 is not None and t1.checked_in_at is not None  # the check-in stays
    assert t1.marks[SESSION].mark == "present"
    assert t2 is not None and (t2.marks[SESSION].mark, t2.marks[SESSION].reason) == (
        "leave",
        "病假",
    )


def test_a_single_row_import_is_one_update_item(clock_at, confirmed, monkeypatch):
    clock_at(DAY1)
    wb = template()
    wb.worksheets[0].cell(3, 4).value = "出勤"
    updates: list[str] = []
    real = store.set_marks

    def counted(cid: str, tid: str, marks: Any) -> None:
        updates.append(tid)
        real(cid, tid, marks)

    monkeypatch.setattr(store, "set_marks", counted)
    job = upload(wb)
    assert job["accepted"] == 1 and updates == ["t1"]
