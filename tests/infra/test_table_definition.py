"""The local stack and the integration tests create the table the template declares: both come
from functions.common.table_def (create_table_kwargs for boto3, TABLE for the CDK app)."""

from __future__ import annotations

from typing import Any

import boto3

from functions.common.settings import settings
from functions.common.table_def import create_table_kwargs, ttl_kwargs
from tests.infra.conftest import Synth


def _declared(synth: Synth) -> dict[str, Any]:
    (table,) = synth.resources("AWS::DynamoDB::Table").values()
    return dict(table["Properties"])


def _by_name(items: Any, key: str) -> dict[str, Any]:
    return {i[key]: i for i in items}


def test_create_table_kwargs_match_the_template(synth: Synth) -> None:
    declared = _declared(synth)
    kwargs = create_table_kwargs("any-name")
    assert kwargs["BillingMode"] == declared["BillingMode"]
    assert kwargs["KeySchema"] == declared["KeySchema"]
    assert _by_name(kwargs["AttributeDefinitions"], "AttributeName") == _by_name(
        declared["AttributeDefinitions"], "AttributeName"
    )
    # Warm throughput is the deployment's sizing for round 1 (infra/config.yaml capacity), not
    # part of the shared definition the local stack and the tests build their tables from.
    indexes = [
        {k: v for k, v in g.items() if k != "WarmThroughput"}
        for g in declared["GlobalSecondaryIndexes"]
    ]
    assert _by_name(kwargs["GlobalSecondaryIndexes"], "IndexName") == _by_name(indexes, "IndexName")


def test_ttl_attribute_matches_the_template(synth: Synth) -> None:
    ttl = ttl_kwargs("any-name")
    assert ttl is not None
    assert declared_ttl(synth) == ttl["TimeToLiveSpecification"]


def declared_ttl(synth: Synth) -> dict[str, Any]:
    return dict(_declared(synth)["TimeToLiveSpecification"])


def test_the_test_table_created_in_moto_has_the_template_keys(synth: Synth, ddb: None) -> None:
    """tests/conftest.py `ddb` builds its table with create_table_kwargs: compare what exists."""
    declared = _declared(synth)
    desc = boto3.client("dynamodb").describe_table(TableName=settings().table_name)["Table"]
    assert desc["KeySchema"] == declared["KeySchema"]
    assert _by_name(desc["AttributeDefinitions"], "AttributeName") == _by_name(
        declared["AttributeDefinitions"], "AttributeName"
    )
    created = {
        g["IndexName"]: (g["KeySchema"], g["Projection"]) for g in desc["GlobalSecondaryIndexes"]
    }
    assert created == {
        g["IndexName"]: (g["KeySchema"], g["Projection"])
        for g in declared["GlobalSecondaryIndexes"]
    }
    assert desc["BillingModeSummary"]["BillingMode"] == declared["BillingMode"]
