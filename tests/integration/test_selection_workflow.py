"""The selection workflow against the DynamoDB engine (moto): waitlist (候补) with promotion in the
same transaction as the seat change, school review (PH-R1-SCHOOL, PH-R2-SCHOOL), expansion
(SE-3, PH-EXPAND-APPLY, PH-EXPAND-ACCEPT), institution recheck (PH-R1-RECHECK, PH-R2-RECHECK),
CH-3 withdrawal rights and xlsx exports. Each test names the rule it proves."""

from __future__ import annotations

import base64
import io
import json
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import pytest

from functions.common import keys, records, store
from functions.selection import store as sel_store
from functions.selection.handler import lambda_handler
from schemas.calendar import SHANGHAI
from schemas.people import Role, Teacher, User
from schemas.selection import WithdrawalRight
from tests.support import world as w
from tests.support.events import FakeContext, call, http_event

R1 = "2024-03-20 10:00"
R1_SCHOOL = "2024-03-27 10:00"
EXPAND_APPLY = "2024-03-28 10:00"
EXPAND_ACCEPT = "2024-03-29 10:00"
R1_RECHECK = "2024-03-30 10:00"
R2 = "2024-03-31 10:00"
R2_SCHOOL = "2024-04-02 10:00"
R2_RECHECK = "2024-04-03 10:00"
TRAIN = "2024-04-20 10:00"

# More teachers at school s1 (same county, 小学 语文) to queue for the capacity-2 class p1-c1.
EXTRA = [
    Teacher(
        teacher_id=f"t{i}",
        name=f"教师{i}",
        school_id="s1",
        region_code=w.COUNTY,
        stage="小学",
        subject="语文",
    )
    for i in range(4, 10)
]
STAFF = [
    User(
        user_id="a-s1", role=Role.SCHOOL_ADMIN, name="钱老师", school_id="s1", region_code=w.COUNTY
    ),
    User(user_id="p-s2", role=Role.PRINCIPAL, name="孙校长", school_id="s2", region_code="330212"),
    User(user_id="inst-zjnu", role=Role.INSTITUTION, name="周老师", institution_id="zjnu"),
    User(user_id="inst-other", role=Role.INSTITUTION, name="吴老师", institution_id="other"),
    User(user_id="bureau-330000", role=Role.PROVINCE_BUREAU, name="省教育厅", region_code="330000"),
    User(user_id="bureau-330200", role=Role.CITY_BUREAU, name="宁波市教育局", region_code="330200"),
]


@pytest.fixture(autouse=True)
def more_people(world: None) -> None:
    items = [records.teacher_item(t) for t in EXTRA]
    items += [
        records.user_item(
            User(
                user_id=t.teacher_id,
                role=Role.TEACHER,
                name=t.name,
                school_id=t.school_id,
                region_code=t.region_code,
                teacher_id=t.teacher_id,
            )
        )
        for t in EXTRA
    ]
    items += [records.user_item(u) for u in STAFF]
    store.batch_write(items)


# --- helpers ------------------------------------------------------------------------------


def api(
    method: str,
    path: str,
    sub: str,
    body: Any = None,
    key: str | None = None,
    route: str | None = None,
    params: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    headers = {"Idempotency-Key": key} if key else None
    status, data, _ = call(
        lambda_handler,
        http_event(
            method, path, sub=sub, body=body, headers=headers, route=route, path_params=params
        ),
    )
    return status, data


def select(sub: str, cid: str, waitlist: bool = False, key: str | None = None) -> tuple[int, dict]:
    body: dict[str, Any] = {"class_id": cid}
    if waitlist:
        body["waitlist"] = True
    return api("POST", "/api/selections", sub, body, key=key)


def withdraw(sub: str, cid: str, key: str | None = None) -> tuple[int, dict]:
    return api(
        "DELETE",
        f"/api/selections/{cid}",
        sub,
        key=key,
        route="/api/selections/{class_id}",
        params={"class_id": cid},
    )


def review(
    sub: str, refs: list[tuple[str, str]], decision: str, reason: str = ""
) -> tuple[int, dict]:
    items = [{"teacher_id": t, "class_id": c} for t, c in refs]
    return api(
        "POST", "/api/school/reviews", sub, {"items": items, "decision": decision, "reason": reason}
    )


def recheck(
    sub: str, refs: list[tuple[str, str]], decision: str, reason: str = ""
) -> tuple[int, dict]:
    items = [{"teacher_id": t, "class_id": c} for t, c in refs]
    return api(
        "POST",
        "/api/institution/rechecks",
        sub,
        {"items": items, "decision": decision, "reason": reason},
    )


def status_of(tid: str, cid: str) -> str | None:
    item = store.get_item(keys.selection(tid, "2024H1", cid), consistent=True)
    return item["status"] if item else None


def seats(cid: str) -> dict[str, Any]:
    item = store.get_item(keys.class_seats(cid), consistent=True)
    assert item is not None
    return item


def waiting(cid: str) -> list[str]:
    return [e["teacher_id"] for e in sel_store.waitlist(cid)]


SEAT_HOLDING = {"pending", "school_approved", "confirmed"}


def check_invariants(limit: int = 3) -> None:
    """SE-4 and friends, from the stored data: every class's counter equals its seat-holders and
    never exceeds capacity; its waitlist count equals its entries and its waitlisted selections;
    nobody waits while a seat is free; each teacher's load equals their seat-holders (≤ limit)."""
    items = store.table().scan()["Items"]
    sels = [i for i in items if i["SK"].startswith("SEL#")]
    for c in (i for i in items if i["SK"] == "SEATS"):
        cid = c["PK"].removeprefix("CLASS#")
        holders = [s for s in sels if s["class_id"] == cid and s["status"] in SEAT_HOLDING]
        entries = [i for i in items if i["PK"] == c["PK"] and i["SK"].startswith("WAIT#")]
        waitlisted = [s for s in sels if s["class_id"] == cid and s["status"] == "waitlisted"]
        assert int(c["held"]) == len(holders) <= int(c["capacity"]), cid
        assert int(c.get("wl_len", 0)) == len(entries) == len(waitlisted), cid
        assert {e["teacher_id"] for e in entries} == {s["teacher_id"] for s in waitlisted}
        if entries:
            assert int(c["held"]) == int(c["capacity"]), f"{cid}: a free seat while others wait"
        assert len({s["teacher_id"] for s in holders}) == len(holders)
    for load in (
        i for i in items if i["SK"].startswith("TERM#") and i["PK"].startswith("TEACHER#")
    ):
        tid = load["PK"].removeprefix("TEACHER#")
        mine = [s for s in sels if s["teacher_id"] == tid and s["status"] in SEAT_HOLDING]
        assert int(load.get("held", 0)) == len(mine) <= limit, tid


def fill_p1_c1() -> None:
    assert select("t1", "p1-c1")[0] == 201
    assert select("t2", "p1-c1")[0] == 201


# --- waitlist -----------------------------------------------------------------------------


def test_full_class_offers_the_waitlist_and_joining_shows_the_position_SE_4(clock_at):
    clock_at(R1)
    fill_p1_c1()
    status, body = select("t4", "p1-c1")
    assert (status, body["code"], body["can_waitlist"]) == (409, "class_full", True)
    status, body = select("t4", "p1-c1", waitlist=True)
    assert (status, body["status"], body["waitlist_position"]) == (201, "waitlisted", 1)
    assert body["status_text"] == "候补中（第 1 位）" and "递补" in body["next_step"]
    assert select("t5", "p1-c1", waitlist=True)[1]["waitlist_position"] == 2
    assert seats("p1-c1")["held"] == 2 and seats("p1-c1")["wl_len"] == 2
    status, body = api("GET", "/api/selections", "t5")
    assert body["selections"][0]["waitlist_position"] == 2
    check_invariants()


def test_waitlist_request_on_a_class_with_seats_takes_a_seat(clock_at):
    clock_at(R1)
    status, body = select("t4", "p1-c1", waitlist=True)
    assert (status, body["status"], body["waitlist_position"]) == (201, "pending", None)
    assert seats("p1-c1").get("wl_len", 0) == 0


def test_joining_twice_is_refused_and_a_retry_returns_the_first_result(clock_at):
    clock_at(R1)
    fill_p1_c1()
    first = select("t4", "p1-c1", waitlist=True, key="wl-key-0001")
    again = select("t4", "p1-c1", waitlist=True, key="wl-key-0001")
    assert first[0] == again[0] == 201
    assert again[1]["wl_seq"] == first[1]["wl_seq"] and again[1]["status"] == "waitlisted"
    assert select("t4", "p1-c1", waitlist=True)[1]["code"] == "already_waitlisted"
    assert select("t1", "p1-c1", waitlist=True)[1]["code"] == "already_selected"
    assert seats("p1-c1")["wl_len"] == 1
    check_invariants()


def test_withdrawal_promotes_the_head_in_the_same_transaction(clock_at):
    clock_at(R1)
    fill_p1_c1()
    for t in ("t4", "t5", "t6"):
        select(t, "p1-c1", waitlist=True)
    writes: list[list[str]] = []

    def spy(model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name == "TransactWriteItems":
            body = json.loads(params["body"])
            writes.append(
                [
                    next(iter(op.values()))["Key"]["PK"]["S"]
                    + "|"
                    + next(iter(op.values()))["Key"]["SK"]["S"]
                    if "Key" in next(iter(op.values()))
                    else "put"
                    for op in body["TransactItems"]
                ]
            )

    store.client().meta.events.register("before-call.dynamodb.TransactWriteItems", spy)
    try:
        status, body = withdraw("t1", "p1-c1")
    finally:
        store.client().meta.events.unregister("before-call.dynamodb.TransactWriteItems", spy)
    assert (status, body["status"]) == (200, "withdrawn")
    assert len(writes) == 1, writes  # ONE transaction: withdrawal, seat counter and promotion
    assert "TEACHER#t1|SEL#2024H1#p1-c1" in writes[0]
    assert "TEACHER#t4|SEL#2024H1#p1-c1" in writes[0]
    assert "TEACHER#t4|TERM#2024H1" in writes[0]
    assert status_of("t4", "p1-c1") == "pending"
    assert waiting("p1-c1") == ["t5", "t6"]
    assert seats("p1-c1")["held"] == 2
    rows = {r["class_id"]: r for r in api("GET", "/api/selections", "t4")[1]["selections"]}
    assert rows["p1-c1"]["status_text"] == "候补递补成功，待学校审核"
    assert api("GET", "/api/selections", "t6")[1]["selections"][0]["waitlist_position"] == 2
    check_invariants()


def test_a_failed_withdrawal_transaction_changes_nothing_not_even_the_promotion(clock_at):
    """Atomicity: the withdrawal and its promotion commit together or not at all."""
    clock_at(R1)
    fill_p1_c1()
    select("t4", "p1-c1", waitlist=True)
    from botocore.awsrequest import AWSResponse, HTTPHeaders

    def fail(model: Any, **_: Any) -> Any:
        if model.name == "TransactWriteItems":
            return AWSResponse("https://x.invalid/", 400, HTTPHeaders(), None), {
                "Error": {"Code": "ValidationException", "Message": "boom"}
            }
        return None

    store.client().meta.events.register_first("before-call.dynamodb.TransactWriteItems", fail)
    try:
        status, _ = withdraw("t1", "p1-c1")
    finally:
        store.client().meta.events.unregister("before-call.dynamodb.TransactWriteItems", fail)
    assert status == 500
    assert status_of("t1", "p1-c1") == "pending" and status_of("t4", "p1-c1") == "waitlisted"
    assert waiting("p1-c1") == ["t4"]
    check_invariants()


def test_promotions_follow_joining_order(clock_at):
    clock_at(R1)
    fill_p1_c1()
    order = ["t6", "t4", "t9", "t5"]
    for t in order:
        select(t, "p1-c1", waitlist=True)
    promoted = []
    for leaving in ("t1", "t2", "t6", "t4"):
        withdraw(leaving, "p1-c1")
        promoted = [t for t in order if status_of(t, "p1-c1") == "pending"]
        check_invariants()
    assert promoted == ["t9", "t5"]  # t6 and t4 were promoted first, then withdrew
    history = store.get_item(keys.selection("t9", "2024H1", "p1-c1"))["history"]
    assert [e["event"] for e in history] == ["waitlisted", "promoted"]


def test_head_that_reached_the_term_limit_is_dropped_and_the_next_promoted(clock_at):
    clock_at(R1)
    fill_p1_c1()
    select("t4", "p1-c1", waitlist=True)
    select("t5", "p1-c1", waitlist=True)
    for cid in ("p1-c2", "p4-c1", "p5-c1"):  # t4 fills the term limit (3) meanwhile
        assert select("t4", cid)[0] == 201
    withdraw("t1", "p1-c1")
    assert status_of("t4", "p1-c1") == "waitlist_dropped"
    assert status_of("t5", "p1-c1") == "pending"
    row = next(
        r for r in api("GET", "/api/selections", "t4")[1]["selections"] if r["class_id"] == "p1-c1"
    )
    assert row["status_text"] == "候补未递补" and "已选满" in row["reason"]
    check_invariants()


def test_head_with_a_date_clash_is_dropped(clock_at):
    clock_at(R1)
    fill_p1_c1()
    select("t4", "p1-c1", waitlist=True)
    assert select("t4", "p2-c1")[0] == 201  # 04-09..11 overlaps p1-c1 (04-08..10)
    withdraw("t2", "p1-c1")
    assert status_of("t4", "p1-c1") == "waitlist_dropped"
    assert seats("p1-c1")["held"] == 1  # nobody else waited: the seat is free
    check_invariants()


def test_joining_is_refused_when_the_term_limit_or_a_clash_already_forbids_the_seat(clock_at):
    clock_at(R1)
    fill_p1_c1()
    assert select("t4", "p2-c1")[0] == 201
    status, body = select("t4", "p1-c1", waitlist=True)
    assert (status, body["code"]) == (409, "date_clash")
    assert seats("p1-c1").get("wl_len", 0) == 0
    check_invariants()


def test_leaving_the_waitlist_moves_the_others_up(clock_at):
    clock_at(R1)
    fill_p1_c1()
    for t in ("t4", "t5", "t6"):
        select(t, "p1-c1", waitlist=True)
    status, body = withdraw("t5", "p1-c1", key="leave-key-1")
    assert (status, body["status"]) == (200, "withdrawn")
    assert withdraw("t5", "p1-c1", key="leave-key-1")[0] == 200  # retry: first result
    assert waiting("p1-c1") == ["t4", "t6"]
    assert api("GET", "/api/selections", "t6")[1]["selections"][0]["waitlist_position"] == 2
    check_invariants()


def test_round2_waitlist_only_for_round1_participants_SE_2(clock_at):
    clock_at(R1)
    fill_p1_c1()
    select("t4", "p1-c1", waitlist=True)  # waitlisting in round 1 counts as taking part
    clock_at(R2)
    assert select("t5", "p1-c1", waitlist=True)[1]["code"] == "round2_not_allowed"
    assert select("t4", "p4-c1")[0] == 201
    check_invariants()


# --- school review ------------------------------------------------------------------------


def test_school_sees_its_pending_selections_and_other_selections(clock_at):
    clock_at(R1)
    select("t4", "p1-c2")
    select("t4", "p4-c1")
    select("t3", "p1-c2")  # another school
    clock_at(R1_SCHOOL)
    status, body = api("GET", "/api/school/selections", "p-s1")
    assert status == 200 and body["pending"] == 2
    [t4] = [t for t in body["teachers"] if t["teacher_id"] == "t4"]
    assert t4["name"] == "教师4"
    assert {s["class_id"] for s in t4["selections"]} == {"p1-c2", "p4-c1"}
    assert all(t["teacher_id"] != "t3" for t in body["teachers"])
    assert api("GET", "/api/school/selections", "t1")[0] == 403


def test_school_lists_teachers_who_selected_nothing_too_SE_1(clock_at):
    clock_at(R1)
    select("t4", "p1-c2")
    status, body = api("GET", "/api/school/selections", "p-s1")
    assert status == 200
    roll = {t.teacher_id for t in (*w.TEACHERS, *EXTRA) if t.school_id == "s1"}
    listed = {t["teacher_id"]: t for t in body["teachers"]}
    assert set(listed) == roll
    assert listed["t4"]["selected"] is True
    assert listed["t1"]["selected"] is False and listed["t1"]["selections"] == []
    assert body["not_selected"] == len(roll) - 1


def test_school_approves_and_rejects_with_reason_in_bulk_PH_R1_SCHOOL(clock_at):
    clock_at(R1)
    fill_p1_c1()
    select("t4", "p1-c1", waitlist=True)
    select("t5", "p1-c2")
    clock_at(R1_SCHOOL)
    status, body = review("a-s1", [("t1", "p1-c1"), ("t5", "p1-c2")], "approve")
    assert status == 200 and all(r["ok"] for r in body["results"])
    assert status_of("t1", "p1-c1") == "school_approved"
    status, body = review("p-s1", [("t2", "p1-c1")], "reject")
    assert (status, body["code"]) == (422, "reason_required")
    status, body = review("p-s1", [("t2", "p1-c1"), ("t3", "p1-c2")], "reject", "与教学安排冲突")
    assert [r["ok"] for r in body["results"]] == [True, False]
    assert body["results"][1]["code"] == "not_found"  # another school's teacher
    assert status_of("t2", "p1-c1") == "school_rejected"
    assert status_of("t4", "p1-c1") == "pending"  # the freed seat went to the waitlist head
    item = store.get_item(keys.selection("t2", "2024H1", "p1-c1"))
    assert item["reason"] == "与教学安排冲突"
    # Deciding again the same way is a retry: the first result, nothing changes twice.
    status, body = review("p-s1", [("t2", "p1-c1")], "reject", "与教学安排冲突")
    assert body["results"][0]["ok"] and seats("p1-c1")["held"] == 2
    assert review("p-s1", [("t2", "p1-c1")], "approve")[1]["results"][0]["code"] == "wrong_status"
    check_invariants()


def dynamodb_calls() -> list[str]:
    """The names of the DynamoDB calls the handler makes from now on, in order."""
    calls: list[str] = []
    # First: a fault hook (registered first too, later) answers without calling the others.
    store.client().meta.events.register_first(
        "before-call.dynamodb.*", lambda model, **_: calls.append(model.name)
    )
    return calls


def test_a_bulk_approval_of_n_is_n_writes_one_read_of_classes_no_read_back_PH_R1_SCHOOL(clock_at):
    clock_at(R1)
    refs = [(t, "p1-c2") for t in ("t4", "t5", "t6")] + [("t7", "p4-c1")]
    for t, c in refs:
        assert select(t, c)[0] == 201
    clock_at(R1_SCHOOL)
    records.clear_cache()  # the classes' records are not cached (a new container)
    api("GET", "/api/school/selections", "a-s1")  # the admin's own record is
    calls = dynamodb_calls()
    status, body = review("a-s1", refs, "approve")
    assert status == 200 and [r["status"] for r in body["results"]] == ["school_approved"] * 4
    # The caller's account and the classes' records in one strongly consistent read (a
    # disabled account is refused at once for writes), then one conditional write per selection.
    assert calls == ["BatchGetItem"] + ["UpdateItem"] * len(refs)
    assert {status_of(t, c) for t, c in refs} == {"school_approved"}
    # Approving again is a retry (its condition fails on the status it already has): ok.
    status, body = review("a-s1", refs[:1], "approve")
    assert body["results"][0]["ok"] and body["results"][0]["status"] == "school_approved"
    check_invariants()


def test_a_withdrawal_with_nobody_waiting_queries_no_waitlist_reads_nothing_back_SE_4(clock_at):
    clock_at(R1)
    assert select("t4", "p1-c2")[0] == 201
    calls = dynamodb_calls()
    status, body = withdraw("t4", "p1-c2")
    assert status == 200 and body["status"] == "withdrawn"
    # The caller's account, the selection and the seat counter in one read; no waitlist
    # query, no read-back.
    assert calls == ["BatchGetItem", "TransactWriteItems"]
    assert status_of("t4", "p1-c2") == "withdrawn" and seats("p1-c2")["held"] == 0
    check_invariants()


def _changed_elsewhere(user_id: str, **update: Any) -> None:
    """Change an account as another Lambda would: in the table only, so this warm process's
    cached copy still says otherwise."""
    user = records.get_user(user_id)
    assert user is not None
    store.put_item(records.user_item(user.model_copy(update=update)))


def test_a_withdrawal_refuses_an_account_disabled_elsewhere_at_once_in_its_one_read_SE_4(
    clock_at,
):
    clock_at(R1)
    assert select("t4", "p1-c2")[0] == 201  # t4's account is cached in this Lambda
    _changed_elsewhere("t4", disabled=True, disabled_reason="已调离")
    calls = dynamodb_calls()
    status, body = withdraw("t4", "p1-c2")
    assert (status, body["code"]) == (403, "account_disabled"), body
    assert "已调离" in body["message"]
    assert calls == ["BatchGetItem"]  # the read the withdrawal makes anyway; nothing written
    assert status_of("t4", "p1-c2") == "pending" and seats("p1-c2")["held"] == 1
    check_invariants()


@pytest.mark.parametrize(
    ("change", "answer"),
    [
        ({"disabled": True, "disabled_reason": "已调离"}, (403, "account_disabled")),
        ({"school_id": "s2"}, (409, "account_changed")),
        ({"role": Role.TEACHER}, (409, "account_changed")),
    ],
)
def test_a_bulk_review_refuses_an_admin_disabled_moved_or_re_roled_elsewhere_before_writing_SE_1(
    clock_at, change: dict[str, Any], answer: tuple[int, str]
):
    clock_at(R1)
    refs = [("t4", "p1-c2"), ("t5", "p1-c2")]
    for t, c in refs:
        assert select(t, c)[0] == 201
    clock_at(R1_SCHOOL)
    assert api("GET", "/api/school/selections", "a-s1")[0] == 200  # the admin's copy is cached
    _changed_elsewhere("a-s1", **change)
    calls = dynamodb_calls()
    status, body = review("a-s1", refs, "approve")
    assert (status, body["code"]) == answer, body
    assert calls == ["BatchGetItem"]  # the account came with the classes: no write followed
    assert {status_of(t, c) for t, c in refs} == {"pending"}
    # A retry is judged on the account as it is now: no longer s1's reviewer, it decides nothing.
    status, body = review("a-s1", refs, "approve")
    assert status == 403 or not any(r["ok"] for r in body["results"]), body
    assert {status_of(t, c) for t, c in refs} == {"pending"}
    check_invariants()


def test_school_review_is_refused_outside_its_windows(clock_at):
    clock_at(R1)
    select("t4", "p1-c2")
    status, body = review("p-s1", [("t4", "p1-c2")], "approve")
    assert (status, body["code"]) == (409, "outside_window")
    clock_at(EXPAND_APPLY)
    assert review("p-s1", [("t4", "p1-c2")], "approve")[1]["code"] == "outside_window"
    assert status_of("t4", "p1-c2") == "pending"
    clock_at(R2_SCHOOL)  # a leftover round-1 selection is reviewed in the round-2 window
    assert review("p-s1", [("t4", "p1-c2")], "approve")[1]["results"][0]["ok"]


# --- expansion and recheck ----------------------------------------------------------------


def test_expansion_apply_accept_promotes_the_waitlist_in_order_SE_3(clock_at):
    clock_at(R1)
    fill_p1_c1()
    for t in ("t4", "t5", "t6", "t7"):
        select(t, "p1-c1", waitlist=True)
    clock_at(EXPAND_APPLY)
    status, body = api("GET", "/api/institution/classes", "inst-zjnu")
    demand = {c["class_id"]: c for c in body["classes"]}
    assert (demand["p1-c1"]["held"], demand["p1-c1"]["capacity"]) == (2, 2)
    assert demand["p1-c1"]["waitlist"] == 4
    req = {"class_id": "p1-c1", "extra": 3, "reason": "报名人数多，候补 4 人"}
    assert api("POST", "/api/institution/expansions", "inst-other", req)[1]["code"] == "not_found"
    status, body = api("POST", "/api/institution/expansions", "inst-zjnu", req)
    assert (status, body["state"], body["bureau_region"]) == (201, "applied", "330000")
    assert api("POST", "/api/institution/expansions", "inst-zjnu", req)[0] == 201  # retry
    clock_at(EXPAND_ACCEPT)
    path = "/api/bureau/expansions/p1-c1"
    route = "/api/bureau/expansions/{class_id}"
    pp = {"class_id": "p1-c1"}
    assert api("GET", "/api/bureau/expansions", "bureau-330200")[1]["expansions"] == []
    assert api("POST", path, "bureau-330200", {"accept": True}, route=route, params=pp)[0] == 404
    status, body = api("POST", path, "bureau-330000", {"accept": False}, route=route, params=pp)
    assert (status, body["code"]) == (422, "reason_required")
    status, body = api("POST", path, "bureau-330000", {"accept": True}, route=route, params=pp)
    assert (status, body["state"], body["promoted"]) == (200, "accepted", 3)
    assert seats("p1-c1")["capacity"] == 5 and seats("p1-c1")["held"] == 5
    assert [status_of(t, "p1-c1") for t in ("t4", "t5", "t6", "t7")] == [
        "pending",
        "pending",
        "pending",
        "waitlisted",
    ]
    status, body = api("POST", path, "bureau-330000", {"accept": True}, route=route, params=pp)
    assert (status, body["promoted"]) == (200, 0)  # retry: nothing changes twice
    assert seats("p1-c1")["capacity"] == 5
    check_invariants()


def test_expansion_windows_are_server_side(clock_at):
    clock_at(R1)
    req = {"class_id": "p1-c1", "extra": 3, "reason": "报名人数多"}
    status, body = api("POST", "/api/institution/expansions", "inst-zjnu", req)
    assert (status, body["code"]) == (409, "outside_window")


def test_recheck_confirms_and_rejection_frees_the_seat_and_promotes_PH_R1_RECHECK(clock_at):
    clock_at(R1)
    fill_p1_c1()
    select("t4", "p1-c1", waitlist=True)
    clock_at(R1_SCHOOL)
    review("p-s1", [("t1", "p1-c1"), ("t2", "p1-c1")], "approve")
    assert recheck("inst-zjnu", [("t1", "p1-c1")], "confirm")[1]["code"] == "outside_window"
    clock_at(R1_RECHECK)
    roster = api(
        "GET",
        "/api/institution/classes/p1-c1/roster",
        "inst-zjnu",
        route="/api/institution/classes/{class_id}/roster",
        params={"class_id": "p1-c1"},
    )[1]
    assert [w_["teacher_id"] for w_ in roster["waitlist"]] == ["t4"]
    assert recheck("inst-zjnu", [("t2", "p1-c1")], "reject")[1]["code"] == "reason_required"
    status, body = recheck("inst-zjnu", [("t1", "p1-c1")], "confirm")
    assert body["results"][0]["status"] == "confirmed"
    status, body = recheck("inst-zjnu", [("t2", "p1-c1")], "reject", "不符合参训条件")
    assert body["results"][0]["status"] == "recheck_rejected"
    assert status_of("t4", "p1-c1") == "pending"
    assert recheck("inst-other", [("t1", "p1-c1")], "confirm")[1]["results"][0]["ok"] is False
    # The promoted round-1 selection is reviewed in the round-2 school window, then rechecked.
    clock_at(R2_SCHOOL)
    assert review("p-s1", [("t4", "p1-c1")], "approve")[1]["results"][0]["ok"]
    clock_at(R2_RECHECK)
    assert recheck("inst-zjnu", [("t4", "p1-c1")], "confirm")[1]["results"][0]["ok"]
    check_invariants()


# --- CH-3 withdrawal rights ---------------------------------------------------------------


def test_withdrawal_right_lets_a_teacher_withdraw_outside_the_windows_CH_3(clock_at):
    clock_at(R1)
    fill_p1_c1()
    select("t4", "p1-c1", waitlist=True)
    clock_at(R1_SCHOOL)
    review("p-s1", [("t1", "p1-c1")], "approve")
    clock_at(R1_RECHECK)
    recheck("inst-zjnu", [("t1", "p1-c1")], "confirm")
    clock_at(TRAIN)
    assert withdraw("t1", "p1-c1")[1]["code"] == "outside_window"
    sel_store.grant_withdrawal_right(
        WithdrawalRight(
            teacher_id="t1",
            term="2024H1",
            project_id="p1",
            change_id="chg-001",
            reason="培训地点由金华改为线上（重大变更）",
            granted_at=datetime(2024, 4, 15, 9, tzinfo=SHANGHAI),
        )
    )
    assert sel_store.get_withdrawal_right("t1", "2024H1", "p1").change_id == "chg-001"
    assert withdraw("t2", "p1-c1")[1]["code"] == "outside_window"  # no right: refused
    status, body = withdraw("t1", "p1-c1")
    assert (status, body["status"]) == (200, "withdrawn")
    # After the last review window no promotion happens (SE-1: no window could review the seat);
    # the waitlist itself is closed when PH-R2-RECHECK ends (tests/integration/test_season_closing).
    assert status_of("t4", "p1-c1") == "waitlisted"


# --- exports ------------------------------------------------------------------------------


def _xlsx(path: str, sub: str, route: str | None = None, params: dict | None = None) -> tuple:
    resp = lambda_handler(
        http_event("GET", path, sub=sub, route=route, path_params=params), FakeContext()
    )
    return resp


def test_school_and_roster_exports_are_xlsx_with_a_chinese_filename(clock_at):
    from openpyxl import load_workbook

    clock_at(R1)
    fill_p1_c1()
    resp = _xlsx("/api/school/export", "p-s1")
    assert resp["statusCode"] == 200 and resp["isBase64Encoded"] is True
    headers = {k.lower(): v for k, v in resp["headers"].items()}
    assert headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disp = headers["content-disposition"]
    assert disp.startswith("attachment;") and "filename*=UTF-8''" in disp
    assert "学校选课名单" in unquote(disp.split("filename*=UTF-8''")[1])
    ws = load_workbook(io.BytesIO(base64.b64decode(resp["body"]))).active
    rows = list(ws.values)
    assert rows[0][:2] == ("教师编号", "姓名") and {r[0] for r in rows[1:]} == {"t1", "t2"}
    resp = _xlsx(
        "/api/institution/classes/p1-c1/export",
        "inst-zjnu",
        "/api/institution/classes/{class_id}/export",
        {"class_id": "p1-c1"},
    )
    assert resp["statusCode"] == 200
    ws = load_workbook(io.BytesIO(base64.b64decode(resp["body"]))).active
    assert len(list(ws.values)) == 3
    assert _xlsx("/api/school/export", "t1")["statusCode"] == 403


# --- invariants under a random workload with injected faults -------------------------------


def check_promotion_order() -> None:
    """Nobody still waiting joined before someone who was promoted (FIFO)."""
    sels = [i for i in store.table().scan()["Items"] if i["SK"].startswith("SEL#")]
    for cid in {s["class_id"] for s in sels}:
        promoted = [int(s["wl_seq"]) for s in sels if s["class_id"] == cid and s.get("promoted")]
        still = [
            int(s["wl_seq"]) for s in sels if s["class_id"] == cid and s["status"] == "waitlisted"
        ]
        if promoted and still:
            assert max(promoted) < min(still), cid


@pytest.mark.parametrize("seed", [1, 2])
def test_random_workload_with_injected_faults_keeps_every_invariant_SE_4(clock_at, seed):
    """Select, join, withdraw, review, expand and recheck at random while 25% of DynamoDB calls
    fail with throttles or transaction conflicts. Every answer is a 2xx, a 4xx with a code or
    a retryable 503 with Retry-After (retried with the same Idempotency-Key, as clients do);
    after every step the stored data satisfies SE-4, the per-term limit, uniqueness, the
    waitlist bookkeeping and FIFO promotion."""
    import random

    rng = random.Random(seed)
    teachers = ["t1", "t2", *(t.teacher_id for t in EXTRA)]
    classes = ["p1-c1", "p2-c1", "p4-c1"]  # p1-c1 (cap 2) and p2-c1 clash; p4-c1 does not
    store.batch_write(
        [
            {**keys.class_seats("p2-c1"), "capacity": 2, "held": 0},
            {**keys.class_seats("p4-c1"), "capacity": 1, "held": 0},
        ]
    )
    store.install_faults(store.client(), 0.25, seed=seed)
    statuses: list[int] = []

    def send(fn: Any, *args: Any) -> tuple[int, dict]:
        key = f"rnd-{rng.getrandbits(48):012x}"
        for _ in range(8):
            status, body = fn(*args, key=key) if fn in (select, withdraw) else fn(*args)
            statuses.append(status)
            if status != 503:
                return status, body
        return status, body

    def step_r1() -> None:
        t, c = rng.choice(teachers), rng.choice(classes)
        op = rng.random()
        if op < 0.55:
            send(select, t, c, rng.random() < 0.7)
        else:
            send(withdraw, t, c)

    clock_at(R1)
    for _ in range(60):
        step_r1()
        check_invariants()
        check_promotion_order()
    clock_at(R1_SCHOOL)
    for _ in range(15):
        t, c = rng.choice(teachers), rng.choice(classes)
        if rng.random() < 0.6:
            send(review, "p-s1", [(t, c)], "approve")
        else:
            send(review, "p-s1", [(t, c)], "reject", "名额调整")
        check_invariants()
        check_promotion_order()
    clock_at(EXPAND_APPLY)
    for c in classes:
        send(
            api,
            "POST",
            "/api/institution/expansions",
            "inst-zjnu",
            {"class_id": c, "extra": rng.randint(1, 3), "reason": "候补较多"},
        )
    clock_at(EXPAND_ACCEPT)
    for c in classes:
        send(
            api,
            "POST",
            f"/api/bureau/expansions/{c}",
            "bureau-330000",
            {"accept": True},
            None,
            "/api/bureau/expansions/{class_id}",
            {"class_id": c},
        )
        check_invariants()
        check_promotion_order()
    clock_at(R1_RECHECK)
    for _ in range(15):
        t, c = rng.choice(teachers), rng.choice(classes)
        decision = rng.choice(["confirm", "reject"])
        send(recheck, "inst-zjnu", [(t, c)], decision, "复核调整")
        check_invariants()
        check_promotion_order()
    assert 500 not in statuses and all(s < 500 or s == 503 for s in statuses)
    assert store.injected_faults, "faults were injected"


def test_retries_are_bounded_and_end_in_a_503_with_retry_after(clock_at):
    clock_at(R1)
    records.get_user("t1"), records.get_teacher("t1"), records.get_class_doc("p1-c2")  # warm
    store.install_faults(store.client(), 1.0, seed=7)
    before = len(store.injected_faults)
    status, body, headers = call(
        lambda_handler,
        http_event("POST", "/api/selections", sub="t1", body={"class_id": "p1-c2"}),
    )
    assert (status, body["code"]) == (503, "busy")
    assert int(headers["Retry-After"]) >= 1
    from functions.common.settings import settings

    assert len(store.injected_faults) - before == settings().ddb_max_attempts


def test_a_throttled_call_is_sent_at_most_the_budget_in_all_not_botocores_times_ours_SE_4(
    clock_at,
):
    """The endpoint throttles every send: botocore retries nothing itself, with_retries sends
    `ddb_max_attempts` times in all (not 4 botocore attempts inside each of 4 of ours), then 503."""
    from botocore.awsrequest import AWSResponse

    from functions.common.settings import settings

    clock_at(R1)
    records.get_user("t1"), records.get_teacher("t1"), records.get_class_doc("p1-c2")  # warm
    sends: list[str] = []

    class Raw:
        def stream(self, **_: Any) -> Any:
            yield b'{"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException"}'

    def throttled(request: Any, **_: Any) -> AWSResponse:
        sends.append(request.url)
        return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.0"}, Raw())

    store.client().meta.events.register_first("before-send.dynamodb.*", throttled)
    status, body, headers = call(
        lambda_handler,
        http_event("POST", "/api/selections", sub="t1", body={"class_id": "p1-c2"}),
    )
    assert (status, body["code"]) == (503, "busy") and headers["Retry-After"] == "1"
    assert len(sends) == settings().ddb_max_attempts == 3


def test_a_hot_class_answers_503_at_once_and_writes_nothing_while_others_go_on_SE_4(clock_at):
    """DynamoDB cancels concurrent transactions on a hot seat counter (TransactionConflict):
    the budget spent, the teacher gets a 503 with Retry-After (the page retries for her)."""
    clock_at(R1)
    for t in ("t1", "t4"):
        records.get_user(t), records.get_teacher(t)
    calls = dynamodb_calls()
    store.install_hot_items(store.client(), [keys.class_seats("p1-c2")["PK"]], 1.0, seed=3)
    status, body, headers = call(
        lambda_handler,
        http_event("POST", "/api/selections", sub="t1", body={"class_id": "p1-c2"}),
    )
    assert (status, body["code"], headers["Retry-After"]) == (503, "busy", "1")
    assert calls.count("TransactWriteItems") == 3
    assert status_of("t1", "p1-c2") is None and seats("p1-c2")["held"] == 0
    assert select("t4", "p4-c1")[0] == 201  # another class is not hot
    assert store.hot_conflict_rate(2000) == 0.75 and store.hot_conflict_rate(400) == 0.0
