"""The table client's wire format (functions/common/wire.py) is what boto3's Table resource sent
and gave back, so dropping boto3 from the Lambda code changed no stored value (cold starts,
issue 13)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import botocore.session
import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer

from functions.common import wire

VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -7,
    12345678901234567890,
    Decimal("1.50"),
    Decimal("-0.001"),
    "",
    "浙江省",
    b"\x00\xff",
    bytearray(b"abc"),
    {1, 2, 3},
    {Decimal("2.5")},
    {"a", "b"},
    {b"x", b"y"},
    [1, "a", None, [True, {"k": Decimal("3")}]],
    ("t", 1),
    {"PK": "TEACHER#t1", "days": {"2024-05-06"}, "held": 2, "doc": {"n": [1, 2]}},
]


def _sorted_sets(wire_value: Any) -> Any:
    """Set members in a fixed order (a set's wire list has no order of its own)."""
    if isinstance(wire_value, dict):
        return {
            k: sorted(v) if k in ("NS", "SS", "BS") else _sorted_sets(v)
            for k, v in wire_value.items()
        }
    if isinstance(wire_value, list):
        return [_sorted_sets(v) for v in wire_value]
    return wire_value


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_values_go_to_the_wire_as_boto3_sent_them(value: Any) -> None:
    assert _sorted_sets(wire.to_wire(value)) == _sorted_sets(TypeSerializer().serialize(value))


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_values_come_back_as_boto3_gave_them_with_binary_as_bytes(value: Any) -> None:
    sent = TypeSerializer().serialize(value)

    def unwrap(v: Any) -> Any:
        if isinstance(v, Binary):
            return bytes(v.value)
        if isinstance(v, set):
            return {unwrap(x) for x in v}
        if isinstance(v, list):
            return [unwrap(x) for x in v]
        if isinstance(v, dict):
            return {k: unwrap(x) for k, x in v.items()}
        return v

    assert wire.from_wire(sent) == unwrap(TypeDeserializer().deserialize(sent))


@pytest.mark.parametrize(
    "value", [1.5, float("nan"), Decimal("Infinity"), Decimal("1." + "1" * 40), object()]
)
def test_what_boto3_refused_is_refused(value: Any) -> None:
    with pytest.raises((TypeError, ArithmeticError)):
        TypeSerializer().serialize(value)
    with pytest.raises((TypeError, ArithmeticError)):
        wire.to_wire(value)


def _model(operation: str) -> Any:
    return botocore.session.get_session().get_service_model("dynamodb").operation_model(operation)


def test_a_transaction_is_sent_in_wire_format_and_the_callers_arguments_are_left_native() -> None:
    params = {
        "TransactItems": [
            {"Put": {"TableName": "t", "Item": {"PK": "A", "n": 1}}},
            {
                "Update": {
                    "TableName": "t",
                    "Key": {"PK": "B", "SK": "C"},
                    "UpdateExpression": "ADD #a :d",
                    "ExpressionAttributeValues": {":d": -1, ":days": {"2024-05-06"}},
                }
            },
        ],
        "ClientRequestToken": "tok",
    }
    before = repr(params)
    sent = wire.copy_params(params)
    wire.params_to_wire(sent, _model("TransactWriteItems"))
    assert sent["TransactItems"][0]["Put"]["Item"] == {"PK": {"S": "A"}, "n": {"N": "1"}}
    update = sent["TransactItems"][1]["Update"]
    assert update["Key"] == {"PK": {"S": "B"}, "SK": {"S": "C"}}
    assert update["ExpressionAttributeValues"] == {
        ":d": {"N": "-1"},
        ":days": {"SS": ["2024-05-06"]},
    }
    assert update["UpdateExpression"] == "ADD #a :d" and sent["ClientRequestToken"] == "tok"
    assert repr(params) == before  # a retry sends the same native arguments again


def test_an_answer_comes_back_native_and_an_error_answer_as_sent() -> None:
    parsed: dict[str, Any] = {
        "Items": [{"PK": {"S": "A"}, "held": {"N": "3"}}],
        "LastEvaluatedKey": {"PK": {"S": "A"}},
        "Count": 1,
        "ResponseMetadata": {"HTTPStatusCode": 200},
    }
    wire.response_from_wire(parsed, _model("Query"))
    assert parsed["Items"] == [{"PK": "A", "held": Decimal(3)}]
    assert parsed["LastEvaluatedKey"] == {"PK": "A"} and parsed["Count"] == 1
    failed: dict[str, Any] = {
        "Error": {"Code": "ConditionalCheckFailedException"},
        "Item": {"PK": {"S": "A"}},
    }
    wire.response_from_wire(failed, _model("UpdateItem"))
    assert failed["Item"] == {"PK": {"S": "A"}}
    assert wire.item_from_wire(failed["Item"]) == {"PK": "A"}
