"""CH-3 done fully and CH-4 on every path: an approved date change moves the enrolled teachers'
days (a clash is told and keeps the days really held), the explanation reaches 我的选课 and the
project page with a withdrawal button, and no change path publishes a timetable late."""

from __future__ import annotations

from datetime import date, timedelta
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


def held_classes_days(tid: str) -> set[str]:
    """The days of the classes the teacher holds, from their selections' dates."""
    out: set[str] = set()
    for i in store.table().scan()["Items"]:
        if i["PK"] == f"TEACHER#{tid}" and i["SK"].startswith("SEL#"):
            if i["status"] in ("pending", "school_approved", "confirmed"):
                a, b = date.fromisoformat(i["start_date"]), date.fromisoformat(i["end_date"])
                out |= {(a + timedelta(days=n)).isoformat() for n in range((b - a).days + 1)}
    return out


def view_of(tid: str, cid: str) -> dict[str, Any]:
    s, mine = sel_api("GET", "/api/selections", tid)
    return dict(next(v for v in mine["selections"] if v["class_id"] == cid))


def test_new_dates_that_clash_are_told_and_the_teacher_holds_the_days_of_both_CH_3(clock_at):
    pid = published(clock_at, leader=73)
    clock_at(R1)
    select("t1", f"{pid}-c1")  # 05-10 … 05-12
    select("t1", "p4-c1")  # 07-01 … 07-02

    change_dates(pid, "2024-07-01", "2024-07-03", clock_at, "2024-04-05 10:00")

    # The days held are the days of the classes held: the old May days are free again.
    assert load_days("t1") == {"2024-07-01", "2024-07-02", "2024-07-03"} == held_classes_days("t1")
    view = view_of("t1", f"{pid}-c1")
    assert view["clash_with"] and "冲突" in view["next_step"] and view["may_withdraw"]
    assert (view["start_date"], view["end_date"]) == ("2024-07-01", "2024-07-03")
    told = [m for m in messages(teacher_party("t1")) if "冲突" in m.title]
    assert len(told) == 1 and "7月1日" in told[0].body
    # Withdrawing the changed class frees only the day the other class does not hold.
    assert withdraw("t1", f"{pid}-c1")[0] == 200
    assert load_days("t1") == {"2024-07-01", "2024-07-02"} == held_classes_days("t1")


def test_a_clash_resolved_by_leaving_the_other_class_keeps_the_moved_days_held_CH_3(clock_at):
    pid = published(clock_at, leader=77)
    clock_at(R1)
    select("t1", f"{pid}-c1")  # 05-10 … 05-12
    select("t1", "p4-c1")  # 07-01 … 07-02
    change_dates(pid, "2024-07-01", "2024-07-03", clock_at, "2024-03-21 10:00")
    assert view_of("t1", f"{pid}-c1")["clash_with"]

    assert withdraw("t1", "p4-c1")[0] == 200  # round 1 is open: the other class is left

    # The changed class still holds all its days (before, 07-01/07-02 were freed with p4).
    assert load_days("t1") == {"2024-07-01", "2024-07-02", "2024-07-03"} == held_classes_days("t1")
    view = view_of("t1", f"{pid}-c1")
    assert not view["clash_with"] and "冲突" not in view["next_step"]
    # The days are really held: another class on them clashes; after leaving, nothing is held.
    s, err = sel_api("POST", "/api/selections", "t1", {"class_id": "p4-c1"})
    assert (s, err["code"]) == (409, "date_clash")
    assert withdraw("t1", f"{pid}-c1")[0] == 200
    assert load_days("t1") == set() == held_classes_days("t1")


def test_two_clashing_classes_left_at_once_free_every_day_CH_3(clock_at, monkeypatch):
    """The second withdrawal reads the teacher's state before the first commits; the load's days
    read are still the same when it writes, but the classes behind them are not: its write fails
    and is computed again (otherwise the days of both would stay held with no class)."""
    from functions.selection import store as sel_store

    pid = published(clock_at, leader=79)
    clock_at(R1)
    select("t1", f"{pid}-c1")  # 05-10 … 05-12
    select("t1", "p4-c1")  # 07-01 … 07-02
    change_dates(pid, "2024-07-01", "2024-07-02", clock_at, "2024-03-21 10:00")
    assert load_days("t1") == {"2024-07-01", "2024-07-02"}  # both classes, the same two days
    real = sel_store._teacher_state
    interleaved: list[int] = []

    def read_then_let_the_other_withdrawal_commit(tid: str, term: str) -> Any:
        state = real(tid, term)
        if not interleaved:
            interleaved.append(1)
            assert withdraw("t1", "p4-c1")[0] == 200
        return state

    monkeypatch.setattr(sel_store, "_teacher_state", read_then_let_the_other_withdrawal_commit)
    assert withdraw("t1", f"{pid}-c1")[0] == 200

    assert interleaved
    assert load_days("t1") == set() == held_classes_days("t1")
    load = store.get_item(keys.teacher_term("t1", "2024H1"), consistent=True)
    assert int(load["held"]) == 0


def test_a_clash_whose_message_fails_moves_nothing_and_approving_again_finishes_CH_3(clock_at):
    pid = published(clock_at, leader=78)
    clock_at(R1)
    select("t1", f"{pid}-c1")  # 05-10 … 05-12
    select("t1", "p4-c1")  # 07-01 … 07-02
    change = file_dates(pid, "2024-07-01", "2024-07-03")
    clock_at("2024-04-05 10:00")

    with failing_messages(fanouts=False) as failed:
        s, _ = approve(pid, change)

    assert failed and s >= 500
    # The teacher's move did not happen, nor its message: the old days are still held.
    assert load_days("t1") == {"2024-05-10", "2024-05-11", "2024-05-12", "2024-07-01", "2024-07-02"}
    assert load_days("t1") == held_classes_days("t1")
    assert not view_of("t1", f"{pid}-c1")["clash_with"]
    assert not [m for m in messages(teacher_party("t1")) if "冲突" in m.title]

    s, body = approve(pid, change)  # the bureau tries again: the moves are finished

    assert s == 200 and body["status"] == "approved", body
    assert load_days("t1") == {"2024-07-01", "2024-07-02", "2024-07-03"} == held_classes_days("t1")
    assert len([m for m in messages(teacher_party("t1")) if "冲突" in m.title]) == 1
    assert [m.kind.value for m in messages(teacher_party("t1"))].count("class_changed") == 2


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
