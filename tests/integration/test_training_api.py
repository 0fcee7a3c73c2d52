"""The training weeks over the API against the DynamoDB engine: check-in by rotating QR code and
from the roster (PH-TRAIN), attendance per session on a phone and by xlsx through the worker,
completion proposed, decided, corrected and audited, non-completion reports to school and
bureau (QA-2), and cancelled classes (SE-2)."""

from __future__ import annotations

import base64
import io
from datetime import datetime, timedelta
from typing import Any

import pytest

from functions.common import keys, store
from functions.training import rules
from functions.training.handler import lambda_handler
from schemas.calendar import SHANGHAI, term_calendar
from tests.integration.test_selection_workflow import (
    R1,
    R1_RECHECK,
    R1_SCHOOL,
    R2,
    more_people,  # noqa: F401 (autouse fixture: the extra teachers and staff)
    recheck,
    review,
    select,
    status_of,
)
from tests.support.events import FakeContext, call, http_event

DAY1 = "2024-04-08 09:10"  # p1-c1 runs 04-08 … 04-10; its one session is 04-08 09:00-11:30
SESSION = "2024-04-08T0900"
AFTER = "2024-04-11 09:00"  # the class is over: completion may be decided


def messages(kind: str) -> list[tuple[str, str]]:
    """(party, title) of every message of `kind` in the outbox (written with its change)."""
    import json

    return sorted(
        (json.loads(i["doc"])["party"], json.loads(i["doc"])["title"])
        for i in store.table().scan()["Items"]
        if i.get("kind") == kind
    )


def api(method: str, path: str, sub: str, body: Any = None, route: str | None = None, **kw: Any):
    status, data, headers = call(
        lambda_handler, http_event(method, path, sub=sub, body=body, route=route, **kw)
    )
    return status, data


def cls(path: str, cid: str = "p1-c1") -> tuple[str, str, dict[str, str]]:
    return (
        f"/api/training/classes/{cid}{path}",
        f"/api/training/classes/{{class_id}}{path}",
        {"class_id": cid},
    )


def inst(method: str, path: str, body: Any = None, cid: str = "p1-c1", sub: str = "inst-zjnu"):
    p, route, params = cls(path, cid)
    return api(method, p, sub, body, route=route, path_params=params)


@pytest.fixture
def confirmed(clock_at: Any) -> list[str]:
    """t1 and t2 hold confirmed seats in p1-c1 (capacity 2) after round 1."""
    clock_at(R1)
    assert select("t1", "p1-c1")[0] == 201
    assert select("t2", "p1-c1")[0] == 201
    clock_at(R1_SCHOOL)
    review("p-s1", [("t1", "p1-c1"), ("t2", "p1-c1")], "approve")
    clock_at(R1_RECHECK)
    recheck("inst-zjnu", [("t1", "p1-c1"), ("t2", "p1-c1")], "confirm")
    return ["t1", "t2"]


def current_code(clock_at: Any, at: str) -> str:
    clock_at(at)
    s, body = inst("GET", "/checkin/code")
    assert s == 200, body
    assert body["svg"].startswith("<svg") and f"c=p1-c1&k={body['code']}" in body["url"]
    return str(body["code"])


def checkin(tid: str, code: str) -> tuple[int, dict[str, Any]]:
    return api("POST", "/api/training/checkin", tid, {"class_id": "p1-c1", "code": code})


def test_teacher_checks_in_by_the_rotating_code_once_PH_TRAIN(clock_at, confirmed):
    clock_at(DAY1)
    assert inst("POST", "/checkin", {"open": True})[0] == 200
    code = current_code(clock_at, DAY1)

    s, first = checkin("t1", code)
    assert (s, first["first_time"]) == (200, True) and "报到成功" in first["message"]
    s, again = checkin("t1", "000000")  # the first answer again, whatever the code
    assert (s, again["first_time"], again["checked_in_at"]) == (
        200,
        False,
        first["checked_in_at"],
    )
    s, roster = inst("GET", "")
    row = next(r for r in roster["rows"] if r["teacher_id"] == "t1")
    assert row["checked_in_at"] and row["checkin_by"] == "qr"
    assert roster["summary"]["checked_in"] == 1


def test_a_photographed_code_stops_working_within_a_minute_PH_TRAIN(clock_at, confirmed):
    clock_at(DAY1)
    inst("POST", "/checkin", {"open": True})
    code = current_code(clock_at, "2024-04-08 09:10:00")
    clock_at("2024-04-08 09:11:05")  # two steps of 30 s later
    s, body = checkin("t2", code)
    assert (s, body["code"]) == (409, "code_expired")
    clock_at("2024-04-08 09:10:35")  # the next step still accepts the previous one
    assert checkin("t2", code)[0] == 200


def test_check_in_refusals_have_clear_codes_PH_TRAIN(clock_at, confirmed):
    clock_at(DAY1)
    s, body = checkin("t1", "123456")
    assert (s, body["code"]) == (409, "checkin_closed")
    inst("POST", "/checkin", {"open": True})
    code = current_code(clock_at, DAY1)
    assert checkin("t4", code)[1]["code"] == "not_enrolled"
    store.table().update_item(
        Key=keys.selection("t2", "2024H1", "p1-c1"),
        UpdateExpression="SET #s = :a",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":a": "school_approved"},
    )
    assert checkin("t2", code)[1]["code"] == "not_confirmed"
    code = current_code(clock_at, "2024-04-12 09:00")
    assert checkin("t1", code)[1]["code"] == "outside_class_days"


def test_the_institution_checks_in_teachers_without_a_phone_from_the_roster(clock_at, confirmed):
    clock_at(DAY1)
    s, body = inst("POST", "/checkins", {"teacher_ids": ["t1", "t4"]})
    assert s == 200
    assert [(r["teacher_id"], r["ok"]) for r in body["results"]] == [("t1", True), ("t4", False)]
    s, roster = inst("GET", "")
    assert next(r for r in roster["rows"] if r["teacher_id"] == "t1")["checkin_by"] == "inst-zjnu"


def test_attendance_proposes_the_outcome_and_completion_reports_non_completion_QA_2(
    clock_at, confirmed
):
    clock_at(DAY1)
    s, body = inst(
        "POST",
        "/attendance",
        {
            "session": SESSION,
            "items": [
                {"teacher_id": "t1", "mark": "late"},
                {"teacher_id": "t2", "mark": "leave"},
            ],
        },
    )
    assert [r["ok"] for r in body["results"]] == [True, False]  # a leave needs its reason
    inst(
        "POST",
        "/attendance",
        {"session": SESSION, "items": [{"teacher_id": "t2", "mark": "leave", "reason": "病假"}]},
    )
    clock_at(AFTER)
    s, roster = inst("GET", "")
    proposals = {r["teacher_id"]: r["proposal"]["outcome"] for r in roster["rows"]}
    assert proposals == {"t1": "pass", "t2": "fail"} and roster["may_decide"]

    s, body = inst(
        "POST",
        "/completion",
        {
            "items": [
                {"teacher_id": "t1", "outcome": "pass"},
                {"teacher_id": "t2", "outcome": "fail"},
            ]
        },
    )
    assert [r["ok"] for r in body["results"]] == [True, True], body
    done = store.get_item(keys.completion("p1-c1", "t2"), consistent=True)
    assert done["outcome"] == "fail" and "不足" in done["reason"]

    # QA-2: reported to the school and the county bureau at once, with the reason.
    s, school = api("GET", "/api/training/noncompletion", "p-s1")
    assert [r["teacher_name"] for r in school["rows"]] == ["李强"]
    assert "不足" in school["rows"][0]["reason"]
    s, bureau = api("GET", "/api/training/noncompletion", "bureau-330000")
    assert [r["teacher_id"] for r in bureau["rows"]] == ["t2"]
    s, other = api("GET", "/api/training/noncompletion", "p-s2")
    assert other["rows"] == []
    s, other_city = api("GET", "/api/training/noncompletion", "bureau-330200")
    assert other_city["rows"] == []
    # Told through the outbox in the decision's own write: each teacher, and for 不合格 the
    # school and the county bureau.
    assert [p for p, _ in messages("completion_decided")] == ["T:t1", "T:t2"]
    assert [p for p, _ in messages("non_completion")] == ["R:330106", "S:s1"]


def test_override_and_correction_need_a_reason_and_are_audited_CH_5_style(clock_at, confirmed):
    clock_at(AFTER)
    s, body = inst("POST", "/completion", {"items": [{"teacher_id": "t1", "outcome": "pass"}]})
    assert body["results"][0]["code"] == "reason_required"  # the proposal is 不合格 (no-show)
    body = inst(
        "POST",
        "/completion",
        {"items": [{"teacher_id": "t1", "outcome": "pass", "reason": "补课已完成"}]},
    )[1]
    assert body["results"][0]["ok"]
    body = inst("POST", "/completion", {"items": [{"teacher_id": "t1", "outcome": "fail"}]})[1]
    assert body["results"][0]["code"] == "reason_required"
    body = inst(
        "POST",
        "/completion",
        {"items": [{"teacher_id": "t1", "outcome": "fail", "reason": "补课材料不实"}]},
    )[1]
    assert body["results"][0]["ok"]
    done = store.get_item(keys.completion("p1-c1", "t1"), consistent=True)
    assert done["version"] == 2 and [h["event"] for h in done["history"]] == ["认定", "更正"]
    audit = [
        i
        for i in store.table().scan()["Items"]
        if i["PK"] == "PROJECT#p1" and i["SK"].startswith("AUDIT#")
    ]
    assert {a["doc"].split('"event":"')[1].split('"')[0] for a in audit} == {
        "completion_decided",
        "completion_corrected",
    }


def test_after_the_deadline_only_the_responsible_bureau_corrects_QA_2(clock_at, confirmed):
    cal = term_calendar("2024H1")
    deadline = datetime(2024, 4, 10, tzinfo=SHANGHAI) + timedelta(
        days=cal.training.completion_deadline_days + 1
    )
    clock_at(f"{deadline:%Y-%m-%d} 09:00")
    s, body = inst("POST", "/completion", {"items": [{"teacher_id": "t1", "outcome": "fail"}]})
    assert (s, body["code"]) == (409, "outside_window")
    s, body = inst(
        "POST",
        "/completion",
        {"items": [{"teacher_id": "t1", "outcome": "fail", "reason": "逾期补认定"}]},
        sub="bureau-330000",
    )
    assert s == 200 and body["results"][0]["ok"], body
    s, body = inst(
        "POST",
        "/completion",
        {"items": [{"teacher_id": "t1", "outcome": "pass", "reason": "x"}]},
        sub="bureau-330200",
    )
    assert s == 404


def test_attendance_workbook_round_trip_with_a_per_row_report(clock_at, confirmed):
    from openpyxl import load_workbook

    clock_at(DAY1)
    p, route, params = cls("/attendance/template")
    resp = lambda_handler(
        http_event("GET", p, sub="inst-zjnu", route=route, path_params=params), FakeContext()
    )
    raw = base64.b64decode(resp["body"])
    wb = load_workbook(io.BytesIO(raw))
    ws = wb.worksheets[0]
    assert ws["A1"].value == "班期编号" and ws["B1"].value == "p1-c1"
    assert ws.cell(2, 4).value.startswith("2024-04-08 09:00-11:30")
    ws.cell(3, 4).value = "出勤"
    ws.cell(4, 4).value = "请假"  # no reason: rejected
    ws.append(["t9", "不存在", "", "出勤"])
    buf = io.BytesIO()
    wb.save(buf)
    s, job = api(
        "POST",
        "/api/training/imports",
        "inst-zjnu",
        {
            "kind": "attendance",
            "file_name": "考勤.xlsx",
            "content_base64": base64.b64encode(buf.getvalue()).decode(),
        },
    )
    assert s == 202 and job["status"] == "done", job
    assert (job["accepted"], job["rejected"]) == (1, 2)
    s, report = api(
        "GET",
        f"/api/training/imports/{job['job_id']}",
        "inst-zjnu",
        route="/api/training/imports/{job_id}",
        path_params={"job_id": job["job_id"]},
    )
    assert {r["row"] for r in report["rejected"]} == {4, 5}
    s, roster = inst("GET", "")
    marks = {r["teacher_id"]: r["marks"] for r in roster["rows"]}
    assert marks["t1"][SESSION]["mark"] == "present"


def test_the_teacher_sees_attendance_and_the_result_with_reasons(clock_at, confirmed):
    clock_at(DAY1)
    inst(
        "POST",
        "/attendance",
        {"session": SESSION, "items": [{"teacher_id": "t2", "mark": "absent"}]},
    )
    clock_at(AFTER)
    inst("POST", "/completion", {"items": [{"teacher_id": "t2", "outcome": "fail"}]})
    s, mine = api("GET", "/api/training/mine", "t2")
    c = mine["classes"][0]
    assert c["sessions"][0]["mark_text"] == "缺勤"
    assert (c["outcome_text"], c["outcome_reason"]) == ("不合格", c["proposal"]["reasons"][0])


# --- cancelled classes (取消办班, SE-2) ------------------------------------------------------


def test_a_class_below_its_minimum_is_cancelled_and_its_teachers_select_in_round_2_SE_2(
    clock_at, confirmed
):
    clock_at("2024-03-30 18:00")  # after round 1's recheck, before round 2
    s, body = inst("POST", "/cancel", {"reason": "报名人数不足"}, sub="bureau-330000")
    assert s == 200 and body["released"] == 2, body
    for tid in ("t1", "t2"):
        assert status_of(tid, "p1-c1") == "cancelled"
        load = store.get_item(keys.teacher_term(tid, "2024H1"), consistent=True)
        assert int(load["held"]) == 0 and not load.get("days") and load["r1"]
    assert int(store.get_item(keys.class_seats("p1-c1"), consistent=True)["held"]) == 0
    # The class takes nobody any more; its teachers select elsewhere in round 2 (SE-2).
    clock_at(R2)
    s, err = select("t4", "p1-c1")
    assert (s, err["code"]) == (409, "class_cancelled")
    assert select("t1", "p2-c1")[0] == 201
    s, mine = api("GET", "/api/training/mine", "t1")
    assert mine["classes"][0]["cancelled"] and "报名人数不足" in mine["classes"][0]["cancel_reason"]
    assert [p for p, _ in messages("class_cancelled")] == ["T:t1", "T:t2"]
    # Again: nothing left to do, still answered.
    clock_at("2024-03-30 19:00")
    s, body = inst("POST", "/cancel", {"reason": "报名人数不足"}, sub="bureau-330000")
    assert s == 200 and body["released"] == 0


def test_cancellation_window_minimum_and_bureau_are_enforced_SE_2(clock_at, confirmed, monkeypatch):
    clock_at(R2)
    s, body = inst("POST", "/cancel", {"reason": "人数不足"}, sub="bureau-330000")
    assert (s, body["code"]) == (409, "outside_window")
    clock_at("2024-03-30 18:00")
    monkeypatch.setattr(rules, "min_size", lambda info, tr: 2)
    s, body = inst("POST", "/cancel", {"reason": "人数不足"}, sub="bureau-330000")
    assert (s, body["code"]) == (409, "class_above_minimum")
    s, body = inst("POST", "/cancel", {"reason": "人数不足"}, sub="inst-zjnu")
    assert s == 403


def test_online_hours_are_imported_from_the_online_platforms_file(clock_at, confirmed):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["班期编号", "教师编号", "身份证件号", "姓名", "线上学时"])
    ws.append(["p1-c1", "t1", "", "王芳", 12.5])
    ws.append(["p1-c1", "t2", "", "李强", "很多"])
    ws.append(["p1-c1", "t9", "", "无此人", 3])
    buf = io.BytesIO()
    wb.save(buf)
    clock_at(DAY1)
    s, job = api(
        "POST",
        "/api/training/imports",
        "inst-zjnu",
        {
            "kind": "online",
            "file_name": "线上学时.xlsx",
            "content_base64": base64.b64encode(buf.getvalue()).decode(),
        },
    )
    assert s == 202 and (job["accepted"], job["rejected"]) == (1, 2), job
    s, roster = inst("GET", "")
    hours = {r["teacher_id"]: r["online_hours"] for r in roster["rows"]}
    assert hours == {"t1": 12.5, "t2": None}
    # Another institution cannot import into this class.
    s, job = api(
        "POST",
        "/api/training/imports",
        "inst-other",
        {
            "kind": "online",
            "file_name": "线上学时.xlsx",
            "content_base64": base64.b64encode(buf.getvalue()).decode(),
        },
    )
    assert job["accepted"] == 0


def test_class_lists_for_the_institution_and_the_bureau(clock_at, confirmed):
    clock_at("2024-03-30 18:00")
    s, mine = api("GET", "/api/training/classes", "inst-zjnu")
    row = next(c for c in mine["classes"] if c["class_id"] == "p1-c1")
    assert (row["confirmed"], row["stage"], row["min_size"]) == (2, "upcoming", 10)
    assert api("GET", "/api/training/classes", "inst-other")[1]["classes"] == []
    s, listed = api("GET", "/api/training/bureau/classes", "bureau-330000")
    small = {c["class_id"]: c for c in listed["classes"] if c["cancellable"]}
    assert small["p1-c1"]["confirmed"] == 2  # below the minimum of 10: the bureau may cancel
    assert api("GET", "/api/training/bureau/classes", "t1")[0] == 403
