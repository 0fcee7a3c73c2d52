"""The send worker's use cases: email from the outbox, and the sweep of unfinished fan-outs.

Each message is written with an email due (the outbox: a sparse index over message items). A run
claims due emails shard by shard (a conditional write moves the due time a lease ahead, so two
runs never send one message together and a run that dies leaves it for a later one), finds who
reads the party's inbox and left an address (every such user for a critical message, those who
asked for every message otherwise), sends, and settles: sent / nobody to send to, retried later
with exponential backoff after a transient failure, or dead-lettered after the last attempt or a
permanent failure (a DEADLETTER#email item, counted in the run's result and metric: the alarm).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from functions.common import keys, outbox, records
from functions.common.settings import settings
from functions.notify import store
from functions.notify.channels import Outgoing, PermanentSendError, Sender, TransientSendError
from schemas.notify import Message, Subscriber, parties_of

MAX_ATTEMPTS = 6  # then the dead-letter queue: 1 + 2 + 4 + 8 + 16 minutes of backoff first
BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=1)
LEASE = timedelta(minutes=5)  # a claimed email is due again after this if its run died
BATCH = 50
MARGIN_SECONDS = 30.0  # a run stops claiming this long before its time is up


@dataclass
class SendResult:
    sent: int = 0
    nobody: int = 0
    retried: int = 0
    dead: int = 0
    fanouts: int = 0
    more: bool = False  # due emails were left for the next run
    errors: list[str] = field(default_factory=list)


def backoff(attempt: int, rng: random.Random | None = None) -> timedelta:
    """Wait before attempt `attempt + 1`: 1, 2, 4 … minutes, at most an hour, ±20 % jitter."""
    base = min(BACKOFF * (2 ** max(0, attempt - 1)), MAX_BACKOFF)
    return base * (rng or random).uniform(0.8, 1.2)


def recipients(msg: Message, subs: Sequence[Subscriber]) -> list[str]:
    """The addresses `msg` goes to: each user who reads its party's inbox (still: an account
    moved to another school or disabled reads it no more) and chose to get it by email."""
    out = []
    for s in subs:
        if not s.email or not (msg.critical or s.email_all):
            continue
        user = records.get_user(s.user_id)
        if user is None or user.disabled or msg.party not in parties_of(user):
            continue
        out.append(s.email)
    return list(dict.fromkeys(out))


def email_text(msg: Message) -> str:
    base = settings().site_url.rstrip("/")
    lines = [msg.body, ""]
    if msg.table is not None:
        lines += ["　".join(msg.table.header)]
        lines += ["　".join(row) for row in msg.table.rows]
        lines.append("")
    if msg.link:
        lines.append(f"{msg.link_text or '查看详情'}：{base}/{msg.link}")
    lines += [
        f"全部消息：{base}/inbox/",
        "",
        "这是浙江省中小学教师专业发展培训平台自动发送的邮件，请勿直接回复。"
        "如不想收到此类邮件，可在平台“消息”页修改邮件通知设置。",
    ]
    return "\n".join(lines)


def deliver(item: dict[str, object], now: datetime, senders: Sequence[Sender]) -> str:
    """Claim, send and settle one due email. Returns what happened (a SendResult field)."""
    attempt = store.claim_email(dict(item), now + LEASE)
    if attempt is None:
        return "skipped"
    it = dict(item)
    msg = Message.model_validate_json(str(it["doc"]))
    to = recipients(msg, store.subscribers(msg.party))
    if not to or not senders:
        store.email_done(it, "nobody", now, 0)
        return "nobody"
    out = Outgoing(to=tuple(to), subject=msg.title, text=email_text(msg), ref=msg.msg_id)
    try:
        for sender in senders:
            sender.send(out)
    except PermanentSendError as exc:
        store.email_dead(it, now, attempt, f"permanent: {exc}")
        return "dead"
    except TransientSendError as exc:
        if attempt >= MAX_ATTEMPTS:
            store.email_dead(it, now, attempt, f"gave up after {attempt} attempts: {exc}")
            return "dead"
        store.email_retry(it, now + backoff(attempt), str(exc))
        return "retried"
    store.email_done(it, "sent", now, len(to))
    return "sent"


def run(
    now: datetime,
    seconds_left: Callable[[], float],
    senders: Sequence[Sender],
) -> SendResult:
    """One run of the send worker: finish fan-outs left by a writer that died, then send every
    due email while time remains (`more` says some were left for the next run)."""
    result = SendResult()
    for fan in outbox.pending_fanouts():
        outbox.complete(fan)
        result.fanouts += 1
    try:
        for shard in range(keys.OUTBOX_SHARDS):
            while True:
                if seconds_left() < MARGIN_SECONDS:
                    result.more = True
                    return result
                items = store.due_emails(shard, now, BATCH)
                settled = 0
                for item in items:
                    what = deliver(item, now, senders)
                    if what != "skipped":
                        settled += 1
                        setattr(result, what, getattr(result, what) + 1)
                if len(items) < BATCH or settled == 0:
                    break
    finally:
        for sender in senders:
            close = getattr(sender, "close", None)
            if close is not None:
                close()
    return result
