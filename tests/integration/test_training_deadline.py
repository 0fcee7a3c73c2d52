"""Completions nobody decided by the deadline (QA-2): the daily sweep of the phase job reports
each undecided teacher of a class past its deadline as not completing (「机构未在期限内评定」,
with the rule's proposal), to the teacher, the school and the county bureau in the same write;
exactly once, in batches, safe to retry; the responsible bureau corrects it afterwards."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from functions.common import keys, store
from functions.phases import handler
from functions.training import deadline
from schemas.calendar import SHANGHAI, term_calendar
from tests.integration import test_training_api as training
from tests.integration.test_season_closing import Ctx
from tests.integration.test_training_api import (
    DAY1,
    SESSION,
    api,
    inst,
    messages,
    more_people,  # noqa: F401 (autouse fixture: the extra teachers and staff)
)

confirmed = training.confirmed  # the fixture: t1 and t2 hold confirmed seats in p1-c1

AFTER = "2024-04-11 09:00"  # p1-c1 (04-08 … 04-10) is over
BEFORE_SWEEP = "2024-04-25T00:05:00"  # its deadline is 04-25 (inclusive): nothing to settle
SWEEP = "2024-04-26T00:05:00"  # the first sweep after its deadline


def sweep(at: str, clock_at: Any, ctx: Ctx | None = None) -> dict[str, Any]:
    """The schedule's daily sweep event at `at` (Asia/Shanghai), fired at that instant."""
    clock_at(at.replace("T", " "))
    event = {"term": "2024H1", "phase": "PH-TRAIN", "action": "settle", "at": f"{at}+08:00"}
    out: dict[str, Any] = handler.lambda_handler(event, ctx or Ctx())  # type: ignore[arg-type]
    return out["settled"]


def completion(tid: str) -> dict[str, Any] | None:
    return store.get_item(keys.completion("p1-c1", tid), consistent=True)


def test_sweeps_run_daily_from_the_first_possible_deadline_to_the_last_QA_2() -> None:
    cal = term_calendar("2024H1")
    times = cal.completion_sweeps()
    train = cal.window(cal.training.completion_phase)
    lag = cal.training.completion_deadline_days + 1
    assert times[0].date() == train.start.fromordinal(train.start.toordinal() + lag)
    assert times[-1].date() == train.end.fromordinal(train.end.toordinal() + lag)
    assert all((b - a).days == 1 for a, b in zip(times, times[1:], strict=False))


def test_undecided_teachers_are_reported_at_the_first_sweep_after_the_deadline_QA_2(
    clock_at, confirmed
):
    clock_at(DAY1)
    items = [{"teacher_id": "t2", "mark": "present"}]
    assert inst("POST", "/attendance", {"session": SESSION, "items": items})[0] == 200
    clock_at(AFTER)
    body = {"items": [{"teacher_id": "t1", "outcome": "fail", "reason": "未参加培训"}]}
    assert inst("POST", "/completion", body)[1]["results"][0]["ok"]

    early = sweep(BEFORE_SWEEP, clock_at)
    assert (early["due"], early["reported"], completion("t2")) == (0, 0, None)

    result = sweep(SWEEP, clock_at)
    assert (result["due"], result["settled"], result["reported"], result["done"]) == (
        1,
        1,
        1,
        True,
    )
    t2 = completion("t2")
    assert t2 is not None and (t2["outcome"], t2["decided_by"]) == ("fail", "system")
    # t2 attended: the rule proposed 合格, which the reason tells the bureau.
    assert t2["reason"] == deadline.reason(deadline.Outcome.PASS)
    assert t2["reason"].startswith("机构未在期限内评定") and t2["proposed"] == "pass"
    assert completion("t1")["reason"] == "未参加培训"  # a decision made in time stands

    # Reported to the school and the county bureau like any non-completion, and the teacher told.
    s, school = api("GET", "/api/training/noncompletion", "p-s1")
    lapsed = [r for r in school["rows"] if r["teacher_id"] == "t2"]
    assert len(lapsed) == 1 and lapsed[0]["reason"].startswith("机构未在期限内评定")
    assert [p for p, _ in messages("non_completion")] == ["R:330106", "R:330106", "S:s1", "S:s1"]
    assert [p for p, _ in messages("completion_decided")] == ["T:t1", "T:t2"]
    mine = api("GET", "/api/training/mine", "t2")[1]
    row = next(c for c in mine["classes"] if c["class_id"] == "p1-c1")
    assert row["outcome"] == "fail" and row["outcome_reason"].startswith("机构未在期限内评定")


def test_the_sweep_settles_each_class_once_when_repeated_or_resumed_QA_2(
    clock_at, confirmed, monkeypatch: pytest.MonkeyPatch
):
    # A run out of time hands over before touching the class and reports nothing yet.
    resumed: list[dict[str, Any]] = []
    monkeypatch.setattr("functions.phases.invoke.resume", lambda arn, event: resumed.append(event))
    first = sweep(SWEEP, clock_at, Ctx(seconds=30))
    assert (first["done"], first["reported"], len(resumed)) == (False, 0, 1)
    assert completion("t1") is None

    # A run dies after writing the teachers, before the class's marker: the retry writes nothing
    # twice (each write is conditioned on no completion) and marks the class.
    real_mark = deadline.store.mark_settled

    def dies(*args: Any) -> None:
        raise RuntimeError("the function died")

    monkeypatch.setattr(deadline.store, "mark_settled", dies)
    with pytest.raises(RuntimeError):
        sweep(SWEEP, clock_at)
    assert completion("t1") is not None and completion("t2") is not None
    monkeypatch.setattr(deadline.store, "mark_settled", real_mark)
    retried = sweep(SWEEP, clock_at)
    assert (retried["settled"], retried["reported"], retried["done"]) == (1, 0, True)

    again = sweep("2024-04-27T00:05:00", clock_at)  # the next day's sweep: p1-c1 is not redone
    assert again["due"] >= 1 and again["reported"] == 0
    assert len(messages("non_completion")) == 4  # t1 and t2, to school and bureau, once each
    assert completion("t1")["version"] == 1


def test_the_responsible_bureau_corrects_a_lapsed_completion_QA_2(clock_at, confirmed):
    sweep(SWEEP, clock_at)
    clock_at("2024-04-28 10:00")
    # The list tells the responsible bureau (only) that it may correct the rows.
    rows = api("GET", "/api/training/noncompletion", "bureau-330000")[1]["rows"]
    assert [(r["class_id"], r["correctable"]) for r in rows] == [("p1-c1", True)] * 2
    rows = api("GET", "/api/training/noncompletion", "p-s1")[1]["rows"]
    assert not any(r["correctable"] for r in rows)
    body = {"items": [{"teacher_id": "t1", "outcome": "pass", "reason": "补交考勤，已完成"}]}
    s, refused = inst("POST", "/completion", body)
    assert (s, refused["code"]) == (409, "outside_window")  # the institution no longer may

    s, done = inst("POST", "/completion", body, sub="bureau-330000")
    assert s == 200 and done["results"][0]["ok"], done
    t1 = completion("t1")
    assert t1 is not None and (t1["outcome"], t1["version"]) == ("pass", 2)
    assert [h["event"] for h in t1["history"]] == ["逾期未认定", "更正"]
    rows = api("GET", "/api/training/noncompletion", "p-s1")[1]["rows"]
    assert [r["teacher_id"] for r in rows] == ["t2"]  # t1 left the list
    audit = [
        json.loads(i["doc"])["event"]
        for i in store.table().scan()["Items"]
        if i["PK"] == "PROJECT#p1" and i["SK"].startswith("AUDIT#")
    ]
    assert sorted(audit) == ["completion_corrected", "completion_lapsed", "completion_lapsed"]


def test_institutions_with_completions_due_are_reminded_once_before_the_deadline_QA_2(
    clock_at, confirmed
):
    from functions.notify import remind
    from schemas.notify import institution_party
    from tests.support.notify import messages as inbox

    cal = term_calendar("2024H1")
    reminder = cal.reminder("completions")
    assert reminder.fire_times(cal)[-1] >= cal.completion_sweeps()[-1] - timedelta(days=1)
    clock_at(AFTER)
    body = {"items": [{"teacher_id": "t1", "outcome": "fail", "reason": "未参加培训"}]}
    assert inst("POST", "/completion", body)[1]["results"][0]["ok"]
    days = [
        t for t in reminder.fire_times(cal) if date(2024, 4, 9) <= t.date() <= date(2024, 4, 26)
    ]
    for at in [*days, *days]:  # each day's run, and each run twice: one message
        clock_at(f"{at:%Y-%m-%d %H:%M}")
        remind.run("2024H1", "completions", at, ["all"], lambda: 1000.0, lambda rest: None)
    [msg] = inbox(institution_party("zjnu"))
    # The deadline is 04-25: reminded 3 days ahead, for the one teacher still undecided.
    assert msg.created_at.date() == date(2024, 4, 22)
    assert msg.title.startswith("结业认定提醒") and "还有 1 位学员未认定" in msg.body
    assert "4月25日" in msg.body and msg.link.endswith("?c=p1-c1")


def test_a_class_fully_decided_gets_no_completion_reminder_QA_2(clock_at, confirmed):
    from functions.notify import remind
    from schemas.notify import institution_party
    from tests.support.notify import messages as inbox

    clock_at(AFTER)
    body = {
        "items": [
            {"teacher_id": t, "outcome": "fail", "reason": "未参加培训"} for t in ("t1", "t2")
        ]
    }
    assert all(r["ok"] for r in inst("POST", "/completion", body)[1]["results"])
    at = datetime(2024, 4, 22, 9, tzinfo=SHANGHAI)
    clock_at("2024-04-22 09:00")
    remind.run("2024H1", "completions", at, ["all"], lambda: 1000.0, lambda rest: None)
    assert inbox(institution_party("zjnu")) == []
