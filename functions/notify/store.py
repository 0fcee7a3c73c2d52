"""Inbox data access: reading a party's messages, the unread count, marking read, and the email
choices a user leaves in each inbox they read. Messages are written by the outbox
(`functions.common.outbox`) inside other contexts' transactions, never here."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from functions.common import keys, store
from functions.common.settings import settings
from schemas.notify import Message, NotifySettings, Subscriber


def _message(item: dict[str, Any]) -> tuple[Message, bool]:
    return Message.model_validate_json(item["doc"]), bool(item.get("read"))


def page(party: str, before: str | None, limit: int) -> list[tuple[Message, bool]]:
    """Up to `limit` messages of `party`, newest first, older than message `before`."""
    values: dict[str, Any] = {":pk": keys.inbox_pk(party), ":lo": keys.MSG_PREFIX}
    if before:
        cond = "PK = :pk AND SK BETWEEN :lo AND :hi"
        values[":hi"] = keys.inbox_message(party, before)["SK"]
    else:
        cond = "PK = :pk AND begins_with(SK, :lo)"
    resp = store.with_retries(
        lambda: store.table().query(
            KeyConditionExpression=cond,
            ExpressionAttributeValues=values,
            ScanIndexForward=False,
            Limit=limit + 1,
        )
    )
    out = [_message(i) for i in resp.get("Items", [])]
    return [(m, r) for m, r in out if m.msg_id != before][:limit]


def unread(party: str) -> int:
    """Unread messages of `party` (a Query that counts; inboxes are small and expire)."""
    found = store.pages(
        "query",
        KeyConditionExpression="PK = :pk AND begins_with(SK, :m)",
        FilterExpression="#r = :f",
        ExpressionAttributeNames={"#r": "read"},
        ExpressionAttributeValues={
            ":pk": keys.inbox_pk(party),
            ":m": keys.MSG_PREFIX,
            ":f": False,
        },
        Select="COUNT",
    )
    return sum(int(page.get("Count", 0)) for page in found)


def unread_ids(party: str) -> Iterator[str]:
    for item in store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :m)",
        FilterExpression="#r = :f",
        ProjectionExpression="SK",
        ExpressionAttributeNames={"#r": "read"},
        ExpressionAttributeValues={
            ":pk": keys.inbox_pk(party),
            ":m": keys.MSG_PREFIX,
            ":f": False,
        },
    ):
        yield str(item["SK"]).removeprefix(keys.MSG_PREFIX)


def mark_read(party: str, msg_id: str, at: datetime) -> bool:
    """True if this call marked an unread message read (False: read already, or no such)."""
    try:
        store.with_retries(
            lambda: store.table().update_item(
                Key=keys.inbox_message(party, msg_id),
                UpdateExpression="SET #r = :t, read_at = :at",
                ConditionExpression="attribute_exists(PK) AND #r = :f",
                ExpressionAttributeNames={"#r": "read"},
                ExpressionAttributeValues={":t": True, ":f": False, ":at": at.isoformat()},
            )
        )
    except ClientError as exc:
        if store.error_code(exc) != "ConditionalCheckFailedException":
            raise
        return False
    return True


def get_message(party: str, msg_id: str) -> tuple[Message, bool] | None:
    item = store.get_item(keys.inbox_message(party, msg_id), consistent=True)
    return _message(item) if item else None


# --- email choices ---------------------------------------------------------------------------


def get_settings(user_id: str) -> NotifySettings:
    item = store.get_item(keys.notify_settings(user_id), consistent=True)
    if not item:
        return NotifySettings()
    return NotifySettings(email=str(item.get("email", "")), email_all=bool(item.get("email_all")))


def save_settings(
    user_id: str, choice: NotifySettings, parties: Sequence[str], at: datetime
) -> None:
    """The user's choice, and a copy in each inbox they read (what the send worker reads), in
    one transaction; no address removes the copies."""
    name = settings().table_name
    data = {"email": choice.email, "email_all": choice.email_all, "updated_at": at.isoformat()}
    ops: list[dict[str, Any]] = [
        {"Put": {"TableName": name, "Item": {**keys.notify_settings(user_id), **data}}}
    ]
    for party in parties:
        key = keys.inbox_subscriber(party, user_id)
        if choice.email:
            item = {**key, "user_id": user_id, **data}
            ops.append({"Put": {"TableName": name, "Item": item}})
        else:
            ops.append({"Delete": {"TableName": name, "Key": key}})
    store.transact_write(ops)


def subscribers(party: str) -> list[Subscriber]:
    """Who reads `party`'s inbox and left an email address."""
    items = store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :s)",
        ExpressionAttributeValues={":pk": keys.inbox_pk(party), ":s": keys.SUB_PREFIX},
    )
    return [
        Subscriber(
            user_id=str(i["user_id"]),
            email=str(i["email"]),
            email_all=bool(i.get("email_all")),
            updated_at=datetime.fromisoformat(str(i["updated_at"])),
        )
        for i in items
    ]


# --- the email outbox (sparse GSI1 over message items) -----------------------------------------


def due_emails(shard: int, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Messages of one outbox shard whose email is due by `now` (oldest due first). The index
    is eventually consistent: `claim_email` re-checks on the item itself."""
    resp = store.with_retries(
        lambda: store.table().query(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk AND GSI1SK <= :now",
            ExpressionAttributeValues={
                ":pk": keys.email_outbox_pk(shard),
                ":now": f"{now.astimezone(UTC).isoformat()}#~",
            },
            Limit=limit,
        )
    )
    items: list[dict[str, Any]] = resp.get("Items", [])
    return items


def claim_email(item: dict[str, Any], lease_until: datetime) -> int | None:
    """Take one due email for this run: its due time moves to `lease_until` (a run that dies
    leaves it to be retried then) and its attempt count goes up, only if it is still due as
    the index showed it. Returns the attempt number, or None if another run has it."""
    party, msg_id = _party_msg(item)
    new_sk = keys.email_outbox(0, lease_until.astimezone(UTC).isoformat(), party, msg_id)["GSI1SK"]
    try:
        resp = store.with_retries(
            lambda: store.table().update_item(
                Key={"PK": item["PK"], "SK": item["SK"]},
                UpdateExpression="SET GSI1SK = :new ADD attempts :one",
                ConditionExpression="GSI1SK = :old",
                ExpressionAttributeValues={":new": new_sk, ":old": item["GSI1SK"], ":one": 1},
                ReturnValues="UPDATED_NEW",
            )
        )
    except ClientError as exc:
        if store.error_code(exc) != "ConditionalCheckFailedException":
            raise
        return None
    return int(resp["Attributes"]["attempts"])


def _party_msg(item: dict[str, Any]) -> tuple[str, str]:
    return (
        str(item["PK"]).removeprefix("INBOX#"),
        str(item["SK"]).removeprefix(keys.MSG_PREFIX),
    )


def email_done(item: dict[str, Any], status: str, at: datetime, sent_to: int) -> None:
    """The email is settled (sent, or nobody to send it to): it leaves the outbox."""
    store.with_retries(
        lambda: store.table().update_item(
            Key={"PK": item["PK"], "SK": item["SK"]},
            UpdateExpression="REMOVE GSI1PK, GSI1SK SET email_status = :s, emailed_at = :at, "
            "email_to = :n",
            ExpressionAttributeValues={":s": status, ":at": at.isoformat(), ":n": sent_to},
        )
    )


def email_retry(item: dict[str, Any], due: datetime, error: str) -> None:
    """Try again at `due` (backoff after a transient failure)."""
    party, msg_id = _party_msg(item)
    sk = keys.email_outbox(0, due.astimezone(UTC).isoformat(), party, msg_id)["GSI1SK"]
    store.with_retries(
        lambda: store.table().update_item(
            Key={"PK": item["PK"], "SK": item["SK"]},
            UpdateExpression="SET GSI1SK = :sk, email_error = :e",
            ExpressionAttributeValues={":sk": sk, ":e": error[:500]},
        )
    )


def email_dead(item: dict[str, Any], at: datetime, attempts: int, error: str) -> None:
    """Give up: the message leaves the outbox and a dead letter records why (one transaction)."""
    party, msg_id = _party_msg(item)
    name = settings().table_name
    store.transact_write(
        [
            {
                "Update": {
                    "TableName": name,
                    "Key": {"PK": item["PK"], "SK": item["SK"]},
                    "UpdateExpression": "REMOVE GSI1PK, GSI1SK SET email_status = :s, "
                    "email_error = :e",
                    "ExpressionAttributeValues": {":s": "dead", ":e": error[:500]},
                }
            },
            {
                "Put": {
                    "TableName": name,
                    "Item": {
                        **keys.dead_letter(at.astimezone(UTC).isoformat(), party, msg_id),
                        "party": party,
                        "msg_id": msg_id,
                        "attempts": attempts,
                        "error": error[:1000],
                        "at": at.isoformat(),
                    },
                }
            },
        ]
    )


def dead_letters(limit: int = 100) -> list[dict[str, Any]]:
    resp = store.with_retries(
        lambda: store.table().query(
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": keys.DEAD_LETTER_PK},
            ScanIndexForward=False,
            Limit=limit,
        )
    )
    items: list[dict[str, Any]] = resp.get("Items", [])
    return items


def redrive(dead: dict[str, Any], due: datetime) -> None:
    """Put a dead-lettered email back in the outbox (after the cause is fixed)."""
    party, msg_id = str(dead["party"]), str(dead["msg_id"])
    from functions.common.outbox import shard_of

    name = settings().table_name
    store.transact_write(
        [
            {
                "Update": {
                    "TableName": name,
                    "Key": keys.inbox_message(party, msg_id),
                    "UpdateExpression": "SET GSI1PK = :pk, GSI1SK = :sk, attempts = :z "
                    "REMOVE email_status",
                    "ConditionExpression": "attribute_exists(PK)",
                    "ExpressionAttributeValues": {
                        ":pk": keys.email_outbox_pk(shard_of(party)),
                        ":sk": keys.email_outbox(0, due.astimezone(UTC).isoformat(), party, msg_id)[
                            "GSI1SK"
                        ],
                        ":z": 0,
                    },
                }
            },
            {"Delete": {"TableName": name, "Key": {"PK": dead["PK"], "SK": dead["SK"]}}},
        ]
    )


# --- calendar feeds (.ics) ---------------------------------------------------------------------


def feed_token(teacher_id: str) -> str | None:
    item = store.get_item(keys.teacher_calendar(teacher_id), consistent=True)
    return str(item["token"]) if item else None


def feed_teacher(token: str) -> str | None:
    item = store.get_item(keys.calendar_feed(token))
    return str(item["teacher_id"]) if item else None


def set_feed(teacher_id: str, token: str | None, old: str | None, at: datetime) -> None:
    """Point the teacher's feed at `token` (None: no feed) and revoke `old`, in one transaction;
    conditional on the teacher's feed still being `old` (two rotations at once: one wins)."""
    name = settings().table_name
    pointer = keys.teacher_calendar(teacher_id)
    guard: dict[str, Any] = (
        {"ConditionExpression": "#t = :old", "ExpressionAttributeValues": {":old": old}}
        if old
        else {"ConditionExpression": "attribute_not_exists(PK)"}
    )
    if old:
        guard["ExpressionAttributeNames"] = {"#t": "token"}
    ops: list[dict[str, Any]] = []
    if token:
        ops.append(
            {
                "Put": {
                    "TableName": name,
                    "Item": {**pointer, "token": token, "updated_at": at.isoformat()},
                    **guard,
                }
            }
        )
        ops.append(
            {
                "Put": {
                    "TableName": name,
                    "Item": {
                        **keys.calendar_feed(token),
                        "teacher_id": teacher_id,
                        "created_at": at.isoformat(),
                    },
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
        )
    else:
        ops.append({"Delete": {"TableName": name, "Key": pointer, **guard}})
    if old:
        ops.append({"Delete": {"TableName": name, "Key": keys.calendar_feed(old)}})
    store.transact_write(ops)


def seat_holding(teacher_id: str, term: str) -> list[dict[str, Any]]:
    """The teacher's selections this term (records of the selection context, read-only here)."""
    return list(
        store.query_pages(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
            ExpressionAttributeValues={
                ":pk": keys.teacher_term(teacher_id, term)["PK"],
                ":p": keys.selection_prefix(term),
            },
        )
    )


def project_versions(project_ids: Sequence[str]) -> dict[str, int]:
    """Each published project's version (it moves on with every change: the feed's SEQUENCE)."""
    items = store.batch_get([keys.project(p) for p in dict.fromkeys(project_ids)])
    return {str(i["PK"]).removeprefix("PROJECT#"): int(i.get("version", 0)) for i in items}
