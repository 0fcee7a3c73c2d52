"""School-based credits (校本研修, CR-1) against the DynamoDB engine: the school registers (one by
one or by xlsx with a report per row), the county bureau approves, rejects or revokes, and each
teacher's school-based credits in a cycle never pass the cap, refused with how many remain."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest

from functions.common import keys, store
from functions.credits.handler import lambda_handler
from tests.integration.test_selection_workflow import more_people  # noqa: F401 (autouse)
from tests.support import world as w
from tests.support.events import FakeContext, call, http_event

CYCLE = "2021-2025"
TODAY = "2024-05-10 10:00"


@pytest.fixture(autouse=True)
def county_bureaus(more_people: None, clock_at: Any) -> None:  # noqa: F811
    clock_at(TODAY)
    w.add_users(w.COUNTY_BUREAU, w.OTHER_COUNTY_BUREAU)


def api(
    method: str,
    path: str,
    sub: str,
    body: Any = None,
    key: str | None = None,
    query: dict[str, str] | None = None,
) -> tuple[int, Any]:
    headers = {"Idempotency-Key": key} if key else None
    event = http_event(method, path, sub=sub, body=body, headers=headers, query=query)
    status, data, _ = call(lambda_handler, event)
    return status, data


def register(
    sub: str, tid: str, credits: int, key: str | None = None, **kw: Any
) -> tuple[int, Any]:
    body = {"teacher_id": tid, "title": "新课标研读", "on": "2024-04-20", "offline": credits, **kw}
    return api("POST", "/api/credits/school-based", sub, body, key)


def decide(sub: str, regs: list[dict[str, Any]], decision: str, reason: str = "") -> list[dict]:
    items = [{"teacher_id": r["teacher_id"], "registration_id": r["registration_id"]} for r in regs]
    s, body = api(
        "POST",
        "/api/credits/school-based/decisions",
        sub,
        {"items": items, "decision": decision, "reason": reason},
    )
    assert s == 200, body
    return list(body["results"])


def totals(tid: str) -> dict[str, int]:
    item = store.get_item(keys.credit_totals(tid, CYCLE), consistent=True) or {}
    return {k: int(item.get(k, 0)) for k in ("total", "school_based", "sb_held", "entries")}


def test_school_registers_and_the_county_bureau_approves_CR_1():
    s, reg = register("p-s1", "t1", 12)
    assert s == 201 and reg["status"] == "pending" and reg["status_text"] == "待审核"
    assert totals("t1") == {"total": 0, "school_based": 0, "sb_held": 12, "entries": 0}
    s, pending = api(
        "GET", "/api/credits/school-based", "bureau-330106", query={"status": "pending"}
    )
    assert [r["registration_id"] for r in pending["registrations"]] == [reg["registration_id"]]
    assert api("GET", "/api/credits/school-based", "bureau-330212")[1]["registrations"] == []
    # Only the county bureau of the teacher's school decides.
    assert not decide("bureau-330212", [reg], "approve")[0]["ok"]
    assert not decide("p-s1", [reg], "approve")[0]["ok"]
    assert decide("bureau-330106", [reg], "approve")[0]["ok"]
    assert totals("t1") == {"total": 12, "school_based": 12, "sb_held": 12, "entries": 1}
    assert decide("bureau-330106", [reg], "approve")[0]["code"] == "registration_decided"
    s, mine = api("GET", "/api/credits/mine", "t1")
    [e] = mine["entries"]
    assert (e["source_text"], e["school_name"], e["credits_total"]) == (
        "校本研修",
        "杭州市西湖区实验小学",
        12,
    )
    msgs = [
        json.loads(i["doc"])
        for i in store.table().scan()["Items"]
        if i.get("kind") == "credits_posted"
    ]
    assert [(m["party"], "12 学分" in m["body"]) for m in msgs] == [("T:t1", True)]


def test_a_teachers_school_based_credits_never_pass_150_in_a_cycle_CR_1():
    assert register("p-s1", "t1", 140)[0] == 201
    s, body = register("a-s1", "t1", 20)
    assert (s, body["code"]) == (409, "school_based_cap")
    assert "还可登记 10 学分" in body["message"] and body["remaining"] == 10
    assert totals("t1")["sb_held"] == 140
    s, ok = register("a-s1", "t1", 10)
    assert s == 201
    assert register("a-s1", "t1", 1)[1]["code"] == "school_based_cap"
    # Rejecting a registration releases what it held.
    assert decide("bureau-330106", [ok], "reject", "材料不全")[0]["ok"]
    assert totals("t1")["sb_held"] == 140
    assert register("a-s1", "t1", 10)[0] == 201
    # Another teacher has her own cap.
    assert register("p-s1", "t2", 150)[0] == 201


def test_reject_and_revoke_need_a_reason_and_revoke_posts_a_reversal_CR_1(clock_at):
    _, reg = register("p-s1", "t1", 30)
    s, body = api(
        "POST",
        "/api/credits/school-based/decisions",
        "bureau-330106",
        {
            "items": [{"teacher_id": "t1", "registration_id": reg["registration_id"]}],
            "decision": "reject",
        },
    )
    assert (s, body["code"]) == (422, "reason_required")
    decide("bureau-330106", [reg], "approve")
    clock_at("2024-05-11 10:00")
    assert decide("bureau-330106", [reg], "revoke", "重复登记")[0]["ok"]
    s, mine = api("GET", "/api/credits/mine", "t1")
    assert [e["credits_total"] for e in mine["entries"]] == [-30, 30]  # newest first
    assert mine["entries"][0]["adjusts"] == mine["entries"][1]["entry_id"]
    assert totals("t1") == {"total": 0, "school_based": 0, "sb_held": 0, "entries": 2}
    # A revoked registration cannot be approved again.
    assert not decide("bureau-330106", [reg], "approve")[0]["ok"]


def test_the_school_withdraws_a_pending_registration_and_only_its_own_teachers():
    _, reg = register("p-s1", "t1", 30)
    assert decide("a-s1", [reg], "withdraw")[0]["ok"]
    assert totals("t1")["sb_held"] == 0
    s, body = register("p-s2", "t1", 5)  # t1 teaches at s1
    assert (s, body["code"]) == (403, "outside_scope")
    assert register("t1", "t1", 5)[0] == 403
    s, body = register("p-s1", "t1", 5, on="2024-06-01")  # not yet held
    assert s == 422 and "晚于今天" in body["message"]
    s, body = register("p-s1", "t1", 5, on="2020-06-01")  # before any cycle
    assert s == 422 and "学分周期" in body["message"]


def test_a_retried_registration_is_registered_once():
    a = register("p-s1", "t1", 20, key="retry-key-0001")
    b = register("p-s1", "t1", 20, key="retry-key-0001")
    assert a[0] == b[0] == 201 and a[1]["registration_id"] == b[1]["registration_id"]
    assert totals("t1")["sb_held"] == 20


def _xlsx(rows: list[list[Any]]) -> str:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["教师编号", "姓名", "研修主题", "研修日期", "学时", "线下学分", "线上学分", "备注"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return base64.b64encode(buf.getvalue()).decode()


def test_a_file_registers_each_row_with_a_report_and_never_twice_CR_1():
    register("p-s1", "t2", 145)
    content = _xlsx(
        [
            ["t1", "王芳", "读书分享", "2024-04-01", 3, 3, 0, ""],
            ["t2", "李强", "听评课", "2024-04-02", 10, 10, 0, ""],
            ["t9", "教师9", "听评课", "2024-04-02", 2, 2, 0, ""],
            ["t3", "陈静", "听评课", "2024-04-02", 2, 2, 0, ""],
            ["t4", "教师4", "听评课", "明天", 2, 2, 0, ""],
            ["t5", "王五", "听评课", "2024-04-02", 2, 2, 0, ""],
        ]
    )
    s, body = api(
        "POST",
        "/api/credits/school-based/imports",
        "p-s1",
        {"file_name": "登记.xlsx", "content_base64": content},
    )
    assert s == 200, body
    by_row = {r["row"]: r for r in body["rows"]}
    assert by_row[2]["ok"] and "3 学分" in by_row[2]["message"]
    assert not by_row[3]["ok"] and "还可登记 5 学分" in by_row[3]["message"]
    assert by_row[4]["ok"]
    assert by_row[5]["message"] == "本校没有这个教师编号"  # t3 teaches at s2
    assert "研修日期" in by_row[6]["message"]
    assert "姓名与教师编号不符" in by_row[7]["message"]
    again = api(
        "POST",
        "/api/credits/school-based/imports",
        "p-s1",
        {"file_name": "登记.xlsx", "content_base64": content},
    )[1]
    assert totals("t1")["sb_held"] == 3  # the same file twice: each row once
    assert again["registered"] == body["registered"]


def test_the_template_lists_the_schools_teachers():
    from openpyxl import load_workbook

    resp = lambda_handler(
        http_event("GET", "/api/credits/school-based/template", sub="a-s1"), FakeContext()
    )
    assert resp["statusCode"] == 200
    ws = load_workbook(io.BytesIO(base64.b64decode(resp["body"]))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("教师编号", "姓名", "研修主题")
    assert {r[0] for r in rows[1:]} >= {"t1", "t2", "t4"} and "t3" not in {r[0] for r in rows[1:]}
