"""Data access for the announced phases of a term: one item per term.

    PK TERM#<term> | SK PHASES   active (list), as_of, as_of_ms, updated_at, published (string set)

Every write is conditional so a repeated or late toggle cannot undo a newer one, and a publish
phase asks for the site's publication at most once per term.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from functions.common import keys, store

PHASES_SK = "PHASES"


def _conditional(call: Any) -> bool:
    """Run a conditional write: True if it happened, False if its condition failed."""
    try:
        store.with_retries(call)
    except ClientError as exc:
        if store.error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def save_active(term: str, active: list[str], as_of: datetime, updated_at: datetime) -> bool:
    """Store the active set computed for instant `as_of`, unless a later instant is stored.

    Equal instants rewrite the same values, so repeating a toggle is harmless.
    """
    as_of_ms = int(as_of.timestamp() * 1000)
    return _conditional(
        lambda: store.table().update_item(
            Key=keys.term_phases(term),
            UpdateExpression="SET active = :a, as_of = :s, as_of_ms = :t, updated_at = :u",
            ConditionExpression="attribute_not_exists(PK) OR as_of_ms <= :t",
            ExpressionAttributeValues={
                ":a": active,
                ":s": as_of.isoformat(),
                ":t": as_of_ms,
                ":u": updated_at.isoformat(),
            },
        )
    )


def claim_site_publication(term: str, phase: str) -> bool:
    """Record that `phase` asked for the site's publication; False if it already had."""
    return _conditional(
        lambda: store.table().update_item(
            Key=keys.term_phases(term),
            UpdateExpression="ADD published :set",
            ConditionExpression="attribute_not_exists(published) OR NOT contains(published, :p)",
            ExpressionAttributeValues={":set": {phase}, ":p": phase},
        )
    )


def release_site_publication(term: str, phase: str) -> None:
    """Undo a claim whose request failed (the next retry claims again)."""
    store.with_retries(
        lambda: store.table().update_item(
            Key=keys.term_phases(term),
            UpdateExpression="DELETE published :set",
            ExpressionAttributeValues={":set": {phase}},
        )
    )


def load(term: str) -> dict[str, Any] | None:
    return store.get_item(keys.term_phases(term), consistent=True)
