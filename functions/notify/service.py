"""Inbox use cases (站内信): a user's messages across the inboxes they read, the unread count,
mark as read, and their email choice."""

from __future__ import annotations

import re
from datetime import datetime

from functions.common.errors import NotFound, ValidationFailed
from functions.notify import store
from schemas.notify import (
    MESSAGE_ID_PATTERN,
    InboxPage,
    MessageView,
    NotifySettings,
    ReadRequest,
    ReadResult,
    UnreadCount,
    parties_of,
)
from schemas.people import User

PAGE_SIZE = 20
MAX_PAGE = 50
_SEP = "/"


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
