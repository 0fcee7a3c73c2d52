"""PH-1 correction requests against the DynamoDB engine (moto): a teacher sees her record and,
before selection opens, asks her school to correct it; the school approves (the record changes
in the same transaction) or refuses with a reason. Window, one pending request, scope and a
lost update are enforced by the server."""

from __future__ import annotations

from typing import Any

import pytest

from functions.common import keys, records, store
from functions.records import store as records_store
from functions.records.handler import lambda_handler
from schemas.people import Role, User
from tests.support.events import call, http_event
from tests.support.world import COUNTY, OTHER_COUNTY

pytestmark = pytest.mark.usefixtures("world", "staff")

IN_WINDOW = "2024-03-10 10:00"
AFTER_WINDOW = "2024-03-19 10:00"  # round 1 has opened: PH-1 is over


@pytest.fixture
def staff() -> None:
    store.batch_write(
        [
            records.user_item(u)
            for u in (
                User(
                    user_id="a-s1",
                    role=Role.SCHOOL_ADMIN,
                    name="钱管理",
                    school_id="s1",
                    region_code=COUNTY,
                ),
                User(
                    user_id="a-s2",
                    role=Role.SCHOOL_ADMIN,
                    name="孙管理",
                    school_id="s2",
                    region_code=OTHER_COUNTY,
                ),
            )
        ]
    )


def api(method: str, path: str, sub: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
    status, out, _ = call(lambda_handler, http_event(method, path, sub=sub, body=body, **kw))
    return status, out


def ask(sub: str, body: dict[str, Any]) -> tuple[int, Any]:
    return api("POST", "/api/records/me/corrections", sub, body)


def decide(sub: str, teacher_id: str, request_id: str, body: dict[str, Any]) -> tuple[int, Any]:
    path = f"/api/records/corrections/{teacher_id}/{request_id}/decision"
    return api(
        "POST",
        path,
        sub,
        body,
        route="/api/records/corrections/{teacher_id}/{request_id}/decision",
        path_params={"teacher_id": teacher_id, "request_id": request_id},
    )


def teacher_items() -> list[dict[str, Any]]:
    return list(
        store.query_pages(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :sk)",
            ExpressionAttributeValues={":pk": "TEACHER#t1", ":sk": "CORRECTION#"},
        )
    )


def test_a_teacher_sees_her_record_and_the_window_PH_1(clock_at) -> None:
    clock_at(IN_WINDOW)
    status, me = api("GET", "/api/records/me", "t1")
    assert status == 200
    assert me["teacher"]["name"] == "王芳"
    assert me["teacher"]["school_name"] == "杭州市西湖区实验小学"
    assert me["window"]["open"] is True
    assert me["window"]["closes"] == "2024-03-19T00:00:00+08:00"
    assert "小学" in me["choices"]["stages"]
    assert {s["name"] for s in me["choices"]["schools"]} == {"杭州市西湖区实验小学"}
    assert me["open_request"] is None


def test_an_approved_correction_changes_the_record_in_the_window_PH_1(clock_at) -> None:
    clock_at(IN_WINDOW)
    status, req = ask("t1", {"stage": "初中", "subject": "语文", "note": "已调任初中部"})
    assert status == 201, req
    # Only what really changes is asked for; the school sees labels, not field names.
    assert req["changes"] == {"stage": "初中"}
    assert req["items"] == [{"field": "stage", "label": "学段", "before": "小学", "after": "初中"}]
    status, listed = api("GET", "/api/records/corrections", "a-s1", query={"status": "pending"})
    assert status == 200
    assert [r["request_id"] for r in listed["requests"]] == [req["request_id"]]
    assert listed["requests"][0]["teacher_name"] == "王芳"

    status, done = decide("a-s1", "t1", req["request_id"], {"approve": True})
    assert status == 200, done
    assert done["status"] == "approved" and done["decided_by_name"] == "钱管理"
    records.clear_cache()
    assert records.get_teacher("t1").stage == "初中"  # type: ignore[union-attr]
    _, me = api("GET", "/api/records/me", "t1")
    assert me["requests"][0]["status_text"] == "已通过，信息已更正"
    assert me["open_request"] is None


def test_a_new_school_moves_the_teacher_to_its_list_and_county_PH_1(clock_at) -> None:
    clock_at(IN_WINDOW)
    _, req = ask("t1", {"school_id": "s2"})
    assert req["items"][0]["after"] == "宁波市鄞州区第一中学"
    status, _ = decide("a-s1", "t1", req["request_id"], {"approve": True})
    assert status == 200
    moved = records_store.get_teacher("t1")
    assert moved is not None and moved.school_id == "s2" and moved.region_code == OTHER_COUNTY
    assert "t1" in {t.teacher_id for t in records_store.teachers_of_school("s2")}
    assert "t1" not in {t.teacher_id for t in records_store.teachers_of_school("s1")}


def test_no_request_outside_the_window_and_nothing_is_written_PH_1(clock_at) -> None:
    clock_at(AFTER_WINDOW)
    status, body = ask("t1", {"stage": "初中"})
    assert status == 409
    assert body["code"] == "outside_window"
    assert "3月18日" in body["message"]
    assert teacher_items() == []
    clock_at("2024-03-01 09:00")
    status, body = ask("t1", {"stage": "初中"})
    assert status == 409 and "3月7日" in body["message"]


def test_one_pending_request_at_a_time_PH_1(clock_at) -> None:
    clock_at(IN_WINDOW)
    assert ask("t1", {"stage": "初中"})[0] == 201
    status, body = ask("t1", {"title": "高级教师"})
    assert status == 409 and body["code"] == "correction_open"
    # The refused second request left nothing behind: one request and its guard.
    assert len(teacher_items()) == 2


def test_a_refusal_needs_a_reason_and_frees_the_teacher_to_ask_again_PH_1(clock_at) -> None:
    clock_at(IN_WINDOW)
    _, req = ask("t1", {"subject": "数学"})
    status, body = decide("a-s1", "t1", req["request_id"], {"approve": False, "reason": ""})
    assert status == 422 and body["code"] == "reason_required"
    status, body = decide(
        "a-s1", "t1", req["request_id"], {"approve": False, "reason": "任教学科以教务处排课为准"}
    )
    assert status == 200 and body["status"] == "refused"
    assert records_store.get_teacher("t1").subject == "语文"  # type: ignore[union-attr]
    _, me = api("GET", "/api/records/me", "t1")
    assert me["requests"][0]["reason"] == "任教学科以教务处排课为准"
    assert ask("t1", {"subject": "数学"})[0] == 201
    # Deciding twice is refused.
    status, body = decide("a-s1", "t1", req["request_id"], {"approve": True})
    assert status == 409 and body["code"] == "correction_decided"


def test_approval_after_the_window_is_refused_but_a_refusal_is_not_PH_1(clock_at) -> None:
    clock_at(IN_WINDOW)
    _, req = ask("t1", {"stage": "初中"})
    clock_at(AFTER_WINDOW)
    status, body = decide("a-s1", "t1", req["request_id"], {"approve": True})
    assert status == 409 and body["code"] == "outside_window"
    assert records_store.get_teacher("t1").stage == "小学"  # type: ignore[union-attr]
    status, _ = decide(
        "a-s1", "t1", req["request_id"], {"approve": False, "reason": "已过更新时间"}
    )
    assert status == 200


def test_only_the_teachers_own_school_sees_and_decides_PH_1(clock_at) -> None:
    clock_at(IN_WINDOW)
    _, req = ask("t1", {"stage": "初中"})
    _, other = api("GET", "/api/records/corrections", "a-s2")
    assert other["requests"] == []
    status, body = decide("a-s2", "t1", req["request_id"], {"approve": True})
    assert status == 404
    assert api("GET", "/api/records/corrections", "t2")[0] == 403
    assert api("GET", "/api/records/me", "a-s1")[0] == 403
    assert ask("a-s1", {"stage": "初中"})[0] == 403


def test_a_record_changed_meanwhile_is_not_overwritten_PH_1(clock_at, monkeypatch) -> None:
    clock_at(IN_WINDOW)
    _, req = ask("t1", {"stage": "初中"})
    # The decision is made on the record as it was; an import changes it before the write.
    stale = records_store.teacher_doc("t1")
    assert stale is not None
    store.table().update_item(
        Key=keys.teacher("t1"),
        UpdateExpression="SET #d = :d",
        ExpressionAttributeNames={"#d": "doc"},
        ExpressionAttributeValues={
            ":d": stale[0].model_copy(update={"title": "高级教师"}).model_dump_json()
        },
    )
    monkeypatch.setattr(records_store, "teacher_doc", lambda tid: stale)
    status, body = decide("a-s1", "t1", req["request_id"], {"approve": True})
    assert status == 409 and body["code"] == "correction_decided"
    # Nothing of the failed decision stays: the request is pending, the import's change kept.
    monkeypatch.undo()
    t = records_store.get_teacher("t1")
    assert t is not None and t.stage == "小学" and t.title == "高级教师"
    _, listed = api("GET", "/api/records/corrections", "a-s1", query={"status": "pending"})
    assert [r["request_id"] for r in listed["requests"]] == [req["request_id"]]


def test_an_unknown_stage_is_refused_with_a_chinese_message_PH_1(clock_at) -> None:
    clock_at(IN_WINDOW)
    status, body = ask("t1", {"stage": "大学"})
    assert status == 422
    assert body["code"] == "validation_error"
