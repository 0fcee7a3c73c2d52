"""Idempotency keys that mean what they say (issue 11, item 4; STYLE 7).

A client sends `Idempotency-Key` with a write; the key names that one request of that user. The
write's own transaction puts an idempotency record (`keys.idempotency`) holding what was asked
and the result, on the condition that no record of the key exists. So:

- a replay (same key, same request) fails that condition, changes nothing, and answers from the
  record: the first answer, even if the state moved on since (a withdrawal after the select);
- the same key with a different request (another class, another operation) fails it too and
  is refused: 422 `idempotency_key_reused`, nothing written;
- a request that failed wrote no record: sending it again runs it again.

Records expire after `KEEP_SECONDS` (the table's TTL), after which a key is new again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from functions.common import keys, store
from functions.common.errors import IdempotencyKeyReused
from functions.common.settings import settings
from functions.common.table_def import TABLE

KEEP_SECONDS = 24 * 3600  # a client retries within minutes; a day covers a phone left asleep


@dataclass(frozen=True)
class Idem:
    """One keyed request: whose (`owner`), its key, and a canonical text of what it asks."""

    owner: str
    key: str
    request: str

    def put_op(self, result: str) -> dict[str, Any]:
        """The TransactWriteItems Put that records this request and its `result` (JSON text),
        only if the key is new."""
        ttl = TABLE.ttl_attribute or "expires_at"
        return {
            "Put": {
                "TableName": settings().table_name,
                "Item": {
                    **keys.idempotency(self.owner, self.key),
                    "request": self.request,
                    "result": result,
                    ttl: int(time.time()) + KEEP_SECONDS,
                },
                "ConditionExpression": "attribute_not_exists(PK)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def answer(self, stored: dict[str, Any] | None = None) -> str | None:
        """The first result if this key was used for this very request, None if the key is
        unknown; raises `IdempotencyKeyReused` if it was used for another request. `stored`:
        the record as a cancelled transaction returned it (else it is read)."""
        item = stored or store.get_item(keys.idempotency(self.owner, self.key), consistent=True)
        if not item:
            return None
        if item.get("request") != self.request:
            raise IdempotencyKeyReused()
        return str(item["result"])


def of(owner: str, key: str | None, request: str) -> Idem | None:
    return Idem(owner, key, request) if key else None
