"""Idempotency that means what it says (issue 11, item 4): a replayed `Idempotency-Key` returns
the first answer and changes nothing, even after the state moved on; the same key with another
request is refused with 422 `idempotency_key_reused` and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from functions.common import keys, records, store
from functions.orders.handler import lambda_handler as orders_handler
from functions.records.handler import lambda_handler as records_handler
from functions.selection.handler import lambda_handler as selection_handler
from schemas.people import Role, Teacher, User
from tests.support.events import call, http_event

R1 = "2024-03-20 10:00"


def api(
    handler: Any, method: str, path: str, sub: str, body: Any = None, key: str | None = None
) -> tuple[int, dict[str, Any]]:
    route, params = path, None
    if path.startswith("/api/selections/"):
        route, params = "/api/selections/{class_id}", {"class_id": path.rsplit("/", 1)[1]}
    headers = {"Idempotency-Key": key} if key else None
    status, data, _ = call(
        handler,
        http_event(
            method, path, sub=sub, body=body, headers=headers, route=route, path_params=params
        ),
    )
    return status, data


def select(sub: str, cid: str, key: str, waitlist: bool = False) -> tuple[int, dict[str, Any]]:
    body = {"class_id": cid, "waitlist": waitlist}
    return api(selection_handler, "POST", "/api/selections", sub, body, key)


def withdraw(sub: str, cid: str, key: str) -> tuple[int, dict[str, Any]]:
    return api(selection_handler, "DELETE", f"/api/selections/{cid}", sub, key=key)


def held(cid: str) -> int:
    item = store.get_item(keys.class_seats(cid), consistent=True)
    assert item is not None
    return int(item["held"])


def status_of(tid: str, cid: str) -> str | None:
    item = store.get_item(keys.selection(tid, "2024H1", cid), consistent=True)
    return str(item["status"]) if item else None


@pytest.fixture
def round1(world: None, clock_at: Any) -> None:
    clock_at(R1)


@pytest.mark.usefixtures("round1")
def test_a_replayed_select_after_a_withdrawal_returns_the_first_answer_and_takes_no_seat() -> None:
    first = select("t1", "p1-c2", "key-select-0001")
    assert first[0] == 201
    assert withdraw("t1", "p1-c2", "key-withdraw-0001")[0] == 200
    assert (held("p1-c2"), status_of("t1", "p1-c2")) == (0, "withdrawn")

    again = select("t1", "p1-c2", "key-select-0001")

    assert again == first  # 201 and the very first body
    assert (held("p1-c2"), status_of("t1", "p1-c2")) == (0, "withdrawn")  # nothing changed
    # a new key is a new request: the teacher can take the seat again
    assert select("t1", "p1-c2", "key-select-0002")[0] == 201
    assert held("p1-c2") == 1


@pytest.mark.usefixtures("round1")
def test_the_same_key_for_another_class_is_refused_and_writes_nothing() -> None:
    assert select("t1", "p1-c2", "key-select-0003")[0] == 201

    status, body = select("t1", "p4-c1", "key-select-0003")

    assert (status, body["code"]) == (422, "idempotency_key_reused")
    assert (held("p4-c1"), status_of("t1", "p4-c1")) == (0, None)
    # nor with another body for the same class (the waitlist flag), nor for a withdrawal
    assert select("t1", "p1-c2", "key-select-0003", waitlist=True)[1]["code"] == (
        "idempotency_key_reused"
    )
    assert withdraw("t1", "p1-c2", "key-select-0003")[1]["code"] == "idempotency_key_reused"
    assert (held("p1-c2"), status_of("t1", "p1-c2")) == (1, "pending")


@pytest.mark.usefixtures("round1")
def test_a_replayed_withdrawal_after_selecting_again_withdraws_nothing() -> None:
    assert select("t1", "p1-c2", "key-select-0004")[0] == 201
    first = withdraw("t1", "p1-c2", "key-withdraw-0004")
    assert first[0] == 200
    assert select("t1", "p1-c2", "key-select-0005")[0] == 201

    again = withdraw("t1", "p1-c2", "key-withdraw-0004")

    assert again == first
    assert (held("p1-c2"), status_of("t1", "p1-c2")) == (1, "pending")


@pytest.mark.usefixtures("round1")
def test_a_replayed_waitlist_join_returns_the_first_answer_and_takes_no_number() -> None:
    # p1-c1 has 2 seats: t1 and t2 fill it, a third teacher of the school waits
    third = Teacher(
        teacher_id="t7",
        name="周七",
        school_id="s1",
        region_code="330106",
        stage="小学",
        subject="语文",
    )
    login = User(
        user_id="t7",
        role=Role.TEACHER,
        name="周七",
        school_id="s1",
        region_code="330106",
        teacher_id="t7",
    )
    store.batch_write([records.teacher_item(third), records.user_item(login)])
    assert select("t1", "p1-c1", "key-fill-0001")[0] == 201
    assert select("t2", "p1-c1", "key-fill-0002")[0] == 201
    first = select("t7", "p1-c1", "key-wait-0001", waitlist=True)
    assert first[0] == 201 and first[1]["status"] == "waitlisted", first
    counter = store.get_item(keys.class_seats("p1-c1"), consistent=True)

    again = select("t7", "p1-c1", "key-wait-0001", waitlist=True)

    assert again == first
    assert store.get_item(keys.class_seats("p1-c1"), consistent=True) == counter


# --- orders and import jobs: the key names the record ----------------------------------------


ORDER = {
    "bureau_name": "杭州市西湖区教育局",
    "contact": "周老师",
    "mobile": "13800001111",
    "title": "小学数学大单元教学设计专题培训",
    "theme": "新课标下小学数学大单元整体教学",
    "target": "西湖区小学数学教师",
    "stage": "小学",
    "subject": "数学",
    "field": "学科教学",
    "trainees": 50,
    "days": 5,
    "level": "骨干",
    "form": "面授",
    "goals": "提升教师大单元整体教学设计能力。",
    "course_requirements": "以课例研讨为主，送教下县。",
    "intended_institutions": [],
}


def test_an_order_key_sent_again_with_another_form_is_refused(ddb: None, clock_at: Any) -> None:
    clock_at("2024-03-08 10:00")
    bureau = User(
        user_id="bureau-330106", role=Role.COUNTY_BUREAU, name="西湖区教育局", region_code="330106"
    )
    store.batch_write([records.user_item(bureau)])
    first = api(orders_handler, "POST", "/api/orders", bureau.user_id, ORDER, "order-key-0001")
    assert first[0] == 201
    assert api(orders_handler, "POST", "/api/orders", bureau.user_id, ORDER, "order-key-0001") == (
        201,
        first[1],
    )

    other = {**ORDER, "title": "初中数学专题培训"}
    status, body = api(
        orders_handler, "POST", "/api/orders", bureau.user_id, other, "order-key-0001"
    )

    assert (status, body["code"]) == (422, "idempotency_key_reused")
    status, mine = api(orders_handler, "GET", "/api/orders", bureau.user_id)
    assert [o["form"]["title"] for o in mine["orders"]] == [ORDER["title"]]


def test_an_import_key_sent_again_with_another_file_is_refused(ddb: None, clock_at: Any) -> None:
    clock_at("2024-03-01 10:00")
    bureau = User(
        user_id="bureau-330000", role=Role.PROVINCE_BUREAU, name="省教育厅", region_code="330000"
    )
    store.batch_write([records.user_item(bureau)])
    file = {"file_name": "teachers.csv", "size": 100}
    first = api(
        records_handler, "POST", "/api/records/imports", bureau.user_id, file, "job-key-0001"
    )
    assert first[0] == 201
    again = api(
        records_handler, "POST", "/api/records/imports", bureau.user_id, file, "job-key-0001"
    )
    assert again == first

    other = {"file_name": "other.csv", "size": 999}
    status, body = api(
        records_handler, "POST", "/api/records/imports", bureau.user_id, other, "job-key-0001"
    )

    assert (status, body["code"]) == (422, "idempotency_key_reused")
    job = store.get_item(keys.import_job("job-key-0001"), consistent=True)
    assert job is not None and (job["file_name"], int(job["size"])) == ("teachers.csv", 100)
