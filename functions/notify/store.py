"""Inbox data access: reading a party's messages, the unread count, marking read, and the email
choices a user leaves in each inbox they read. Messages are written by the outbox
(`functions.common.outbox`) inside other contexts' transactions, never here."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
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
    total = 0
    kwargs: dict[str, Any] = {
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :m)",
        "FilterExpression": "#r = :f",
        "ExpressionAttributeNames": {"#r": "read"},
        "ExpressionAttributeValues": {
            ":pk": keys.inbox_pk(party),
            ":m": keys.MSG_PREFIX,
            ":f": False,
        },
        "Select": "COUNT",
    }
    while True:
        resp = store.with_retries(lambda: store.table().query(**kwargs))
        total += int(resp.get("Count", 0))
        last = resp.get("LastEvaluatedKey")
        if not last:
            return total
        kwargs["ExclusiveStartKey"] = last


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
