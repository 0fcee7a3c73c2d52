"""Inbox use cases (站内信): a user's messages across the inboxes they read, the unread count,
mark as read, and their email choice."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from functions.common import catalog, records
from functions.common.errors import Forbidden, NotFound, ValidationFailed
from functions.common.settings import settings
from functions.notify import ics, store
from schemas.calendar import term_calendar
from schemas.notify import (
    MESSAGE_ID_PATTERN,
    CalendarFeed,
    InboxPage,
    MessageView,
    NotifySettings,
    ReadRequest,
    ReadResult,
    UnreadCount,
    parties_of,
)
from schemas.people import Role, User
from schemas.selection import SEAT_HOLDING, SelectionStatus

PAGE_SIZE = 20
MAX_PAGE = 50
_SEP = "/"
FEED_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def message_ref(party: str, msg_id: str) -> str:
    """The `id` the inbox API gives a message (names its inbox, so marking it read needs no
    lookup)."""
    return f"{party}{_SEP}{msg_id}"


def _parse_ref(user: User, ref: str) -> tuple[str, str]:
    party, _, msg_id = ref.rpartition(_SEP)
    if not re.match(MESSAGE_ID_PATTERN, msg_id):
        raise ValidationFailed("消息编号不正确")
    if party not in parties_of(user):
        raise NotFound("消息不存在")
    return party, msg_id


def inbox(user: User, before: str | None = None, limit: int = PAGE_SIZE) -> InboxPage:
    """The user's messages, newest first, `limit` per page; `before` is the last id of the page
    before (the API's `next`)."""
    limit = max(1, min(limit, MAX_PAGE))
    if before is not None and not re.match(MESSAGE_ID_PATTERN, before):
        raise ValidationFailed("分页参数不正确")
    rows = []
    for party in parties_of(user):
        rows += store.page(party, before, limit + 1)
    rows.sort(key=lambda r: r[0].msg_id, reverse=True)
    more = len(rows) > limit
    rows = rows[:limit]
    views = [
        MessageView(**m.model_dump(), id=message_ref(m.party, m.msg_id), read=read)
        for m, read in rows
    ]
    return InboxPage(
        messages=views,
        unread=unread_count(user).unread,
        next=views[-1].msg_id if more and views else None,
    )


def unread_count(user: User) -> UnreadCount:
    """What every page's 消息 badge shows."""
    return UnreadCount(unread=sum(store.unread(p) for p in parties_of(user)))


def get_message(user: User, ref: str) -> MessageView:
    party, msg_id = _parse_ref(user, ref)
    found = store.get_message(party, msg_id)
    if found is None:
        raise NotFound("消息不存在")
    m, read = found
    return MessageView(**m.model_dump(), id=ref, read=read)


def mark_read(user: User, req: ReadRequest, now: datetime) -> ReadResult:
    """Mark some messages (or `all`) read. Marking a read message again changes nothing."""
    if not req.all and not req.ids:
        raise ValidationFailed("请指定要标为已读的消息")
    targets: list[tuple[str, str]] = []
    if req.all:
        for party in parties_of(user):
            targets += [(party, m) for m in store.unread_ids(party)]
    else:
        targets = [_parse_ref(user, ref) for ref in dict.fromkeys(req.ids)]
    marked = sum(1 for party, msg_id in targets if store.mark_read(party, msg_id, now))
    return ReadResult(marked=marked, unread=unread_count(user).unread)


def get_settings(user: User) -> NotifySettings:
    return store.get_settings(user.user_id)


def save_settings(user: User, choice: NotifySettings, now: datetime) -> NotifySettings:
    """Save the user's email choice where the send worker reads it (each inbox they read)."""
    store.save_settings(user.user_id, choice, parties_of(user), now)
    return choice


# --- calendar feeds (.ics) ---------------------------------------------------------------------


def _teacher_id(user: User) -> str:
    if user.role != Role.TEACHER or not user.teacher_id:
        raise Forbidden("只有教师有培训日程订阅")
    return user.teacher_id


def _feed_view(token: str | None) -> CalendarFeed:
    if not token:
        return CalendarFeed(url=None)
    url = f"{settings().site_url.rstrip('/')}/api/calendar/{token}.ics"
    return CalendarFeed(url=url, webcal=re.sub(r"^https?://", "webcal://", url))


def calendar_feed(user: User) -> CalendarFeed:
    return _feed_view(store.feed_token(_teacher_id(user)))


def new_calendar_feed(user: User, now: datetime) -> CalendarFeed:
    """A new private address for the teacher's feed; the old one stops working at once."""
    tid = _teacher_id(user)
    token = secrets.token_urlsafe(24)
    store.set_feed(tid, token, store.feed_token(tid), now)
    return _feed_view(token)


def revoke_calendar_feed(user: User, now: datetime) -> CalendarFeed:
    tid = _teacher_id(user)
    old = store.feed_token(tid)
    if old:
        store.set_feed(tid, None, old, now)
    return _feed_view(None)


def calendar_ics(feed_name: str, now: datetime) -> bytes:
    """GET /api/calendar/<token>.ics (no login: the address is the secret)."""
    token = feed_name.removesuffix(".ics")
    teacher_id = store.feed_teacher(token) if FEED_TOKEN.match(token) else None
    if teacher_id is None:
        raise NotFound("日程订阅地址无效或已停用")
    teacher = records.get_teacher(teacher_id)
    term = settings().term
    holding = {s.value for s in SEAT_HOLDING}
    sels = [i for i in store.seat_holding(teacher_id, term) if i.get("status") in holding]
    pids = [str(s["project_id"]) for s in sels]
    docs = {d.project_id: d.project() for d in catalog.documents_by_id(pids)}
    versions = store.project_versions(pids)
    enrolments = [
        ics.Enrolment(
            project=docs[str(s["project_id"])],
            class_id=str(s["class_id"]),
            status=SelectionStatus(str(s["status"])),
            version=versions.get(str(s["project_id"]), 0),
        )
        for s in sels
        if str(s["project_id"]) in docs
    ]
    name = teacher.name if teacher else "我"
    return ics.feed(name, enrolments, term_calendar(term), settings().site_url, now)
