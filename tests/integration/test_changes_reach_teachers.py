"""CH-3 done fully and CH-4 on every path: an approved date change moves the enrolled teachers'
days (a clash is told and keeps the days really held), the explanation reaches 我的选课 and the
project page with a withdrawal button, and no change path publishes a timetable late."""

from __future__ import annotations

from typing import Any

from functions.common import catalog, keys, store
from functions.selection.handler import lambda_handler as selection_handler
from schemas.notify import teacher_party
from tests.integration.test_projects_api import api, published, pworld  # noqa: F401
from tests.support.events import call, http_event
from tests.support.notify import failing_messages, messages

R1 = "2024-03-20 10:00"


def sel_api(method: str, path: str, sub: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
    status, data, _ = call(selection_handler, http_event(method, path, sub=sub, body=body, **kw))
    return status, data


def select(sub: str, cid: str) -> None:
    s, body = sel_api("POST", "/api/selections", sub, {"class_id": cid})
    assert s == 201, body


def withdraw(sub: str, cid: str) -> tuple[int, Any]:
    return sel_api(
        "DELETE",
        f"/api/selections/{cid}",
        sub,
        route="/api/selections/{class_id}",
        path_params={"class_id": cid},
    )


def load_days(tid: str) -> set[str]:
    item = store.get_item(keys.teacher_term(tid, "2024H1"), consistent=True) or {}
    return set(item.get("days", set()))


def file_dates(pid: str, start: str, end: str) -> dict[str, Any]:
    s, c = api(
        "POST",
        f"/api/projects/{pid}/changes",
        "inst-zjnu",
        {
            "kind": "dates",
            "class_id": f"{pid}-c1",
            "start_date": start,
            "end_date": end,
            "what": "班期调整日期",
            "why": "与全市统考冲突",
        },
    )
    assert s == 201, c
    return dict(c)


def approve(pid: str, change: dict[str, Any]) -> tuple[int, Any]:
    return api(
        "POST",
        f"/api/changes/{pid}/{change['change_id']}/decision",
        "bureau-330000",
        {"approve": True, "note": "已核实"},
    )


def change_dates(pid: str, start: str, end: str, clock_at: Any, approve_at: str) -> dict:
    s, c = api(
        "POST",
        f"/api/projects/{pid}/changes",
        "inst-zjnu",
        {
            "kind": "dates",
            "class_id": f"{pid}-c1",
            "start_date": start,
            "end_date": end,
            "what": "班期调整日期",
            "why": "与全市统考冲突",
        },
    )
    assert s == 201, c
    clock_at(approve_at)
    s, d = api(
        "POST",
        f"/api/changes/{pid}/{c['change_id']}/decision",
        "bureau-330000",
        {"approve": True, "note": "已核实"},
    )
    return {**d, "http": s}


def test_approved_date_change_moves_the_teachers_days_and_a_withdrawal_frees_them_CH_3(
    clock_at,
):
    pid = published(clock_at, leader=71)
    clock_at(R1)
    select("t1", f"{pid}-c1")  # 05-10 … 05-12
    assert load_days("t1") == {"2024-05-10", "2024-05-11", "2024-05-12"}

    d = change_dates(pid, "2024-05-20", "2024-05-22", clock_at, "2024-04-05 10:00")

    assert d["http"] == 200 and d["rights_opened"] == 1
    assert load_days("t1") == {"2024-05-20", "2024-05-21", "2024-05-22"}
    sel = store.get_item(keys.selection("t1", "2024H1", f"{pid}-c1"), consistent=True)
    assert (sel["start_date"], sel["end_date"]) == ("2024-05-20", "2024-05-22")
    doc = next(p for p in catalog.published_projects("2024H1") if p.project_id == pid)
    assert doc.classes[0].timetable[0].day.isoformat() == "2024-05-20"  # sessions moved too
    assert [n.what for n in doc.notices] == ["班期调整日期"]  # shown on the project page

    s, mine = sel_api("GET", "/api/selections", "t1")
    view = next(v for v in mine["selections"] if v["class_id"] == f"{pid}-c1")
    assert "与全市统考冲突" in view["change_notice"] and "已核实" in view["change_notice"]
    assert view["may_withdraw"] is True

    assert withdraw("t1", f"{pid}-c1")[0] == 200
    assert load_days("t1") == set()


def test_an_approved_change_whose_message_fails_changes_nothing_and_a_retry_tells_once_CH_3(
    clock_at,
):
    pid = published(clock_at, leader=76)
    clock_at(R1)
    select("t1", f"{pid}-c1")  # 05-10 … 05-12
    change = file_dates(pid, "2024-05-20", "2024-05-22")
    clock_at("2024-04-05 10:00")

    with failing_messages() as failed:
        s, _ = approve(pid, change)

    assert failed and s >= 400
    # Not applied: the class, the teacher's selection and days, the right, the message.
    assert "2024-05-20" not in store.get_item(keys.class_meta(f"{pid}-c1"))["doc"]
    sel = store.get_item(keys.selection("t1", "2024H1", f"{pid}-c1"), consistent=True)
    assert (sel["start_date"], sel["end_date"]) == ("2024-05-10", "2024-05-12")
    assert load_days("t1") == {"2024-05-10", "2024-05-11", "2024-05-12"}
    assert store.get_item(keys.withdrawal_right("t1", "2024H1", pid)) is None
    assert messages(teacher_party("t1")) == []

    s, body = approve(pid, change)

    assert s == 200 and body["rights_opened"] == 1, body
    assert [m.kind.value for m in messages(teacher_party("t1"))] == ["class_changed"]
    assert load_days("t1") == {"2024-05-20", "2024-05-21", "2024-05-22"}
    assert store.get_item(keys.withdrawal_right("t1", "2024H1", pid)) is not None


def test_confirmed_seat_gets_the_withdrawal_button_with_a_right_CH_3(clock_at):
    pid = published(clock_at, leader=72)
    clock_at(R1)
    select("t1", f"{pid}-c1")
    store.table().update_item(
        Key=keys.selection("t1", "2024H1", f"{pid}-c1"),
        UpdateExpression="SET #s = :c",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":c": "confirmed"},
    )
    clock_at("2024-04-05 10:00")
    s, mine = sel_api("GET", "/api/selections", "t1")
    assert (
        next(v for v in mine["selections"] if v["class_id"] == f"{pid}-c1")["may_withdraw"] is False
    )
    change_dates(pid, "2024-05-20", "2024-05-22", clock_at, "2024-04-05 11:00")
    s, mine = sel_api("GET", "/api/selections", "t1")
    assert next(v for v in mine["selections"] if v["class_id"] == f"{pid}-c1")["may_withdraw"]
    s, body = withdraw("t1", f"{pid}-c1")
    assert (s, body["status"]) == (200, "withdrawn")


def test_new_dates_that_clash_are_told_and_the_days_really_held_are_released_CH_3(clock_at):
    pid = published(clock_at, leader=73)
    clock_at(R1)
    select("t1", f"{pid}-c1")  # 05-10 … 05-12
    select("t1", "p4-c1")  # 07-01 … 07-02

    change_dates(pid, "2024-07-01", "2024-07-03", clock_at, "2024-04-05 10:00")

    # The load keeps the days held (no double booking of 07-01/07-02).
    assert load_days("t1") == {"2024-05-10", "2024-05-11", "2024-05-12", "2024-07-01", "2024-07-02"}
    s, mine = sel_api("GET", "/api/selections", "t1")
    view = next(v for v in mine["selections"] if v["class_id"] == f"{pid}-c1")
    assert view["clash_with"] and "冲突" in view["next_step"] and view["may_withdraw"]
    assert view["moved_start_date"] == "2024-07-01"
    # Withdrawing the changed class releases the days it held, not the new ones.
    assert withdraw("t1", f"{pid}-c1")[0] == 200
    assert load_days("t1") == {"2024-07-01", "2024-07-02"}


def test_a_timetable_change_inside_5_days_is_refused_like_its_publication_CH_4(clock_at):
    pid = published(clock_at, leader=74)
    session = {"day": "2024-05-10", "start": "14:00", "end": "16:00", "topic": "分组研讨"}
    body = {
        "kind": "timetable",
        "class_id": f"{pid}-c1",
        "timetable": [session],
        "what": "调整课程",
        "why": "专家时间变化",
    }
    clock_at("2024-05-07 10:00")  # the class opens 05-10: 3 days ahead
    s, err = api("POST", f"/api/projects/{pid}/changes", "inst-zjnu", body)
    assert (s, err["code"]) == (409, "timetable_too_late")
    doc = next(p for p in catalog.published_projects("2024H1") if p.project_id == pid)
    assert doc.classes[0].timetable[0].topic == "开班讲座"

    clock_at("2024-05-05 10:00")  # 5 days ahead: in time
    s, c = api("POST", f"/api/projects/{pid}/changes", "inst-zjnu", body)
    assert s == 201 and c["status"] == "applied"


def test_a_date_change_cannot_move_a_class_to_within_5_days_CH_4(clock_at):
    pid = published(clock_at, leader=75)
    clock_at("2024-04-20 10:00")
    body = {
        "kind": "dates",
        "class_id": f"{pid}-c1",
        "start_date": "2024-04-23",
        "end_date": "2024-04-25",
        "what": "提前开班",
        "why": "场地",
    }
    s, err = api("POST", f"/api/projects/{pid}/changes", "inst-zjnu", body)
    assert (s, err["code"]) == (409, "timetable_too_late")
    # Filed in time but approved too late: refused at approval as well.
    clock_at("2024-04-10 10:00")
    s, c = api("POST", f"/api/projects/{pid}/changes", "inst-zjnu", body)
    assert s == 201
    clock_at("2024-04-20 10:00")
    s, err = api(
        "POST", f"/api/changes/{pid}/{c['change_id']}/decision", "bureau-330000", {"approve": True}
    )
    assert (s, err["code"]) == (409, "timetable_too_late")
