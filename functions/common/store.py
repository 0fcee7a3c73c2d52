"""The table access layer: the only module (with the per-context `store.py` files built on it)
that touches the AWS SDK. Clients are built lazily so importing a handler stays cheap.

Clients come from botocore directly, not boto3: only DynamoDB's and Lambda's low-level clients
are used, and `import boto3` also loads its resource factory and s3transfer (about a third of
its import, at every cold start). The table client converts native values to and from the wire
format itself (`functions.common.wire`), as boto3's Table resource did.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from functools import cache, partial
from typing import Any, Literal, TypeVar, cast

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from functions.common import keys, wire
from functions.common.errors import Busy
from functions.common.log import logger
from functions.common.settings import settings

T = TypeVar("T")

THROTTLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
    }
)


@cache
def _session() -> Any:
    # One botocore session for every client (as boto3's default session was): it reads the
    # region, credentials and AWS_ENDPOINT_URL_<SERVICE> from the environment.
    return botocore.session.get_session()


def _create_client(service: str, config: Config | None = None) -> Any:
    return _session().create_client(service, config=config)


@cache
def _client() -> Any:
    cfg = Config(
        # botocore sends each call once: every retry is `with_retries`', so a call's sends are
        # bounded by one budget (botocore's own 4 retries inside 4 of ours made 16-20 sends, and
        # its throttle backoff waits up to seconds while a hot class's teachers wait).
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=2,
        read_timeout=5,
        max_pool_connections=50,
    )
    # The endpoint follows botocore's AWS_ENDPOINT_URL_DYNAMODB, so any compatible endpoint works.
    dynamodb = _create_client("dynamodb", cfg)
    # Native values in, native values out (Key, Item, ExpressionAttributeValues, Items, …).
    # The events and order boto3's resource used, so hooks (tests, benchmarks) see the same.
    events = dynamodb.meta.events
    events.register("provide-client-params.dynamodb", wire.copy_params)
    events.register("before-parameter-build.dynamodb", wire.params_to_wire)
    events.register("after-call.dynamodb", wire.response_from_wire)
    rate = float(os.environ.get(FAULT_RATE_ENV) or 0)
    if rate > 0:
        install_faults(dynamodb, rate)
    hot = [k for k in (os.environ.get(HOT_ITEMS_ENV) or "").split(",") if k]
    if hot:
        install_hot_items(dynamodb, hot, float(os.environ.get(HOT_RATE_ENV) or 0))
    return dynamodb


# Fault injection for tests and benchmarks only (never set in a deployment): a share of the
# data-plane calls fails before reaching the endpoint with a throttle or a transaction conflict,
# exercising `with_retries`, its backoff and the 503 + Retry-After when attempts run out.
FAULT_RATE_ENV = "ZJT_FAULT_RATE"
_FAULTY_OPS = frozenset(
    {
        "GetItem",
        "Query",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "TransactWriteItems",
        "BatchGetItem",
    }
)
injected_faults: list[str] = []  # codes injected in this process (tests read it)


def install_faults(client_: Any, rate: float, seed: int | None = None) -> None:
    """Make `rate` of `client_`'s data-plane calls fail with ProvisionedThroughputExceeded,
    Throttling or (transactions) TransactionCanceled/TransactionConflict, without sending them."""
    from botocore.awsrequest import AWSResponse, HTTPHeaders

    rng = random.Random(seed)

    def hook(model: Any, params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]] | None:
        if model.name not in _FAULTY_OPS or rng.random() >= rate:
            return None
        codes = ["ProvisionedThroughputExceededException", "ThrottlingException"]
        if model.name == "TransactWriteItems":
            codes.append("TransactionCanceledException")
        code = rng.choice(codes)
        injected_faults.append(code)
        parsed: dict[str, Any] = {"Error": {"Code": code, "Message": "injected fault"}}
        if code == "TransactionCanceledException":
            body = params.get("body") or b"{}"
            n = len(json.loads(body).get("TransactItems", [])) if body else 3
            parsed["CancellationReasons"] = [{"Code": "TransactionConflict"}] + [
                {"Code": "None"}
            ] * (n - 1)
        return AWSResponse("https://fault.invalid/", 400, HTTPHeaders(), None), parsed

    client_.meta.events.register_first("before-call.dynamodb.*", hook)


# A hot item (benchmarks only): DynamoDB serves about 500 transactions a second on one item
# and cancels the concurrent rest with TransactionConflict. With demand D/s on a popular
# class's seat counter, a share 1 - 500/D of the transactions touching it conflict; the rush
# benchmark sets the PKs and that share, and every transaction on them conflicts at that rate.
HOT_ITEMS_ENV = "ZJT_HOT_ITEMS"
HOT_RATE_ENV = "ZJT_HOT_CONFLICT_RATE"
ITEM_TRANSACTIONS_PER_SECOND = 500


def hot_conflict_rate(demand_per_second: float) -> float:
    """The share of transactions on one item that conflict at `demand_per_second`."""
    return max(0.0, 1 - ITEM_TRANSACTIONS_PER_SECOND / demand_per_second)


def install_hot_items(client_: Any, pks: list[str], rate: float, seed: int | None = None) -> None:
    """Cancel `rate` of `client_`'s transactions touching an item of `pks` with a
    TransactionConflict on that item, without sending them (as DynamoDB would on a hot item)."""
    from botocore.awsrequest import AWSResponse, HTTPHeaders

    rng = random.Random(seed)
    wanted = {json.dumps(pk) for pk in pks}  # as the PK appears in the request's JSON

    def hook(model: Any, params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]] | None:
        if model.name != "TransactWriteItems":
            return None
        ops = json.loads(params.get("body") or b"{}").get("TransactItems", [])
        hits = [
            i
            for i, op in enumerate(ops)
            if json.dumps(next(iter(op.values())).get("Key", {}).get("PK", {}).get("S")) in wanted
        ]
        if not hits or rng.random() >= rate:
            return None
        injected_faults.append("TransactionConflict")
        reasons = [{"Code": "None"}] * len(ops)
        reasons[hits[0]] = {"Code": "TransactionConflict"}
        parsed = {
            "Error": {"Code": "TransactionCanceledException", "Message": "hot item"},
            "CancellationReasons": reasons,
        }
        return AWSResponse("https://fault.invalid/", 400, HTTPHeaders(), None), parsed

    client_.meta.events.register_first("before-call.dynamodb.*", hook)


class Table:
    """The platform table's item calls (what boto3's Table resource offered): `client()`'s
    calls with the table's name filled in, native Python values in and out."""

    def __init__(self, name: str) -> None:
        self.name = name

    def get_item(self, **kwargs: Any) -> dict[str, Any]:
        return cast(dict[str, Any], client().get_item(TableName=self.name, **kwargs))

    def put_item(self, **kwargs: Any) -> dict[str, Any]:
        return cast(dict[str, Any], client().put_item(TableName=self.name, **kwargs))

    def update_item(self, **kwargs: Any) -> dict[str, Any]:
        return cast(dict[str, Any], client().update_item(TableName=self.name, **kwargs))

    def delete_item(self, **kwargs: Any) -> dict[str, Any]:
        return cast(dict[str, Any], client().delete_item(TableName=self.name, **kwargs))

    def query(self, **kwargs: Any) -> dict[str, Any]:
        return cast(dict[str, Any], client().query(TableName=self.name, **kwargs))

    def scan(self, **kwargs: Any) -> dict[str, Any]:
        return cast(dict[str, Any], client().scan(TableName=self.name, **kwargs))


def table() -> Table:
    """The platform table (native Python types)."""
    return _table(settings().table_name)


@cache
def _table(name: str) -> Table:
    return Table(name)


def client() -> Any:
    """The DynamoDB low-level client, taking and giving native Python types (transactions,
    batch reads): the wire format is `functions.common.wire`'s business."""
    return _client()


@cache
def admin_client() -> Any:
    """A client for set-up and control-plane calls (creating the table, its TTL; the local
    stack and seeding): botocore's own retries and a long read timeout, since nobody waits on
    them and a loaded local endpoint answers slowly. Request paths use `client()`."""
    cfg = Config(retries={"mode": "standard", "total_max_attempts": 8}, read_timeout=60)
    return _create_client("dynamodb", cfg)


def table_answers() -> bool:
    """Whether the platform table answers a read now: one GetItem of a key never written
    (`keys.health_probe`), on a client that tries once with short timeouts. A health check must
    answer quickly, and a dead endpoint will not come back within a retry's backoff."""
    from botocore.exceptions import BotoCoreError

    try:
        _probe_client().get_item(
            TableName=settings().table_name,
            Key={k: {"S": v} for k, v in keys.health_probe().items()},
        )
    except (BotoCoreError, ClientError) as exc:
        logger.warning("health: the table does not answer", extra={"error": repr(exc)})
        return False
    return True


@cache
def _probe_client() -> Any:
    cfg = Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=1, read_timeout=2)
    return _create_client("dynamodb", cfg)


@cache
def parameter(name: str) -> str:
    """An SSM parameter's value, decrypted (the SMTP password), read once per process."""
    answer = _create_client("ssm").get_parameter(Name=name, WithDecryption=True)
    value: str = answer["Parameter"]["Value"]
    return value


def reset_clients() -> None:
    """Forget built clients (tests that switch endpoints or credentials)."""
    parameter.cache_clear()
    _session.cache_clear()
    _client.cache_clear()
    _probe_client.cache_clear()
    _table.cache_clear()
    _lambda.cache_clear()
    admin_client.cache_clear()


@cache
def _lambda() -> Any:
    # The endpoint follows botocore's AWS_ENDPOINT_URL_LAMBDA: the local gateway serves Invoke.
    return _create_client("lambda")


def invoke_async(function: str, payload: dict[str, Any]) -> None:
    """Start `function` (name or ARN) without waiting: Lambda's asynchronous invocation, which
    queues the event and retries a failed run twice."""
    _lambda().invoke(
        FunctionName=function,
        InvocationType="Event",
        Payload=json.dumps(payload).encode(),
    )


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def cancellation_codes(exc: ClientError) -> list[str]:
    """Per-item codes of a TransactionCanceledException ('None' for items that passed)."""
    return [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]


def failed_conditions(exc: ClientError) -> list[int]:
    """Indexes of the transaction items whose condition failed; re-raises `exc` if it is not a
    cancelled transaction (the caller maps indexes to domain errors)."""
    if error_code(exc) != "TransactionCanceledException":
        raise exc
    return [i for i, c in enumerate(cancellation_codes(exc)) if c == "ConditionalCheckFailed"]


def cancellation_item(exc: ClientError, index: int) -> dict[str, Any] | None:
    """The old item returned for item `index` (ReturnValuesOnConditionCheckFailure=ALL_OLD)."""
    reasons = exc.response.get("CancellationReasons", [])
    if index >= len(reasons):
        return None
    item = reasons[index].get("Item")
    if not item:
        return None
    # Error responses skip the type transformation (wire.response_from_wire): wire format.
    return wire.item_from_wire(item)


def with_retries(call: Callable[[], T], attempts: int | None = None, base: float = 0.02) -> T:
    """Run `call`, retrying throttles, transaction conflicts and lost connections with jittered
    exponential backoff, at most `attempts` sends in all (settings().ddb_max_attempts: 3 for
    the API; the workers' stack sets more). botocore retries nothing itself (`_client`).

    A hot class's seat counter takes about 500 transactions a second and DynamoDB cancels
    concurrent ones on it (TransactionConflict) rather than queue them: past the budget the
    caller answers at once with `Busy` (503, Retry-After), and the page retries for the teacher
    with the same Idempotency-Key. Never a 500 and never a partial write: a transaction either
    happened or not, and a retried conditional write cannot apply twice.
    """
    n = attempts or settings().ddb_max_attempts
    for attempt in range(n):
        try:
            return call()
        except ClientError as exc:
            code = error_code(exc)
            retryable = code in THROTTLE_CODES or (
                code == "TransactionCanceledException"
                and "TransactionConflict" in cancellation_codes(exc)
                and "ConditionalCheckFailed" not in cancellation_codes(exc)
            )
            if not retryable:
                raise
            if attempt == n - 1:
                raise Busy(retry_after=1) from exc
        except (BotoConnectionError, HTTPClientError) as exc:
            if attempt == n - 1:
                raise Busy(retry_after=1) from exc
        time.sleep(random.uniform(0, base * (2**attempt)))
    raise AssertionError("unreachable")


def get_item(key: dict[str, str], consistent: bool = False) -> dict[str, Any] | None:
    resp = with_retries(lambda: table().get_item(Key=key, ConsistentRead=consistent))
    item: dict[str, Any] | None = resp.get("Item")
    return item


def batch_get(keys: Sequence[dict[str, str]], consistent: bool = False) -> list[dict[str, Any]]:
    """Get up to any number of items (chunks of 100), in no particular order."""
    out: list[dict[str, Any]] = []
    name = settings().table_name
    for i in range(0, len(keys), 100):
        request: dict[str, Any] = {"Keys": list(keys[i : i + 100])}
        if consistent:
            request["ConsistentRead"] = True
        pending: dict[str, Any] = {name: request}
        while pending:
            resp: dict[str, Any] = with_retries(
                partial(client().batch_get_item, RequestItems=pending)
            )
            out.extend(resp.get("Responses", {}).get(name, []))
            pending = resp.get("UnprocessedKeys") or {}
    return out


def pages(operation: Literal["query", "scan"], **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every response page of a Query or Scan, following LastEvaluatedKey: the one pagination
    loop (a `Select="COUNT"` query has no items, only a `Count` a page)."""
    call = getattr(table(), operation)
    while True:
        resp: dict[str, Any] = with_retries(lambda: call(**kwargs))
        yield resp
        last = resp.get("LastEvaluatedKey")
        if not last:
            return
        kwargs["ExclusiveStartKey"] = last


def query_pages(**kwargs: Any) -> Iterator[dict[str, Any]]:
    """All items of a query, following pagination."""
    for resp in pages("query", **kwargs):
        yield from resp.get("Items", [])


def scan_pages(**kwargs: Any) -> Iterator[dict[str, Any]]:
    """All items of a scan (or of one segment of it), following pagination."""
    for resp in pages("scan", **kwargs):
        yield from resp.get("Items", [])


def put_item(item: dict[str, Any], condition: str | None = None, **extra: Any) -> None:
    kwargs: dict[str, Any] = {"Item": item, **extra}
    if condition:
        kwargs["ConditionExpression"] = condition
    with_retries(lambda: table().put_item(**kwargs))


def put_op(item: dict[str, Any], condition: str | None = None, **expr: Any) -> dict[str, Any]:
    """A TransactWriteItems `Put` of `item` on the platform table, under `condition` (its old
    item comes back on a failed condition, for `cancellation_item`)."""
    op: dict[str, Any] = {"TableName": settings().table_name, "Item": item}
    if condition:
        op["ConditionExpression"] = condition
        op["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    op.update(expr)
    return {"Put": op}


def update_op(update: dict[str, Any]) -> dict[str, Any] | None:
    """Run a TransactWriteItems `Update` (with its TableName) as one UpdateItem: half the
    capacity of a one-item transaction. Returns None when it was written, or the old item
    ({} when there was none) when its condition failed."""
    try:
        with_retries(lambda: client().update_item(**update))
    except ClientError as exc:
        if error_code(exc) != "ConditionalCheckFailedException":
            raise
        raw: dict[str, Any] = cast(dict[str, Any], exc.response).get("Item") or {}
        # Error responses skip the type transformation (wire.response_from_wire): wire format.
        return wire.item_from_wire(raw)
    return None


def transact_write(items: list[dict[str, Any]], token: str | None = None) -> None:
    """One TransactWriteItems over the platform table (items carry their own TableName)."""
    kwargs: dict[str, Any] = {"TransactItems": items}
    if token:
        kwargs["ClientRequestToken"] = token
    with_retries(lambda: client().transact_write_items(**kwargs))


def batch_write(items: Sequence[dict[str, Any]]) -> None:
    """Bulk load (seeding, imports): plain puts, no conditions."""
    batch_requests([{"PutRequest": {"Item": item}} for item in items])


def batch_requests(requests: Sequence[dict[str, Any]]) -> None:
    """BatchWriteItem requests (PutRequest / DeleteRequest), 25 per call, each call under
    `with_retries` (botocore retries nothing), unprocessed ones resent."""
    name = settings().table_name
    for i in range(0, len(requests), 25):
        pending: dict[str, Any] = {name: list(requests[i : i + 25])}
        while pending:
            resp = with_retries(partial(client().batch_write_item, RequestItems=pending))
            pending = resp.get("UnprocessedItems") or {}


def counter_op(
    key: dict[str, str], attr: str, delta: int, condition: str | None, values: dict[str, Any]
) -> dict[str, Any]:
    """A TransactWriteItems `Update` that adds `delta` to counter `attr` under `condition`
    (quota, leader load, …): the guarded counter every limit in the write is built from."""
    op: dict[str, Any] = {
        "TableName": settings().table_name,
        "Key": key,
        "UpdateExpression": "ADD #a :d",
        "ExpressionAttributeNames": {"#a": attr},
        "ExpressionAttributeValues": {":d": delta, **values},
    }
    if condition:
        op["ConditionExpression"] = condition
        op["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return {"Update": op}
