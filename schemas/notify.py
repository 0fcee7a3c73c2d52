"""Notifications (站内信): messages, who they are addressed to, and the API payloads.

A message is addressed to a *party*, not to a login: a teacher (their record), a school (its
principal and school administrators), an institution (every clerk of it), a bureau (by its
region) or one account. A user reads the inboxes of every party they act for (`parties_of`).
Messages of a shared party (a school, an institution, a bureau) are read once for everyone, as a
shared mailbox would be.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict, Field

from schemas.base import Model
from schemas.people import Role, User

# Party keys: "<kind>:<id>". Ids of every kind match this (user ids also allow . and @).
PARTY_PATTERN = r"^[TSIRU]:[A-Za-z0-9_.@-]{2,64}$"
MESSAGE_ID_PATTERN = r"^\d{20}-[0-9a-f]{12}$"


def teacher_party(teacher_id: str) -> str:
    return f"T:{teacher_id}"


def school_party(school_id: str) -> str:
    return f"S:{school_id}"


def institution_party(institution_id: str) -> str:
    return f"I:{institution_id}"


def bureau_party(region_code: str) -> str:
    return f"R:{region_code}"


def user_party(user_id: str) -> str:
    return f"U:{user_id}"


_BUREAUS = (Role.PROVINCE_BUREAU, Role.CITY_BUREAU, Role.COUNTY_BUREAU)


def parties_of(user: User) -> list[str]:
    """The inboxes `user` reads: their own account's, and the party they act for."""
    out = [user_party(user.user_id)]
    if user.role == Role.TEACHER and user.teacher_id:
        out.append(teacher_party(user.teacher_id))
    elif user.role in (Role.PRINCIPAL, Role.SCHOOL_ADMIN) and user.school_id:
        out.append(school_party(user.school_id))
    elif user.role == Role.INSTITUTION and user.institution_id:
        out.append(institution_party(user.institution_id))
    elif user.role in _BUREAUS:
        region = user.region_code or ("330000" if user.role == Role.PROVINCE_BUREAU else None)
        if region:
            out.append(bureau_party(region))
    return out


class MessageKind(StrEnum):
    """Every event that writes a message (the catalogue in functions/common/notices.py)."""

    SELECTION_REJECTED_SCHOOL = "selection_rejected_school"
    SELECTION_REJECTED_RECHECK = "selection_rejected_recheck"
    SELECTION_CONFIRMED = "selection_confirmed"
    WAITLIST_PROMOTED = "waitlist_promoted"
    WAITLIST_DROPPED = "waitlist_dropped"
    EXPANSION_DECIDED = "expansion_decided"
    PROJECT_RETURNED = "project_returned"
    PROJECT_APPROVED = "project_approved"
    PROJECT_PUBLISHED = "project_published"
    ORDER_PICKED = "order_picked"
    ORDER_NOT_PICKED = "order_not_picked"
    CLASS_CHANGED = "class_changed"  # CH-3
    IMPORT_FINISHED = "import_finished"
    REMINDER = "reminder"
    DIGEST = "digest"
    # Added by other contexts through the outbox (issues 14, 18).
    CLASS_CANCELLED = "class_cancelled"
    WAITLIST_CLOSED = "waitlist_closed"
    COMPLETION_DECIDED = "completion_decided"
    CREDITS_POSTED = "credits_posted"
    NON_COMPLETION = "non_completion"
    OTHER = "other"


class Table(Model):
    """A small table in a message (a bureau's digest: counts by school), each row with an
    optional link (site-relative) to the list behind it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = ()
    links: tuple[str, ...] = ()


class Message(Model):
    """One message in one party's inbox. Plain Chinese: what happened, and the next step."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    msg_id: str = Field(pattern=MESSAGE_ID_PATTERN, description="time-ordered, unique per party")
    party: str = Field(pattern=PARTY_PATTERN)
    kind: MessageKind
    title: str = Field(min_length=2, max_length=80)
    body: str = Field(min_length=2, max_length=2000)
    # Site-relative link to what the message is about (e.g. "my/"), and its label.
    link: str = Field(default="", max_length=300, pattern=r"^$|^[A-Za-z0-9][A-Za-z0-9/_.?=&%#-]*$")
    link_text: str = Field(default="", max_length=20)
    # Critical messages (a rejection, a promotion, a change to an enrolled class) are emailed
    # to every address the party's users left, whatever they chose; the others only to those
    # who asked for every message.
    critical: bool = False
    created_at: datetime
    table: Table | None = None


class MessageView(Message):
    """A message as the inbox API returns it: `id` names party and message for mark-as-read."""

    id: str
    read: bool


class InboxPage(Model):
    messages: list[MessageView]
    unread: int
    # Pass as `before` for the next (older) page; None when there is none.
    next: str | None = None


class UnreadCount(Model):
    unread: int


class ReadRequest(Model):
    """Body of POST /api/inbox/read: some messages (`ids` from the inbox), or `all`."""

    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(default_factory=list, max_length=100)
    all: bool = False


class ReadResult(Model):
    marked: int
    unread: int


class NotifySettings(Model):
    """A user's choice of email (PUT /api/notify/settings). Critical messages are emailed to
    `email` whatever `email_all` says; the others only with `email_all`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    email: str = Field(
        default="",
        max_length=120,
        pattern=r"^$|^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$",
        description="邮箱；空表示不接收邮件",
    )
    email_all: bool = Field(default=False, description="所有消息都发邮件（否则只发重要消息）")


class Subscriber(Model):
    """A user's email choice as stored in each inbox they read (INBOX#<party> | SUB#<user>)."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    email: str
    email_all: bool
    updated_at: datetime


class RightGrant(Model):
    """CH-3: the withdrawal right a fan-out grants each teacher it writes to (the selection
    context's `WithdrawalRight` without the teacher)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    term: str
    project_id: str
    change_id: str
    reason: str
    granted_at: datetime


class Fanout(Model):
    """One message to many parties, written as ONE item inside the transaction of the change
    (a transaction holds at most 100 items) and completed right after it, or by the send
    worker's sweep if the writer died. Message ids derive from `key` and the party, so a
    completion run twice writes each message once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fanout_id: str = Field(pattern=r"^[0-9a-f]{16}$")
    key: str = Field(min_length=1, max_length=200)
    template: Message  # its party and msg_id are placeholders, replaced per recipient
    parties: tuple[str, ...] = Field(min_length=1, max_length=20000)
    right: RightGrant | None = None  # granted to each teacher party with its message (CH-3)
    created_at: datetime


class CalendarFeed(Model):
    """A teacher's private calendar feed address (None: no feed). `webcal` opens the phone's
    calendar app to subscribe."""

    url: str | None
    webcal: str | None = None
