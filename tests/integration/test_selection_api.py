"""Selection handlers against the DynamoDB engine (moto), the table built from the shared
definition. Each test names the rule it proves."""

from __future__ import annotations

from typing import Any

import pytest

from functions.common import keys, store
from functions.selection.handler import lambda_handler
from tests.support.events import call, http_event

R1 = "2024-03-20 10:00"
R2 = "2024-03-31 10:00"

pytestmark = pytest.mark.usefixtures("world")


def select(sub: str, class_id: str, key: str | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"Idempotency-Key": key} if key else None
    status, body, _ = call(
        lambda_handler,
        http_event(
            "POST", "/api/selections", sub=sub, body={"class_id": class_id}, headers=headers
        ),
    )
    return status, body


def withdraw(sub: str, class_id: str, key: str | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"Idempotency-Key": key} if key else None
    status, body, _ = call(
        lambda_handler,
        http_event(
            "DELETE",
            f"/api/selections/{class_id}",
            route="/api/selections/{class_id}",
            sub=sub,
            headers=headers,
            path_params={"class_id": class_id},
        ),
    )
    return status, body


def held(class_id: str) -> int:
    return int(store.get_item(keys.class_seats(class_id))["held"])


def selection_item(teacher: str, class_id: str) -> dict[str, Any] | None:
    return store.get_item(keys.selection(teacher, "2024H1", class_id))


def test_select_in_round1_holds_a_seat_pending_school_review_SE_4(clock_at):
    clock_at(R1)
    status, body = select("t1", "p1-c2")
    assert status == 201
    assert body["status"] == "pending" and body["status_text"] == "待学校审核"
    assert body["round"] == 1 and body["school_id"] == "s1"
    assert held("p1-c2") == 1
    assert selection_item("t1", "p1-c2")["GSI2PK"] == "SCHOOL#s1#2024H1"


def test_select_outside_window_is_refused_and_writes_nothing_PH_R1(clock_at):
    clock_at("2024-03-18 23:59")
    status, body = select("t1", "p1-c2")
    assert (status, body["code"]) == (409, "outside_window")
    assert "第一轮" in body["message"]
    assert held("p1-c2") == 0
    assert selection_item("t1", "p1-c2") is None
    assert store.get_item(keys.teacher_term("t1", "2024H1")) is None


def test_window_days_are_inclusive_in_shanghai_time_PH_R1(clock_at):
    clock_at("2024-03-26 23:59")
    assert select("t1", "p1-c2")[0] == 201
    clock_at("2024-03-27 00:00")
    assert select("t2", "p1-c2")[1]["code"] == "outside_window"


def test_full_class_is_refused_and_writes_nothing_SE_4(clock_at):
    clock_at(R1)
    assert select("t1", "p1-c1")[0] == 201
    assert select("t2", "p1-c1")[0] == 201
    status, body = select("t3", "p1-c1")
    assert (status, body["code"], body["message"]) == (409, "class_full", "该班期名额已满")
    assert held("p1-c1") == 2
    assert selection_item("t3", "p1-c1") is None


def test_same_class_twice_is_refused_and_changes_nothing(clock_at):
    clock_at(R1)
    assert select("t1", "p1-c2")[0] == 201
    status, body = select("t1", "p1-c2")
    assert (status, body["code"]) == (409, "already_selected")
    assert held("p1-c2") == 1


def test_retry_with_same_idempotency_key_returns_first_result(clock_at):
    clock_at(R1)
    first = select("t1", "p1-c2", key="key-000001")
    again = select("t1", "p1-c2", key="key-000001")
    assert first[0] == 201 and again[0] == 201
    assert again[1]["created_at"] == first[1]["created_at"]
    assert held("p1-c2") == 1
    assert select("t1", "p1-c2", key="key-000002")[1]["code"] == "already_selected"


def test_withdraw_returns_the_seat_and_allows_reselect(clock_at):
    clock_at(R1)
    select("t1", "p1-c1")
    select("t2", "p1-c1")
    status, body = withdraw("t1", "p1-c1")
    assert (status, body["status"], body["status_text"]) == (200, "withdrawn", "已退选")
    assert held("p1-c1") == 1
    assert select("t3", "p1-c1")[0] == 201  # the freed seat can be taken
    assert held("p1-c1") == 2
    item = selection_item("t1", "p1-c1")
    assert [e["event"] for e in item["history"]] == ["selected", "withdrawn"]


def test_withdraw_twice_or_unknown_is_not_selected(clock_at):
    clock_at(R1)
    select("t1", "p1-c2")
    assert withdraw("t1", "p1-c2")[0] == 200
    status, body = withdraw("t1", "p1-c2")
    assert (status, body["code"]) == (409, "not_selected")
    assert held("p1-c2") == 0
    assert withdraw("t1", "p2-c1")[1]["code"] == "not_selected"


def test_withdraw_retry_with_same_key_returns_first_result(clock_at):
    clock_at(R1)
    select("t1", "p1-c2")
    assert withdraw("t1", "p1-c2", key="wd-0000001")[0] == 200
    status, body = withdraw("t1", "p1-c2", key="wd-0000001")
    assert (status, body["status"]) == (200, "withdrawn")
    assert held("p1-c2") == 0


def test_withdraw_outside_window_is_refused(clock_at):
    clock_at(R1)
    select("t1", "p1-c2")
    clock_at("2024-03-28 10:00")
    assert withdraw("t1", "p1-c2")[1]["code"] == "outside_window"
    assert held("p1-c2") == 1


def test_reselect_after_withdraw_keeps_history(clock_at):
    clock_at(R1)
    select("t1", "p1-c2")
    withdraw("t1", "p1-c2")
    assert select("t1", "p1-c2")[0] == 201
    assert held("p1-c2") == 1
    assert [e["event"] for e in selection_item("t1", "p1-c2")["history"]] == [
        "selected",
        "withdrawn",
        "selected",
    ]


def test_date_clash_names_the_other_class(clock_at):
    clock_at(R1)
    assert select("t1", "p1-c1")[0] == 201
    status, body = select("t1", "p2-c1")
    assert (status, body["code"], body["clash_class_id"]) == (409, "date_clash", "p1-c1")
    assert "第1期" in body["message"]
    assert held("p2-c1") == 0


def test_term_limit_holds(clock_at):
    clock_at(R1)
    for cid in ("p1-c2", "p4-c1", "p5-c1"):
        assert select("t1", cid)[0] == 201
    status, body = select("t1", "p2-c1")
    assert (status, body["code"]) == (409, "term_limit")
    assert held("p2-c1") == 0


def test_round2_only_for_round1_participants_SE_2(clock_at):
    clock_at(R1)
    assert select("t1", "p1-c2")[0] == 201
    clock_at(R2)
    status, body = select("t2", "p4-c1")
    assert (status, body["code"]) == (403, "round2_not_allowed")
    assert held("p4-c1") == 0
    status, body = select("t1", "p4-c1")
    assert (status, body["round"]) == (201, 2)


def test_target_stage_is_enforced(clock_at):
    clock_at(R1)
    status, body = select("t1", "p3-c1")
    assert (status, body["code"]) == (403, "not_eligible")
    assert "高中" in body["message"]
    assert select("t3", "p3-c1")[0] == 201


def test_unknown_class_is_404_and_bad_body_is_422(clock_at):
    clock_at(R1)
    assert select("t1", "nope-c9")[1]["code"] == "not_found"
    status, body, _ = call(
        lambda_handler, http_event("POST", "/api/selections", sub="t1", body={"class": 1})
    )
    assert (status, body["code"]) == (422, "validation_error")
    assert body["message"] == "提交的数据不符合要求"
    status, body, _ = call(
        lambda_handler, http_event("POST", "/api/selections", sub="t1", body="{not json")
    )
    # a body that is not JSON at all is a bad request (issue 11: 400, not a validation error)
    assert (status, body["code"]) == (400, "bad_json")


def test_bad_idempotency_key_is_422(clock_at):
    clock_at(R1)
    status, body = select("t1", "p1-c2", key="x")
    assert (status, body["code"]) == (422, "validation_error")
    assert held("p1-c2") == 0


def test_identity_and_role_come_from_user_records(clock_at):
    clock_at(R1)
    status, body, _ = call(
        lambda_handler, http_event("POST", "/api/selections", body={"class_id": "p1-c2"})
    )
    assert (status, body["code"]) == (401, "unauthorized")
    assert select("ghost", "p1-c2")[1]["code"] == "unknown_user"
    status, body = select("p-s1", "p1-c2")
    assert (status, body["code"]) == (403, "forbidden")
    assert held("p1-c2") == 0


def test_my_selections_lists_with_status_text(clock_at):
    clock_at(R1)
    select("t1", "p1-c2")
    select("t1", "p4-c1")
    withdraw("t1", "p4-c1")
    status, body, _ = call(lambda_handler, http_event("GET", "/api/selections", sub="t1"))
    assert status == 200
    rows = {r["class_id"]: r for r in body["selections"]}
    assert rows["p1-c2"]["status_text"] == "待学校审核"
    assert rows["p4-c1"]["status"] == "withdrawn"
    assert rows["p1-c2"]["next_step"]


def test_seats_are_public_and_live(clock_at):
    clock_at(R1)
    select("t1", "p1-c1")
    status, body, _ = call(
        lambda_handler, http_event("GET", "/api/seats", query={"class_ids": "p1-c1,p2-c1"})
    )
    assert status == 200
    seats = {s["class_id"]: s for s in body["seats"]}
    assert seats["p1-c1"] == {
        "class_id": "p1-c1",
        "capacity": 2,
        "held": 1,
        "left": 1,
        "waitlist": 0,
    }
    assert seats["p2-c1"]["left"] == 30
    status, body, _ = call(
        lambda_handler, http_event("GET", "/api/seats", query={"class_ids": ","})
    )
    assert status == 422


def test_a_teacher_disabled_by_another_lambda_cannot_take_a_seat_at_once(clock_at):
    """The seat's transaction checks the account itself: no read, and no 60-s cache grace."""
    from functions.common import records

    clock_at(R1)
    assert select("t1", "p1-c2")[0] == 201  # t1's records are warm in this Lambda
    t1 = records.get_user("t1")
    assert t1 is not None
    # Disabled by the school admin through another Lambda: only the table knows.
    gone = t1.model_copy(update={"disabled": True, "disabled_reason": "已调离"})
    store.put_item(records.user_item(gone))
    held = store.get_item(keys.class_seats("p4-c1"))["held"]

    status, body = select("t1", "p4-c1")
    assert (status, body["code"]) == (403, "account_disabled"), body
    assert "已调离" in body["message"]
    assert selection_item("t1", "p4-c1") is None
    assert store.get_item(keys.class_seats("p4-c1"))["held"] == held


def test_a_teacher_re_roled_by_another_lambda_takes_no_seat_with_her_old_role_SE_4(clock_at):
    """The seat's transaction checks the account's role and scope too, not only `disabled`:
    a cached copy authorises nothing the account no longer may do."""
    from functions.common import records
    from schemas.people import Role

    clock_at(R1)
    assert select("t1", "p1-c2")[0] == 201  # t1's records are warm in this Lambda
    t1 = records.get_user("t1")
    assert t1 is not None
    # Made a principal by an administrator through another Lambda: only the table knows.
    store.put_item(records.user_item(t1.model_copy(update={"role": Role.PRINCIPAL})))
    held = store.get_item(keys.class_seats("p4-c1"))["held"]

    status, body = select("t1", "p4-c1")
    assert (status, body["code"]) == (409, "account_changed"), body
    assert selection_item("t1", "p4-c1") is None
    assert store.get_item(keys.class_seats("p4-c1"))["held"] == held
    # The retry is judged on the account as it is now: a principal takes no seat.
    status, body = select("t1", "p4-c1")
    assert (status, body["code"]) == (403, "forbidden"), body
    assert selection_item("t1", "p4-c1") is None


def test_a_teacher_re_enabled_by_another_lambda_selects_at_once_SE_4(clock_at):
    """A cached copy that says disabled is read again before refusing a write."""
    from functions.common import records

    clock_at(R1)
    t1 = records.get_user("t1")
    assert t1 is not None
    store.put_item(records.user_item(t1.model_copy(update={"disabled": True})))
    records.clear_cache()
    assert select("t1", "p1-c2")[1]["code"] == "account_disabled"  # now cached as disabled
    store.put_item(records.user_item(t1))  # re-enabled through another Lambda
    assert select("t1", "p1-c2")[0] == 201


def test_an_account_item_written_before_the_grant_attribute_still_selects_SE_4(clock_at):
    """Accounts stored without the grant attribute (older items) are checked for `disabled`
    only: a change of role or scope writes the item again, with the attribute."""
    from functions.common import records

    clock_at(R1)
    t1 = records.get_user("t1")
    assert t1 is not None
    older = records.user_item(t1)
    del older[records.GRANT]
    store.put_item(older)
    assert select("t1", "p4-c1")[0] == 201


def test_hot_path_is_one_transaction_and_no_reads(clock_at):
    """A warm selection costs exactly one DynamoDB call: TransactWriteItems (records are cached)."""
    clock_at(R1)
    assert select("t1", "p1-c2")[0] == 201  # warms t1's user and teacher records
    assert select("t2", "p4-c1")[0] == 201  # warms the class record, as other teachers would
    calls: list[str] = []
    store.client().meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: calls.append(model.name)
    )
    assert select("t1", "p4-c1")[0] == 201
    assert calls == ["TransactWriteItems"]
