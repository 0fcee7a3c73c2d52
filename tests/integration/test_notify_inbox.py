"""The inbox (站内信) against the DynamoDB engine (moto): messages written by the outbox inside a
transaction, listed newest first across the inboxes a user reads, the unread count, mark as read,
and the email choice each inbox keeps."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from functions.common import keys, outbox, store
from functions.notify.handler import lambda_handler
from schemas.calendar import SHANGHAI
from schemas.notify import MessageKind, school_party, teacher_party, user_party
from tests.support.events import call, http_event

T0 = datetime(2024, 3, 20, 10, 0, tzinfo=SHANGHAI)

pytestmark = pytest.mark.usefixtures("world")


def api(method: str, path: str, sub: str, **kw: Any) -> tuple[int, dict[str, Any]]:
    status, body, _ = call(lambda_handler, http_event(method, path, sub=sub, **kw))
    return status, body


def send(party: str, n: int, at: datetime = T0, **kw: Any) -> str:
    msg = outbox.message(
        party, MessageKind.OTHER, f"消息{n}", f"正文{n}", at, key=f"test:{n}", link="my/", **kw
    )
    store.transact_write([outbox.put(msg)])
    return msg.msg_id


def test_inbox_lists_a_teachers_messages_newest_first_with_the_unread_count() -> None:
    send(teacher_party("t1"), 1, T0)
    send(teacher_party("t1"), 2, T0 + timedelta(hours=1))
    send(user_party("t1"), 3, T0 + timedelta(minutes=30))  # the account's own inbox too
    send(teacher_party("t2"), 4)  # someone else's

    status, body = api("GET", "/api/inbox", "t1")
    assert status == 200, body
    assert [m["title"] for m in body["messages"]] == ["消息2", "消息3", "消息1"]
    assert body["unread"] == 3
    assert all(not m["read"] and m["link"] == "my/" for m in body["messages"])
    assert api("GET", "/api/inbox/unread", "t1") == (200, {"unread": 3})


def test_inbox_pages_with_next_until_the_oldest_message() -> None:
    for n in range(5):
        send(teacher_party("t1"), n, T0 + timedelta(minutes=n))
    seen: list[str] = []
    before = None
    while True:
        query = {"limit": "2", **({"before": before} if before else {})}
        status, body = api("GET", "/api/inbox", "t1", query=query)
        assert status == 200, body
        seen += [m["title"] for m in body["messages"]]
        before = body["next"]
        if before is None:
            break
    assert seen == ["消息4", "消息3", "消息2", "消息1", "消息0"]


def test_mark_read_lowers_the_unread_count_once_and_only_for_own_messages() -> None:
    send(teacher_party("t1"), 1)
    send(teacher_party("t1"), 2, T0 + timedelta(minutes=1))
    _, body = api("GET", "/api/inbox", "t1")
    first = body["messages"][0]["id"]

    assert api("POST", "/api/inbox/read", "t1", body={"ids": [first]}) == (
        200,
        {"marked": 1, "unread": 1},
    )
    assert api("POST", "/api/inbox/read", "t1", body={"ids": [first]})[1]["marked"] == 0
    status, body = api("POST", "/api/inbox/read", "t2", body={"ids": [first]})
    assert status == 404, body  # another teacher's message is not theirs to mark
    assert api("POST", "/api/inbox/read", "t1", body={"all": True})[1] == {
        "marked": 1,
        "unread": 0,
    }
    _, body = api("GET", "/api/inbox", "t1")
    assert all(m["read"] for m in body["messages"])


def test_a_schools_inbox_is_read_by_its_principal() -> None:
    send(school_party("s1"), 1)
    _, body = api("GET", "/api/inbox", "p-s1")
    assert [m["title"] for m in body["messages"]] == ["消息1"]
    _, body = api("GET", "/api/inbox", "t1")
    assert body["messages"] == []


def test_inbox_needs_a_login() -> None:
    status, _, _ = call(lambda_handler, http_event("GET", "/api/inbox"))
    assert status == 401


def test_email_choice_is_copied_into_each_inbox_the_user_reads() -> None:
    status, body = api(
        "PUT", "/api/notify/settings", "t1", body={"email": "wf@example.cn", "email_all": True}
    )
    assert status == 200, body
    assert api("GET", "/api/notify/settings", "t1")[1] == {
        "email": "wf@example.cn",
        "email_all": True,
    }
    for party in (teacher_party("t1"), user_party("t1")):
        item = store.get_item(keys.inbox_subscriber(party, "t1"))
        assert item is not None and item["email"] == "wf@example.cn"
    api("PUT", "/api/notify/settings", "t1", body={"email": "", "email_all": False})
    assert store.get_item(keys.inbox_subscriber(teacher_party("t1"), "t1")) is None


def test_email_choice_refuses_a_malformed_address() -> None:
    status, body = api("PUT", "/api/notify/settings", "t1", body={"email": "not an address"})
    assert status == 422, body
