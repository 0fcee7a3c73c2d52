"""Directory reads of the platform context: every institution (the pickers that name one)."""

from __future__ import annotations

from functions.common import keys, store
from schemas.org import Institution


def institutions() -> list[Institution]:
    """Every institution of the directory index (a few hundred at most: one query)."""
    gsi = keys.institution_directory("")
    items = store.query_pages(
        IndexName="GSI2",
        KeyConditionExpression="GSI2PK = :pk",
        ExpressionAttributeValues={":pk": gsi["GSI2PK"]},
    )
    return [Institution.model_validate_json(i["doc"]) for i in items]
