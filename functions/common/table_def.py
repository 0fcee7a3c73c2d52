"""The one definition of the platform's DynamoDB table (keys, GSIs, billing, TTL attribute).

Plain data, no boto3: the local stack, the tests and the CDK app (infra/) all build the table
from `TABLE`. `create_table_kwargs()` is the boto3 `CreateTable` request derived from it (TTL is
a separate `UpdateTimeToLive` call: `ttl_kwargs()`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    sort_key: str


@dataclass(frozen=True)
class TableDefinition:
    partition_key: str
    sort_key: str
    global_indexes: tuple[Index, ...] = field(default_factory=tuple)
    billing_mode: str = "PAY_PER_REQUEST"
    # Items carrying this attribute (epoch seconds) are deleted by DynamoDB after that time.
    ttl_attribute: str | None = None

    def attribute_names(self) -> list[str]:
        names = [self.partition_key, self.sort_key]
        for gsi in self.global_indexes:
            names += [gsi.partition_key, gsi.sort_key]
        return list(dict.fromkeys(names))


TABLE = TableDefinition(
    partition_key="PK",
    sort_key="SK",
    global_indexes=(
        Index("GSI1", "GSI1PK", "GSI1SK"),
        Index("GSI2", "GSI2PK", "GSI2SK"),
    ),
    ttl_attribute="expires_at",
)


def create_table_kwargs(table_name: str, table: TableDefinition = TABLE) -> dict[str, Any]:
    """The boto3 `create_table` arguments for `table` (all key attributes are strings)."""
    return {
        "TableName": table_name,
        "BillingMode": table.billing_mode,
        "AttributeDefinitions": [
            {"AttributeName": n, "AttributeType": "S"} for n in table.attribute_names()
        ],
        "KeySchema": [
            {"AttributeName": table.partition_key, "KeyType": "HASH"},
            {"AttributeName": table.sort_key, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": g.name,
                "KeySchema": [
                    {"AttributeName": g.partition_key, "KeyType": "HASH"},
                    {"AttributeName": g.sort_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for g in table.global_indexes
        ],
    }


def ttl_kwargs(table_name: str, table: TableDefinition = TABLE) -> dict[str, Any] | None:
    """The boto3 `update_time_to_live` arguments enabling `table`'s TTL attribute, if any."""
    if not table.ttl_attribute:
        return None
    return {
        "TableName": table_name,
        "TimeToLiveSpecification": {"Enabled": True, "AttributeName": table.ttl_attribute},
    }
