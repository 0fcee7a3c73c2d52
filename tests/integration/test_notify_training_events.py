"""Events of the training weeks and of the season's close write their message with the change
(outbox): a waitlist closed without a seat (SE-1), a class cancelled (SE-2), a completion
decided and a non-completion reported to the school and the county bureau (QA-2), an approved
CH-3 change told to every enrolled teacher. Each test makes the message's write fail and finds
neither the change nor the message; the retry then does both, once."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from functions.common import keys, store
from schemas.notify import bureau_party, school_party, teacher_party
from tests.integration.test_season_closing import close, load_days
from tests.integration.test_selection_workflow import (
    R1,
    R1_SCHOOL,
    check_invariants,
    fill_p1_c1,
    more_people,  # noqa: F401 (autouse fixture: the extra teachers and staff)
    review,
    select,
    status_of,
    waiting,
)
from tests.integration.test_training_api import (
    AFTER,
    api,
    confirmed,  # noqa: F401 (fixture: t1 and t2 confirmed in p1-c1)
    inst,
)
from tests.support.notify import failing_messages, messages


def kinds(party: str) -> list[str]:
    return [m.kind.value for m in messages(party)]


# --- the season's close (SE-1) ---------------------------------------------------------------


def test_a_waitlist_closed_without_a_seat_tells_each_teacher_once_or_changes_nothing_SE_1(
    clock_at,
):
    clock_at(R1)
    fill_p1_c1()
    assert select("t4", "p1-c1", waitlist=True)[0] == 201
    assert select("t5", "p1-c1", waitlist=True)[0] == 201
    clock_at(R1_SCHOOL)
    review("p-s1", [("t1", "p1-c1"), ("t2", "p1-c1")], "approve")

    with failing_messages() as failed, pytest.raises(ClientError):
        close("PH-R2-RECHECK", "2024-04-04T00:00:00", clock_at)
    # The failed message fails the toggle (the scheduler retries it): the entry is not ended
    # without its message, and the close did not pass it by as done.
    assert failed
    assert waiting("p1-c1") == ["t4", "t5"]
    assert {status_of("t4", "p1-c1"), status_of("t5", "p1-c1")} == {"waitlisted"}
    assert "waitlist_closed" not in kinds(teacher_party("t4"))

    result = close("PH-R2-RECHECK", "2024-04-04T00:00:00", clock_at)  # the scheduler's retry

    assert result["closing"]["done"] and result["closing"]["counts"]["waitlist_closed"] == 2
    assert waiting("p1-c1") == []
    for tid in ("t4", "t5"):
        assert status_of(tid, "p1-c1") == "waitlist_closed"
        assert kinds(teacher_party(tid)).count("waitlist_closed") == 1
    check_invariants()


# --- cancelled classes (SE-2) ----------------------------------------------------------------


@pytest.mark.usefixtures("confirmed")
def test_a_cancellation_whose_message_fails_frees_no_seat_and_a_retry_finishes_it_SE_2(clock_at):
    clock_at("2024-03-30 18:00")
    before = load_days("t1")
    with failing_messages() as failed:
        s, _ = inst("POST", "/cancel", {"reason": "报名人数不足"}, sub="bureau-330000")
    assert failed and s >= 400
    assert {status_of("t1", "p1-c1"), status_of("t2", "p1-c1")} == {"confirmed"}
    assert load_days("t1") == before
    assert int(store.get_item(keys.class_seats("p1-c1"), consistent=True)["held"]) == 2
    assert "class_cancelled" not in kinds(teacher_party("t1"))

    s, body = inst("POST", "/cancel", {"reason": "报名人数不足"}, sub="bureau-330000")

    assert s == 200 and body["released"] == 2, body
    for tid in ("t1", "t2"):
        assert status_of(tid, "p1-c1") == "cancelled" and not load_days(tid)
        assert kinds(teacher_party(tid)).count("class_cancelled") == 1
    check_invariants()


# --- completion and non-completion (QA-2) ----------------------------------------------------


def completion(tid: str) -> dict[str, Any] | None:
    return store.get_item(keys.completion("p1-c1", tid), consistent=True)


def audit_events() -> list[str]:
    return [
        i["doc"].split('"event":"')[1].split('"')[0]
        for i in store.table().scan()["Items"]
        if i["PK"] == "PROJECT#p1" and i["SK"].startswith("AUDIT#")
    ]


@pytest.mark.usefixtures("confirmed")
def test_a_completion_decided_tells_the_teacher_once_or_is_not_decided_QA_2(clock_at):
    clock_at(AFTER)
    body = {"items": [{"teacher_id": "t1", "outcome": "pass", "reason": "已补齐全部课程"}]}
    with failing_messages() as failed:
        s, _ = inst("POST", "/completion", body)
    assert failed and s >= 400
    assert completion("t1") is None and audit_events() == []
    assert "completion_decided" not in kinds(teacher_party("t1"))

    s, out = inst("POST", "/completion", body)

    assert s == 200 and out["results"][0]["ok"], out
    assert completion("t1")["outcome"] == "pass"
    assert kinds(teacher_party("t1")).count("completion_decided") == 1
    [msg] = [m for m in messages(teacher_party("t1")) if m.kind.value == "completion_decided"]
    assert "合格" in msg.title and "已补齐全部课程" in msg.body
    # 合格 is nobody else's business: no report to the school or the bureau.
    assert messages(school_party("s1")) == [] and messages(bureau_party("330106")) == []
    s, again = inst("POST", "/completion", body)  # a repeat tells nobody again
    assert again["results"][0]["ok"] and kinds(teacher_party("t1")).count("completion_decided") == 1


@pytest.mark.usefixtures("confirmed")
def test_a_non_completion_is_reported_to_school_and_bureau_once_or_not_at_all_QA_2(clock_at):
    clock_at(AFTER)
    body = {"items": [{"teacher_id": "t2", "outcome": "fail"}]}  # the proposal's reason: no-show
    with failing_messages() as failed:
        s, _ = inst("POST", "/completion", body)
    assert failed and s >= 400
    assert completion("t2") is None
    assert api("GET", "/api/training/noncompletion", "p-s1")[1]["rows"] == []
    assert api("GET", "/api/training/noncompletion", "bureau-330000")[1]["rows"] == []
    assert messages(school_party("s1")) == [] and messages(bureau_party("330106")) == []

    s, out = inst("POST", "/completion", body)

    assert s == 200 and out["results"][0]["ok"], out
    for party in (school_party("s1"), bureau_party("330106")):
        [msg] = messages(party)
        assert msg.kind.value == "non_completion" and "李强" in msg.title
        assert "未报到" in msg.body
    assert kinds(teacher_party("t2")).count("completion_decided") == 1
    [row] = api("GET", "/api/training/noncompletion", "p-s1")[1]["rows"]
    assert row["teacher_name"] == "李强"
