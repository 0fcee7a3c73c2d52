"""Selection events write their message in the same transaction as the change (outbox): a
rejection by the school or the institution (with the reason), a confirmation, a promotion from
the waitlist, a waitlist place dropped, an expansion accepted or refused. Each test also makes
the message's write fail and finds neither the change nor the message. Taking a seat (the hot
path) writes no message and stays one three-item transaction."""

from __future__ import annotations

from typing import Any

from functions.common import store
from schemas.notify import institution_party, teacher_party
from tests.integration.test_selection_workflow import (  # noqa: F401  (autouse fixture)
    EXPAND_ACCEPT,
    EXPAND_APPLY,
    R1,
    R1_RECHECK,
    R1_SCHOOL,
    api,
    check_invariants,
    fill_p1_c1,
    more_people,
    recheck,
    review,
    seats,
    select,
    status_of,
    withdraw,
)
from tests.support.notify import failing_messages, messages


def test_taking_a_seat_writes_no_message_and_stays_one_four_item_transaction(clock_at):
    """Seat counter, selection, teacher load, and the caller's account check (a disabled
    account is refused in the same call); no message item."""
    clock_at(R1)
    sizes: list[int] = []

    def spy(params: dict[str, Any], **_: Any) -> None:
        sizes.append(len(params["TransactItems"]))

    events = store.client().meta.events
    events.register("before-parameter-build.dynamodb.TransactWriteItems", spy)
    try:
        assert select("t1", "p1-c1")[0] == 201
    finally:
        events.unregister("before-parameter-build.dynamodb.TransactWriteItems", spy)
    assert sizes == [4]
    assert messages() == []


def test_school_rejection_tells_the_teacher_the_reason_SE_1(clock_at):
    clock_at(R1)
    assert select("t1", "p1-c2")[0] == 201
    clock_at(R1_SCHOOL)
    status, body = review("a-s1", [("t1", "p1-c2")], "reject", "本学期教学任务重，不能外出")
    assert status == 200 and body["results"][0]["ok"], body
    [msg] = messages(teacher_party("t1"))
    assert msg.kind == "selection_rejected_school" and msg.critical
    assert "未通过学校审核" in msg.title and "第2期" in msg.title
    assert "原因：本学期教学任务重，不能外出" in msg.body
    assert "第二轮选课时间为3月31日（周日）至4月1日（周一）" in msg.body
    assert msg.link == "my/"


def test_school_rejection_whose_message_fails_changes_nothing(clock_at):
    clock_at(R1)
    assert select("t1", "p1-c2")[0] == 201
    clock_at(R1_SCHOOL)
    with failing_messages() as failed:
        status, body = review("a-s1", [("t1", "p1-c2")], "reject", "教学任务重")
    assert failed and not body["results"][0]["ok"]
    assert status_of("t1", "p1-c2") == "pending"
    assert messages() == []
    check_invariants()


def test_approval_by_the_school_writes_no_message_but_the_recheck_confirmation_does(clock_at):
    clock_at(R1)
    assert select("t1", "p1-c2")[0] == 201
    clock_at(R1_SCHOOL)
    assert review("a-s1", [("t1", "p1-c2")], "approve")[1]["results"][0]["ok"]
    assert messages() == []  # an intermediate step: few messages
    clock_at(R1_RECHECK)
    with failing_messages():
        assert not recheck("inst-zjnu", [("t1", "p1-c2")], "confirm")[1]["results"][0]["ok"]
    assert status_of("t1", "p1-c2") == "school_approved" and messages() == []
    assert recheck("inst-zjnu", [("t1", "p1-c2")], "confirm")[1]["results"][0]["ok"]
    [msg] = messages(teacher_party("t1"))
    assert msg.kind == "selection_confirmed" and "选课已确认" in msg.title
    assert "5月6日（周一）至5月8日（周三）" in msg.body
    # Confirming again (a retried request) changes nothing and writes no second message.
    assert recheck("inst-zjnu", [("t1", "p1-c2")], "confirm")[1]["results"][0]["ok"]
    assert len(messages()) == 1


def test_recheck_rejection_tells_the_teacher_and_promotes_the_next_with_a_message(clock_at):
    clock_at(R1)
    fill_p1_c1()
    assert select("t4", "p1-c1", waitlist=True)[0] == 201
    clock_at(R1_SCHOOL)
    assert review("a-s1", [("t1", "p1-c1")], "approve")[1]["results"][0]["ok"]
    clock_at(R1_RECHECK)
    assert recheck("inst-zjnu", [("t1", "p1-c1")], "reject", "不符合参训条件")[0] == 200
    [rejected] = messages(teacher_party("t1"))
    assert rejected.kind == "selection_rejected_recheck" and "原因：不符合参训条件" in rejected.body
    [promoted] = messages(teacher_party("t4"))
    assert promoted.kind == "waitlist_promoted" and status_of("t4", "p1-c1") == "pending"


def test_promotion_after_a_withdrawal_tells_the_promoted_teacher(clock_at):
    clock_at(R1)
    fill_p1_c1()
    assert select("t4", "p1-c1", waitlist=True)[0] == 201
    assert messages() == []  # joining the waitlist: the teacher saw the answer
    assert withdraw("t1", "p1-c1")[0] == 200
    [msg] = messages()
    assert msg.party == teacher_party("t4") and msg.critical
    assert msg.title.startswith("候补成功") and "等待学校审核" in msg.body
    assert "4月8日（周一）至4月10日（周三）" in msg.body


def test_a_promotion_whose_message_fails_leaves_the_seat_and_the_waitlist_as_they_were(clock_at):
    clock_at(R1)
    fill_p1_c1()
    assert select("t4", "p1-c1", waitlist=True)[0] == 201
    with failing_messages() as failed:
        status, body = withdraw("t1", "p1-c1")
    assert failed and status == 503, body
    assert status_of("t1", "p1-c1") == "pending" and status_of("t4", "p1-c1") == "waitlisted"
    assert messages() == []
    check_invariants()


def test_a_head_dropped_from_the_waitlist_is_told_why(clock_at):
    clock_at(R1)
    fill_p1_c1()
    select("t4", "p1-c1", waitlist=True)
    select("t5", "p1-c1", waitlist=True)
    for cid in ("p1-c2", "p4-c1", "p5-c1"):  # t4 reaches the term limit meanwhile
        assert select("t4", cid)[0] == 201
    withdraw("t1", "p1-c1")
    [dropped] = messages(teacher_party("t4"))
    assert dropped.kind == "waitlist_dropped" and "已选满 3 个班期" in dropped.body
    [promoted] = messages(teacher_party("t5"))
    assert promoted.kind == "waitlist_promoted"


def _expansion_applied() -> None:
    req = {"class_id": "p1-c1", "extra": 1, "reason": "报名人数多"}
    assert api("POST", "/api/institution/expansions", "inst-zjnu", req)[0] == 201


def _decide(accept: bool, reason: str = "") -> tuple[int, dict[str, Any]]:
    return api(
        "POST",
        "/api/bureau/expansions/p1-c1",
        "bureau-330000",
        {"accept": accept, "reason": reason},
        route="/api/bureau/expansions/{class_id}",
        params={"class_id": "p1-c1"},
    )


def test_accepted_expansion_tells_the_institution_and_the_promoted_teacher_SE_3(clock_at):
    clock_at(R1)
    fill_p1_c1()
    select("t4", "p1-c1", waitlist=True)
    clock_at(EXPAND_APPLY)
    _expansion_applied()
    clock_at(EXPAND_ACCEPT)
    with failing_messages() as failed:
        assert _decide(True)[0] >= 400
    assert failed and seats("p1-c1")["capacity"] == 2 and messages() == []
    status, body = _decide(True)
    assert (status, body["promoted"]) == (200, 1), body
    [told] = messages(institution_party("zjnu"))
    assert told.title.startswith("扩班已同意") and "扩班 1 人" in told.body
    assert [m.kind for m in messages(teacher_party("t4"))] == ["waitlist_promoted"]
    assert _decide(True)[0] == 200 and len(messages()) == 2  # a retry: no second message


def test_refused_expansion_tells_the_institution_the_reason_SE_3(clock_at):
    clock_at(EXPAND_APPLY)
    _expansion_applied()
    clock_at(EXPAND_ACCEPT)
    assert _decide(False, "经费不足，维持原班额")[0] == 200
    [told] = messages(institution_party("zjnu"))
    assert told.title.startswith("扩班未同意") and told.critical
    assert "原因：经费不足，维持原班额" in told.body
