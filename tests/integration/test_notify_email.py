"""Email from the outbox, against a real SMTP server (aiosmtpd on loopback) and the DynamoDB
engine (moto): who gets which message (critical ones always, the rest by choice), retries with
backoff after a refused send, dead-letter after the last attempt or a permanent refusal, and no
email sent twice by two runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from functions.common import keys, outbox, records, store
from functions.notify import send
from functions.notify import store as nstore
from functions.notify.channels import MailSettings, SmtpSender
from functions.notify.service import save_settings
from local.mailbox import DevMailbox
from schemas.calendar import SHANGHAI
from schemas.notify import MessageKind, NotifySettings, school_party, teacher_party
from schemas.people import Role, User

T0 = datetime(2024, 3, 20, 10, 0, tzinfo=SHANGHAI)

pytestmark = pytest.mark.usefixtures("world")


@pytest.fixture
def mailbox(tmp_path: Path) -> Iterator[DevMailbox]:
    box = DevMailbox(tmp_path / "mail").start()
    yield box
    box.stop()


def smtp(box: DevMailbox) -> SmtpSender:
    return SmtpSender(MailSettings(host=box.host, port=box.port, security="none"))


def subscribe(user_id: str, email: str, email_all: bool = False) -> None:
    user = records.get_user(user_id)
    assert user is not None
    save_settings(user, NotifySettings(email=email, email_all=email_all), T0)


def post(party: str, n: int, critical: bool, at: datetime = T0) -> str:
    msg = outbox.message(
        party,
        MessageKind.OTHER,
        f"测试消息{n}",
        f"正文{n}",
        at,
        key=f"mail:{n}",
        link="my/",
        link_text="查看我的选课",
        critical=critical,
    )
    store.transact_write([outbox.put(msg)])
    return msg.msg_id


def item(party: str, msg_id: str) -> dict[str, Any]:
    found = store.get_item(keys.inbox_message(party, msg_id), consistent=True)
    assert found is not None
    return found


def run(box: DevMailbox, at: datetime = T0) -> send.SendResult:
    return send.run(at, lambda: 1000.0, [smtp(box)])


def test_a_critical_message_is_emailed_to_the_reader_who_left_an_address(mailbox):
    subscribe("t1", "wangfang@example.cn")
    msg_id = post(teacher_party("t1"), 1, critical=True)
    result = run(mailbox)
    assert (result.sent, result.dead) == (1, 0)
    [mail] = mailbox.messages()
    assert mail["To"] == "wangfang@example.cn"
    assert mail["Subject"] == "测试消息1"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "正文1" in text and "查看我的选课：http://127.0.0.1:8000/my/" in text
    assert "修改邮件通知设置" in text
    it = item(teacher_party("t1"), msg_id)
    assert it["email_status"] == "sent" and "GSI1PK" not in it  # out of the outbox
    assert run(mailbox).sent == 0 and len(mailbox.messages()) == 1  # never twice


def test_other_messages_go_only_to_those_who_asked_for_every_message(mailbox):
    subscribe("t1", "t1@example.cn")
    subscribe("p-s1", "principal@example.cn", email_all=True)
    a = post(teacher_party("t1"), 1, critical=False)
    b = post(school_party("s1"), 2, critical=False)
    result = run(mailbox)
    assert (result.sent, result.nobody) == (1, 1)
    assert [m["To"] for m in mailbox.messages()] == ["principal@example.cn"]
    assert item(teacher_party("t1"), a)["email_status"] == "nobody"
    assert item(school_party("s1"), b)["email_status"] == "sent"


def test_a_user_who_no_longer_reads_the_inbox_gets_no_email(mailbox):
    subscribe("p-s1", "principal@example.cn", email_all=True)
    moved = User(
        user_id="p-s1", role=Role.PRINCIPAL, name="赵校长", school_id="s2", region_code="330212"
    )
    store.put_item(records.user_item(moved))
    records.clear_cache()
    post(school_party("s1"), 1, critical=True)
    assert run(mailbox).nobody == 1 and mailbox.messages() == []


def test_a_refused_send_is_retried_with_backoff_then_delivered(mailbox):
    subscribe("t1", "t1@example.cn")
    msg_id = post(teacher_party("t1"), 1, critical=True)
    mailbox.refuse("451 4.3.0 mailbox busy, try later", times=2)
    first = run(mailbox)
    assert (first.retried, first.sent) == (1, 0) and mailbox.messages() == []
    it = item(teacher_party("t1"), msg_id)
    due = datetime.fromisoformat(it["GSI1SK"].split("#")[0])
    assert timedelta(seconds=47) < due - T0 < timedelta(seconds=73)  # 1 minute ± 20 %
    assert "451" in it["email_error"] and int(it["attempts"]) == 1
    assert run(mailbox, T0 + timedelta(seconds=30)).retried == 0  # not due yet
    assert run(mailbox, T0 + timedelta(minutes=2)).retried == 1  # refused again
    due = datetime.fromisoformat(item(teacher_party("t1"), msg_id)["GSI1SK"].split("#")[0])
    later = due - (T0 + timedelta(minutes=2))
    assert timedelta(seconds=95) < later < timedelta(seconds=145)  # 2 minutes ± 20 %
    assert run(mailbox, T0 + timedelta(minutes=5)).sent == 1
    assert len(mailbox.messages()) == 1 and mailbox.attempts == 3


def test_a_send_refused_at_every_attempt_ends_in_the_dead_letter_queue(mailbox):
    subscribe("t1", "t1@example.cn")
    msg_id = post(teacher_party("t1"), 1, critical=True)
    mailbox.refuse("421 4.7.0 try again later", times=send.MAX_ATTEMPTS)
    at = T0
    for _ in range(send.MAX_ATTEMPTS - 1):
        assert run(mailbox, at).retried == 1
        at += timedelta(hours=2)
    assert run(mailbox, at).dead == 1
    assert mailbox.attempts == send.MAX_ATTEMPTS and mailbox.messages() == []
    [dead] = nstore.dead_letters()
    assert dead["msg_id"] == msg_id and int(dead["attempts"]) == send.MAX_ATTEMPTS
    assert "421" in dead["error"]
    it = item(teacher_party("t1"), msg_id)
    assert it["email_status"] == "dead" and "GSI1PK" not in it
    assert run(mailbox, at + timedelta(days=1)).retried == 0  # out of the outbox
    # After the cause is fixed an operator puts it back (redrive): it is sent once.
    nstore.redrive(dead, at)
    assert run(mailbox, at).sent == 1 and nstore.dead_letters() == []


def test_a_permanent_refusal_is_dead_lettered_at_once(mailbox):
    subscribe("t1", "nobody@example.cn")
    post(teacher_party("t1"), 1, critical=True)
    mailbox.refuse("550 5.1.1 no such user", times=1)
    result = run(mailbox)
    assert (result.dead, result.retried) == (1, 0) and mailbox.attempts == 1
    assert "550" in nstore.dead_letters()[0]["error"]


def test_an_unreachable_server_is_a_transient_failure(mailbox):
    subscribe("t1", "t1@example.cn")
    post(teacher_party("t1"), 1, critical=True)
    mailbox.stop()
    result = send.run(T0, lambda: 1000.0, [smtp(mailbox)])
    assert result.retried == 1 and result.dead == 0


def test_two_runs_at_once_send_each_email_once(mailbox):
    subscribe("t1", "t1@example.cn")
    for n in range(6):
        post(teacher_party("t1"), n, critical=True, at=T0 + timedelta(seconds=n))
    stale = nstore.due_emails(outbox.shard_of(teacher_party("t1")), T0 + timedelta(minutes=1), 50)
    assert len(stale) == 6
    # A second run read the same due items before the first settled them: its claims fail.
    first = run(mailbox, T0 + timedelta(minutes=1))
    second = [send.deliver(i, T0 + timedelta(minutes=1), [smtp(mailbox)]) for i in stale]
    assert first.sent == 6 and second == ["skipped"] * 6
    assert len(mailbox.messages()) == 6


def test_a_run_out_of_time_leaves_the_rest_for_the_next_run(mailbox):
    subscribe("t1", "t1@example.cn")
    post(teacher_party("t1"), 1, critical=True)
    result = send.run(T0, lambda: 1.0, [smtp(mailbox)])
    assert result.more and result.sent == 0
    assert run(mailbox).sent == 1


def test_the_redrive_command_lists_dead_letters_and_puts_them_back(mailbox, capsys, clock_at):
    from functions.notify import redrive

    clock_at("2024-03-20 10:00")
    subscribe("t1", "t1@example.cn")
    msg_id = post(teacher_party("t1"), 1, critical=True)
    mailbox.refuse("554 5.7.1 rejected", times=1)
    assert run(mailbox).dead == 1
    assert redrive.main([]) == 0 and msg_id in capsys.readouterr().out
    assert len(nstore.dead_letters()) == 1  # listing changes nothing
    redrive.main(["--all"])
    assert nstore.dead_letters() == [] and run(mailbox).sent == 1
