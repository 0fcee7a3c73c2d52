"""The transactional outbox: a message (站内信) is written in the SAME TransactWriteItems as the
change that causes it, so a change never commits without its message and no message exists for a
change that failed. Email is sent from there later (functions/notify/send.py reads the messages
whose email is due through a sparse index: the outbox proper).

How a context adds an event inside its own transaction (e.g. in its store.py):

    from functions.common import notices, outbox

    msg = notices.selection_rejected(sel, reason, at)      # or outbox.message(...) directly
    ops = [my_update_op, my_counter_op, outbox.put(msg)]   # one more item in the transaction
    store.transact_write(ops)

Rules of the road:
- Build the message before the write, from what the write is about; `outbox.put(msg)` is an
  unconditional Put, so it can never be the reason a transaction is cancelled.
- Message ids derive from the instant and an event key (`message(..., key=...)`): give a key
  that names the event (e.g. f"promoted:{class_id}:{seq}"), so a transaction retried by botocore
  writes the same item, never a second one.
- Many recipients (an approved change to a class with 300 teachers, the institutions not picked
  for an order): `outbox.many(template, parties, key=...)` gives the ops to add; past
  `DIRECT_LIMIT` recipients it is ONE fan-out item, completed right after the commit by
  `complete_pending(...)` (call it after your transaction) or by the send worker's sweep a minute
  later if your function died first.
- The successful-selection hot path (taking a seat) writes no message: the teacher is looking
  at the answer. Promotions, rejections and decisions by others carry one.
- Wording lives in `functions/common/notices.py` (one builder per event, plain Chinese with the
  next step); `schemas.notify.MessageKind` lists the events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from functions.common import keys, store
from functions.common.settings import settings
from schemas.notify import Fanout, Message, MessageKind, RightGrant, Table
from schemas.selection import WithdrawalRight

# Messages stay readable for a year and a term; DynamoDB's TTL removes them afterwards.
KEEP = timedelta(days=400)
# Recipients written as direct items in the caller's transaction; more become one fan-out item.
DIRECT_LIMIT = 20
_PLACEHOLDER = "U:fanout"


def message_id(at: datetime, key: str) -> str:
    """Time-ordered (UTC, microseconds) and unique per event: '<20 digits>-<12 hex>'."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return f"{at.astimezone(UTC):%Y%m%d%H%M%S%f}-{digest}"


def message(
    party: str,
    kind: MessageKind,
    title: str,
    body: str,
    at: datetime,
    *,
    key: str,
    link: str = "",
    link_text: str = "",
    critical: bool = False,
    table: Table | None = None,
) -> Message:
    """A message to `party` about the event named by `key` (see the module docstring)."""
    return Message(
        msg_id=message_id(at, f"{key}|{party}"),
        party=party,
        kind=kind,
        title=title,
        body=body,
        link=link,
        link_text=link_text,
        critical=critical,
        created_at=at,
        table=table,
    )


def shard_of(party: str) -> int:
    return int(hashlib.sha256(party.encode()).hexdigest()[:8], 16) % keys.OUTBOX_SHARDS


def item(msg: Message) -> dict[str, Any]:
    """The message item: unread, its email due now (the sparse outbox index), kept `KEEP`."""
    due = msg.created_at.astimezone(UTC).isoformat()
    return {
        **keys.inbox_message(msg.party, msg.msg_id),
        **keys.email_outbox(shard_of(msg.party), due, msg.party, msg.msg_id),
        "doc": msg.model_dump_json(exclude_none=True),
        "kind": msg.kind.value,
        "read": False,
        "attempts": 0,
        "expires_at": int((msg.created_at + KEEP).timestamp()),
    }


def put(msg: Message) -> dict[str, Any]:
    """The TransactWriteItems operation that writes `msg` (unconditional: see the docstring)."""
    return {"Put": {"TableName": settings().table_name, "Item": item(msg)}}


def put_new(msg: Message) -> bool:
    """Write `msg` unless it exists (reminders: a job run twice writes each message once).
    True if this call wrote it."""
    try:
        store.put_item(item(msg), condition="attribute_not_exists(PK)")
    except ClientError as exc:
        if store.error_code(exc) != "ConditionalCheckFailedException":
            raise
        return False
    return True


def put_new_many(msgs: Sequence[Message], chunk: int = 50) -> int:
    """`put_new` for many messages: conditional puts `chunk` at a time in one transaction each
    (one call instead of `chunk`; a transaction costs twice the write units). A message that
    exists cancels its transaction, which is then repeated without it. Returns how many this
    call wrote."""
    name = settings().table_name
    written = 0
    for i in range(0, len(msgs), chunk):
        batch = list(msgs[i : i + chunk])
        while batch:
            ops = [
                {
                    "Put": {
                        "TableName": name,
                        "Item": item(m),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
                for m in batch
            ]
            try:
                store.transact_write(ops)
            except ClientError as exc:
                failed = set(store.failed_conditions(exc))
                if not failed:
                    raise
                batch = [m for j, m in enumerate(batch) if j not in failed]
                continue
            written += len(batch)
            batch = []
    return written


# --- many recipients: fan-out --------------------------------------------------------------


def many(
    template: Message,
    parties: Sequence[str],
    *,
    key: str,
    right: RightGrant | None = None,
) -> list[dict[str, Any]]:
    """Ops that give `template` to each of `parties`: direct puts for a few, else one fan-out
    item (with `right`, each teacher party also gets that CH-3 withdrawal right)."""
    parties = list(dict.fromkeys(parties))
    if not parties:
        return []
    if len(parties) <= DIRECT_LIMIT and right is None:
        return [put(_for(template, p, key)) for p in parties]
    fan = Fanout(
        fanout_id=hashlib.sha256(key.encode()).hexdigest()[:16],
        key=key,
        template=template.model_copy(update={"party": _PLACEHOLDER}),
        parties=tuple(parties),
        right=right,
        created_at=template.created_at,
    )
    return [{"Put": {"TableName": settings().table_name, "Item": fanout_item(fan)}}]


def template(
    kind: MessageKind,
    title: str,
    body: str,
    at: datetime,
    *,
    link: str = "",
    link_text: str = "",
    critical: bool = False,
) -> Message:
    """A message for `many` (party and id are set per recipient)."""
    return message(
        _PLACEHOLDER,
        kind,
        title,
        body,
        at,
        key="template",
        link=link,
        link_text=link_text,
        critical=critical,
    )


def _for(tpl: Message, party: str, key: str) -> Message:
    return tpl.model_copy(
        update={"party": party, "msg_id": message_id(tpl.created_at, f"{key}|{party}")}
    )


def fanout_item(fan: Fanout) -> dict[str, Any]:
    shard = int(fan.fanout_id[:8], 16) % keys.OUTBOX_SHARDS
    return {
        **keys.fanout(shard, fan.created_at.astimezone(UTC).isoformat(), fan.fanout_id),
        "doc": fan.model_dump_json(exclude_none=True),
    }


def complete(fan: Fanout) -> int:
    """Write the fan-out's messages (and rights), each once; then delete the fan-out item.
    Safe to run twice or concurrently: a right is an idempotent put, a message a conditional
    one. Returns the messages this run wrote."""
    written = 0
    for party in fan.parties:
        if fan.right is not None and party.startswith("T:"):
            r = WithdrawalRight(teacher_id=party[2:], **fan.right.model_dump())
            # The selection context's record shape (CH-3), as the change approval wrote it.
            store.put_item(
                {
                    **keys.withdrawal_right(r.teacher_id, r.term, r.project_id),
                    **r.model_dump(mode="json"),
                }
            )
        if put_new(_for(fan.template, party, fan.key)):
            written += 1
    item_key = keys.fanout(
        int(fan.fanout_id[:8], 16) % keys.OUTBOX_SHARDS,
        fan.created_at.astimezone(UTC).isoformat(),
        fan.fanout_id,
    )
    store.with_retries(lambda: store.table().delete_item(Key=item_key))
    return written


def pending_in(ops: Iterable[dict[str, Any]]) -> list[Fanout]:
    """The fan-outs among a transaction's ops (to complete right after it committed)."""
    out = []
    for op in ops:
        it = op.get("Put", {}).get("Item", {})
        if str(it.get("PK", "")).startswith("FANOUT#"):
            out.append(Fanout.model_validate_json(it["doc"]))
    return out


def complete_pending(ops: Iterable[dict[str, Any]]) -> None:
    """After a committed transaction: complete its fan-outs now (the sweep would, later)."""
    for fan in pending_in(ops):
        complete(fan)


def pending_fanouts(limit: int = 100) -> list[Fanout]:
    """Fan-outs not completed (their writer died after the commit): the send worker's sweep."""
    out: list[Fanout] = []
    for shard in range(keys.OUTBOX_SHARDS):
        for it in store.query_pages(
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": keys.fanout_pk(shard)},
            ConsistentRead=True,
        ):
            out.append(Fanout.model_validate_json(it["doc"]))
            if len(out) >= limit:
                return out
    return out
