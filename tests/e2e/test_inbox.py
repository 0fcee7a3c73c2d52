"""The inbox (站内信) on a 375-px phone: a teacher promoted from the waitlist sees the unread
count on every page, opens the message (which marks it read) and follows its link to 我的选课."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import as_user, no_horizontal_scroll

pytestmark = pytest.mark.e2e


def test_a_promoted_teacher_sees_the_count_opens_the_message_and_follows_its_link(
    stack: Any, phone: Any, api: Any, new_teacher: Any, private_class: Any
) -> None:
    info = private_class(capacity=1)
    holder = new_teacher(like=info).teacher_id
    teacher = new_teacher(like=info).teacher_id
    assert api("POST", "/api/selections", user=holder, json={"class_id": info.class_id}).ok
    joined = api(
        "POST", "/api/selections", user=teacher, json={"class_id": info.class_id, "waitlist": True}
    )
    assert joined.status_code == 201 and joined.json()["status"] == "waitlisted", joined.text
    assert api("GET", "/api/inbox/unread", user=teacher).json() == {"unread": 0}
    assert api("DELETE", f"/api/selections/{info.class_id}", user=holder).ok  # a seat frees

    page = phone
    as_user(page, stack, teacher, "/calendar/")
    badge = page.locator("#zjt-inbox-badge")
    badge.wait_for(state="visible")
    assert badge.inner_text() == "1"
    no_horizontal_scroll(page)

    page.locator("#zjt-inbox-link").click()
    page.wait_for_url("**/inbox/")
    title = f"候补成功：《{info.project_title}》{info.class_name}"
    item = page.locator(".zjt-message", has_text=title)
    item.wait_for()
    assert "zjt-message--unread" in (item.get_attribute("class") or "")
    no_horizontal_scroll(page)
    item.locator(".zjt-message__head").click()
    body = item.locator(".zjt-message__text")
    body.wait_for(state="visible")
    assert "等待学校审核" in body.inner_text()
    page.locator("#zjt-inbox-badge").wait_for(state="hidden")  # hidden, not showing a 0
    assert api("GET", "/api/inbox/unread", user=teacher).json() == {"unread": 0}

    item.get_by_role("link", name="查看我的选课").click()
    page.wait_for_url(re.compile(r".*/my/$"))
    row = page.locator(".zjt-selection", has_text=info.class_name)
    row.wait_for()
    assert "候补递补成功" in row.inner_text()


def test_a_critical_message_reaches_the_dev_mailbox_over_smtp(
    stack: Any, api: Any, new_teacher: Any, private_class: Any
) -> None:
    """The local stack's send worker (started every few seconds, as the schedule does when
    deployed) emails the promotion to the address the teacher left, through the dev SMTP
    server; 运维 › 开发邮箱 reads it from /api/dev/mailbox."""
    import time

    info = private_class(capacity=1)
    holder = new_teacher(like=info).teacher_id
    teacher = new_teacher(like=info).teacher_id
    address = f"{teacher}@example.cn"
    saved = api("PUT", "/api/notify/settings", user=teacher, json={"email": address})
    assert saved.ok, saved.text
    assert api("POST", "/api/selections", user=holder, json={"class_id": info.class_id}).ok
    assert api(
        "POST", "/api/selections", user=teacher, json={"class_id": info.class_id, "waitlist": True}
    ).ok
    assert api("DELETE", f"/api/selections/{info.class_id}", user=holder).ok

    deadline = time.monotonic() + 90
    mine: list[dict[str, str]] = []
    while time.monotonic() < deadline and not mine:
        mails = api("GET", "/api/dev/mailbox").json()["messages"]
        mine = [m for m in mails if m["to"] == address]
        if not mine:
            time.sleep(1)
    assert mine, "no email reached the dev mailbox within 90 s"
    assert mine[0]["subject"].startswith("候补成功")
    assert f"{stack.url}/my/" in mine[0]["text"]
