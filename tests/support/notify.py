"""Test helpers for notifications: read the messages in the table, and make the message of a
transaction fail (to prove a change and its message commit together or not at all)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from functions.common import store
from schemas.notify import Message


def messages(party: str | None = None) -> list[Message]:
    """Every message in the table (of `party`), oldest first."""
    out = []
    for item in store.table().scan()["Items"]:
        if not str(item["SK"]).startswith("MSG#"):
            continue
        m = Message.model_validate_json(item["doc"])
        if party is None or m.party == party:
            out.append(m)
    return sorted(out, key=lambda m: m.msg_id)


@contextlib.contextmanager
def failing_messages(fanouts: bool = True) -> Iterator[list[int]]:
    """Within the block, every TransactWriteItems that writes a message (or a fan-out item: the
    message of many, unless `fanouts` is False) gets a condition on it that cannot hold, so
    DynamoDB cancels the whole transaction. Yields the number of transactions it failed (one
    entry per cancelled call)."""
    failed: list[int] = []

    def poison(params: dict[str, Any], **_: Any) -> None:
        hit = False
        for op in params.get("TransactItems", []):
            put = op.get("Put")
            if put and (
                str(put["Item"].get("SK", "")).startswith("MSG#")
                or (fanouts and str(put["Item"].get("PK", "")).startswith("FANOUT#"))
            ):
                put["ConditionExpression"] = "attribute_exists(PK)"  # a new message never exists
                hit = True
        if hit:
            failed.append(1)

    events = store.client().meta.events
    events.register_first("before-parameter-build.dynamodb.TransactWriteItems", poison)
    try:
        yield failed
    finally:
        events.unregister("before-parameter-build.dynamodb.TransactWriteItems", poison)
