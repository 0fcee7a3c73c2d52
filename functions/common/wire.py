"""DynamoDB's wire format (`{"S": "x"}`, `{"N": "3"}`, …) to and from native Python values, for
the table client `functions.common.store` builds.

boto3's Table resource did this conversion, but `boto3.dynamodb.types` cannot be imported
without boto3's package, which pulls in its resource factory and s3transfer (a third of
`import boto3`) into every cold start; the hot path needs only botocore's low-level client.
The rules are boto3's (`TypeSerializer`): int and Decimal are numbers within DynamoDB's 38
digits, a float is refused (it would be stored inexactly), sets of one kind are `NS`/`SS`/`BS`.
Reading back uses powertools' `TypeDeserializer` (boto3's, except that binary comes back as
bytes instead of boto3's `Binary` wrapper): numbers are Decimal, sets are sets.

`params_to_wire` / `response_from_wire` walk an operation's botocore shapes and convert every
`AttributeValue` in it, so `Key`, `Item`, `ExpressionAttributeValues`, `TransactItems`,
`RequestItems`, `LastEvaluatedKey`… all take and give native values, as the resource did.
No botocore import here: the shapes come with each call.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Set
from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
from typing import Any

from aws_lambda_powertools.shared.dynamodb_deserializer import TypeDeserializer

ATTRIBUTE_VALUE = "AttributeValue"  # the shape every item value has in DynamoDB's model
# DynamoDB keeps 38 significant digits; anything that would round is refused, as boto3 does.
DYNAMODB_CONTEXT = Context(
    Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow]
)
_DESERIALIZER = TypeDeserializer()


def _number(value: int | Decimal) -> str:
    text = str(DYNAMODB_CONTEXT.create_decimal(value))
    if text in ("Infinity", "NaN"):
        raise TypeError("Infinity and NaN not supported")
    return text


def _is_number(value: Any) -> bool:
    if isinstance(value, float):
        raise TypeError("Float types are not supported. Use Decimal types instead.")
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def to_wire(value: Any) -> dict[str, Any]:
    """One native value as an AttributeValue (boto3's TypeSerializer rules)."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if _is_number(value):
        return {"N": _number(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes | bytearray):
        return {"B": bytes(value)}
    if isinstance(value, Set):
        if all(_is_number(v) for v in value):
            return {"NS": [_number(v) for v in value]}
        if all(isinstance(v, str) for v in value):
            return {"SS": list(value)}
        if all(isinstance(v, bytes | bytearray) for v in value):
            return {"BS": [bytes(v) for v in value]}
    elif isinstance(value, Mapping):
        return {"M": {k: to_wire(v) for k, v in value.items()}}
    elif isinstance(value, list | tuple):
        return {"L": [to_wire(v) for v in value]}
    raise TypeError(f"Unsupported type {type(value)} for value {value!r}")


def from_wire(value: Mapping[str, Any]) -> Any:
    """One AttributeValue as a native value."""
    return _DESERIALIZER.deserialize(dict(value))


def item_from_wire(item: Mapping[str, Any]) -> dict[str, Any]:
    """A whole item (attribute name -> AttributeValue) as native values."""
    return {k: from_wire(v) for k, v in item.items()}


def _convert(shape: Any, value: Any, fn: Callable[[Any], Any]) -> Any:
    """`value` (of botocore shape `shape`) with every AttributeValue in it passed through `fn`
    (in new containers: `value` itself is left as it was)."""
    if shape.name == ATTRIBUTE_VALUE:
        return fn(value)
    kind = shape.type_name
    if kind == "structure" and isinstance(value, Mapping):
        members = shape.members
        return {k: _convert(members[k], v, fn) if k in members else v for k, v in value.items()}
    if kind == "list" and isinstance(value, list | tuple):
        return [_convert(shape.member, v, fn) for v in value]
    if kind == "map" and isinstance(value, Mapping):
        return {k: _convert(shape.value, v, fn) for k, v in value.items()}
    return value


def copy_params(params: dict[str, Any], **_: Any) -> dict[str, Any]:
    """botocore `provide-client-params` handler: the call's own copy of its arguments, so the
    conversion (and any hook on the way) never changes the caller's dicts: a retried call sends
    its native arguments again."""
    return copy.deepcopy(params)


def params_to_wire(params: dict[str, Any], model: Any, **_: Any) -> None:
    """botocore `before-parameter-build` handler: the (copied) arguments in wire format, in place.
    Hooks registered first on this event still see native values, as with boto3's resource."""
    if model.input_shape is not None:
        params.update(_convert(model.input_shape, params, to_wire))


def response_from_wire(parsed: dict[str, Any], model: Any, **_: Any) -> None:
    """botocore `after-call` handler: a successful answer's values made native, in place. An
    error answer is left as sent (its `Item` / cancellation reasons are read with
    `item_from_wire`), as boto3's resource did."""
    if model.output_shape is None or "Error" in parsed:
        return
    parsed.update(_convert(model.output_shape, parsed, from_wire))
