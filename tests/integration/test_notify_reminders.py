"""Deadline reminders (五(一)) against the DynamoDB engine (moto): who is reminded, once per
firing and recipient even when the job runs twice or dies halfway, the bureaus' digests, and the
phase job that fires them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from functions.common import catalog, outbox, store
from functions.notify import remind
from functions.phases import service as phases
from functions.selection.handler import lambda_handler as selection_handler
from schemas.calendar import SHANGHAI, term_calendar
from schemas.notify import bureau_party, institution_party, school_party, teacher_party
from tests.support import world as w
from tests.support.events import call, http_event
from tests.support.notify import messages

pytestmark = pytest.mark.usefixtures("world")
CAL = term_calendar("2024H1")


def fire(reminder_id: str, seconds_left: Any = lambda: 1000.0) -> remind.RemindResult:
    """The phase job's start, with each fanned-out run done inline."""
    r = CAL.reminder(reminder_id)
    at = r.fire_times(CAL)[0]
    total = remind.RemindResult()

    def invoke(ev: dict[str, Any]) -> None:
        res = remind.run("2024H1", reminder_id, at, ev["parts"], seconds_left, lambda rest: None)
        total.messages += res.messages
        total.parts_done += res.parts_done
        total.parts_skipped += res.parts_skipped
        total.remaining += res.remaining

    total.runs_started = remind.start("2024H1", reminder_id, at, invoke)
    return total


def select(tid: str, cid: str) -> None:
    s, body, _ = call(
        selection_handler, http_event("POST", "/api/selections", sub=tid, body={"class_id": cid})
    )
    assert s == 201, body


def test_teachers_who_hold_nothing_are_reminded_once_before_round_1_closes(clock_at):
    clock_at("2024-03-20 10:00")
    select("t1", "p1-c2")
    result = fire("r1-teachers")
    assert result.runs_started > 1  # one run per batch of counties
    assert messages(teacher_party("t1")) == []
    for tid in ("t2", "t3"):
        [msg] = messages(teacher_party(tid))
        assert msg.title == "选课提醒：教师第一轮选课3月26日（周二）结束"
        assert "第一轮未选课的老师不能参加第二轮选课" in msg.body and msg.link == "catalog/"
        assert msg.created_at == datetime(2024, 3, 24, 9, 0, tzinfo=SHANGHAI)
    again = fire("r1-teachers")  # the job runs twice
    assert again.messages == 0 and again.parts_done == 0
    assert len(messages()) == 2


def test_a_run_that_dies_halfway_is_finished_by_the_retry_without_repeating(clock_at, monkeypatch):
    clock_at("2024-03-20 10:00")
    extra = [
        w.TEACHERS[1].model_copy(update={"teacher_id": f"tx{i}", "name": f"教师{i}"})
        for i in range(5)
    ]
    from functions.common import records

    store.batch_write([records.teacher_item(t) for t in extra])
    real = outbox.put_new_many
    calls = {"n": 0}

    def dying(msgs: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 2:  # the second school's batch: the first school's is written
            raise RuntimeError("the Lambda run was killed")
        return real(msgs)

    monkeypatch.setattr(outbox, "put_new_many", dying)
    with pytest.raises(RuntimeError):
        fire("r1-teachers")
    monkeypatch.setattr(outbox, "put_new_many", real)
    assert 0 < len(messages()) < 8
    fire("r1-teachers")  # Lambda's retry of the failed run, and the others again
    parties = [m.party for m in messages()]
    assert sorted(parties) == sorted(
        {teacher_party(t) for t in ("t1", "t2", "t3", *(f"tx{i}" for i in range(5)))}
    )
    assert len(parties) == len(set(parties)) == 8


def test_a_run_short_of_time_hands_the_rest_of_its_counties_to_the_next_run(clock_at):
    clock_at("2024-03-20 10:00")
    budget = iter([1000.0] * 3 + [0.0] * 1000)
    first = fire("r1-teachers", lambda: next(budget))
    assert first.remaining  # some counties left for a next run
    second = fire("r1-teachers")
    assert second.parts_skipped > 0 and len(messages()) == 3  # t1, t2, t3, once each


def test_schools_with_pending_reviews_and_the_bureau_digests(clock_at):
    clock_at("2024-03-20 10:00")
    select("t1", "p1-c2")
    select("t2", "p4-c1")
    fire("r1-schools")
    [school] = messages(school_party("s1"))
    assert school.title == "审核提醒：还有 2 条选课待审核" and school.link == "school/"
    assert messages(school_party("s2")) == []
    fire("r1-digest")
    [county] = messages(bureau_party(w.COUNTY))
    assert county.kind == "digest" and county.table is not None
    assert county.table.rows == (("杭州市西湖区实验小学", "0", "2"),)
    assert county.table.links == ("records/teachers/#school=s1",)
    [city] = messages(bureau_party("330100"))
    assert city.table is not None and city.table.rows == (("西湖区", "0", "2"),)
    [province] = messages(bureau_party("330000"))
    assert province.table is not None
    assert {r[0] for r in province.table.rows} == {"杭州市", "宁波市"}
    quiet = messages(bureau_party("330300"))  # a city with nothing open is told so
    assert quiet and quiet[0].table is None and "没有未完成" in quiet[0].body
    n = len(messages())
    fire("r1-digest")
    assert len(messages()) == n


def test_institutions_with_rechecks_and_bureaus_with_expansions_are_reminded(clock_at):
    clock_at("2024-03-20 10:00")
    select("t1", "p1-c2")
    store.table().update_item(
        Key={"PK": "TEACHER#t1", "SK": "SEL#2024H1#p1-c2"},
        UpdateExpression="SET #s = :a",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":a": "school_approved"},
    )
    fire("r1-recheck")
    [msg] = messages(institution_party("zjnu"))
    assert msg.title == "复核提醒：还有 1 条选课待复核"
    clock_at("2024-03-28 10:00")
    from functions.common import records
    from functions.selection.handler import lambda_handler as sel
    from tests.integration.test_selection_workflow import STAFF  # an institution clerk

    store.batch_write([records.user_item(u) for u in STAFF])
    s, body, _ = call(
        sel,
        http_event(
            "POST",
            "/api/institution/expansions",
            sub="inst-zjnu",
            body={"class_id": "p1-c1", "extra": 2, "reason": "报名人数多"},
        ),
    )
    assert s == 201, body
    fire("expand-accept")
    [bureau] = messages(bureau_party("330000"))
    assert bureau.title == "扩班受理提醒：1 个扩班申请待受理" and bureau.link == "bureau/"


def test_full_classes_with_a_waitlist_remind_their_institution_to_apply(clock_at):
    store.table().update_item(
        Key={"PK": "CLASS#p4-c1", "SK": "SEATS"},
        UpdateExpression="SET wl_len = :n",
        ExpressionAttributeValues={":n": 3},
    )
    fire("expand-apply")
    [msg] = messages(institution_party("zjnu"))
    assert "候补 3 人" in msg.body and msg.title.startswith("扩班提醒")


def test_a_class_without_its_timetable_is_reminded_once_CH_4(clock_at):
    bare = w.project("p9", [("p9-c1", date(2024, 4, 20), date(2024, 4, 21), 30)])
    klass = bare.classes[0].model_copy(update={"timetable": ()})
    store.batch_write(
        catalog.seed_items(bare.model_copy(update={"classes": (klass,)}), with_project_item=True)
    )
    r = CAL.reminder("timetables")
    days = [t for t in r.fire_times(CAL) if t.date() >= date(2024, 4, 10)][:6]
    for at in days:  # 04-10 … 04-15: the deadline is 04-15, reminded from 04-12 on, once
        remind.run("2024H1", "timetables", at, ["all"], lambda: 1000.0, lambda rest: None)
    [msg] = messages(institution_party("zjnu"))
    assert msg.created_at.date() == date(2024, 4, 12)
    assert "4月15日（周一）前" in msg.body and msg.title.startswith("课程表提醒")


def test_the_phase_job_starts_a_reminder_only_at_its_fire_time(clock_at):
    r = CAL.reminder("r1-teachers")
    at = r.fire_times(CAL)[0]
    started: list[tuple[str, str, datetime]] = []
    ev = phases.PhaseEvent(
        term="2024H1", phase=r.phase, action="remind", at=at, reminder="r1-teachers"
    )
    result = phases.start_reminder(ev, at, lambda *a: started.append(a))
    assert result.started and started == [("2024H1", "r1-teachers", at)]
    wrong = ev.model_copy(update={"at": datetime(2024, 3, 25, 9, tzinfo=SHANGHAI)})
    with pytest.raises(ValueError):
        phases.start_reminder(wrong, wrong.at, lambda *a: None)
