"""The local DynamoDB endpoint (local/ddb.py): exact under concurrency, atomic, persistent."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.exceptions import MultipleTransactionsException, TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table

from functions.common.table_def import create_table_kwargs
from local import ddb

TABLE = "zjtrain-test"
REGION = "us-east-1"
CLASS_KEY = {"PK": {"S": "CLASS#c1"}, "SK": {"S": "META"}}


def client(url: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(max_pool_connections=50, retries={"max_attempts": 1}),
    )


@pytest.fixture
def server() -> Iterator[ddb.DdbServer]:
    handle = ddb.start_server("127.0.0.1", 0, None)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def table(server: ddb.DdbServer) -> Any:
    c = client(server.url)
    c.create_table(**create_table_kwargs(TABLE))
    c.put_item(TableName=TABLE, Item={**CLASS_KEY, "capacity": {"N": "50"}, "held": {"N": "0"}})
    return c


def select_seat(teacher: str) -> list[dict[str, Any]]:
    """The selection transaction: take one seat of the class and record the teacher's seat."""
    return [
        {
            "Update": {
                "TableName": TABLE,
                "Key": CLASS_KEY,
                "UpdateExpression": "SET held = held + :one",
                "ConditionExpression": "held < #cap",
                "ExpressionAttributeNames": {"#cap": "capacity"},
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        },
        {
            "Put": {
                "TableName": TABLE,
                "Item": {
                    "PK": {"S": f"SEAT#{teacher}"},
                    "SK": {"S": "CLASS#c1"},
                    "GSI1PK": {"S": "CLASS#c1"},
                    "GSI1SK": {"S": f"TEACHER#{teacher}"},
                },
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        },
    ]


def held(c: Any) -> int:
    return int(c.get_item(TableName=TABLE, Key=CLASS_KEY, ConsistentRead=True)["Item"]["held"]["N"])


def seat_count(c: Any) -> int:
    pages = c.get_paginator("scan").paginate(
        TableName=TABLE,
        FilterExpression="begins_with(PK, :seat)",
        ExpressionAttributeValues={":seat": {"S": "SEAT#"}},
    )
    return sum(page["Count"] for page in pages)


def test_concurrent_selections_never_oversell_a_class(server: ddb.DdbServer, table: Any) -> None:
    # Given a 50-seat class and 40 clients making 200 distinct selection attempts
    threads, per_thread = 40, 5
    successes: list[str] = []
    failures: list[str] = []
    unexpected: list[BaseException] = []
    start = threading.Barrier(threads)

    def worker(n: int) -> None:
        c = client(server.url)
        start.wait()
        for i in range(per_thread):
            teacher = f"t{n:02d}-{i}"
            try:
                c.transact_write_items(TransactItems=select_seat(teacher))
                successes.append(teacher)
            except c.exceptions.TransactionCanceledException:
                failures.append(teacher)
            except BaseException as e:  # noqa: BLE001 - reported by the assertion below
                unexpected.append(e)

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()

    # Then exactly the capacity was sold and nothing was left behind by the losers
    assert unexpected == []
    assert len(successes) == 50
    assert len(failures) == 150
    assert held(table) == 50
    assert seat_count(table) == 50


def test_failed_transaction_leaves_nothing_behind(server: ddb.DdbServer, table: Any) -> None:
    # Given a seat that already exists for teacher t1
    table.transact_write_items(TransactItems=select_seat("t1"))
    existing_seat = {"PK": {"S": "SEAT#t1"}, "SK": {"S": "CLASS#c1"}}
    table.update_item(
        TableName=TABLE,
        Key=existing_seat,
        UpdateExpression="SET note = :n",
        ExpressionAttributeValues={":n": {"S": "first"}},
    )
    before = table.get_item(TableName=TABLE, Key=existing_seat)["Item"]

    # When t1 selects again: the counter update succeeds, then the seat Put fails
    items = select_seat("t1")
    items[1]["Put"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    items.append(
        {
            "Put": {
                "TableName": TABLE,
                "Item": {"PK": {"S": "AUDIT#t1"}, "SK": {"S": "select"}},
            }
        }
    )
    with pytest.raises(table.exceptions.TransactionCanceledException) as caught:
        table.transact_write_items(TransactItems=items)

    # Then the reasons line up with the items and ALL_OLD returns the existing seat
    reasons = caught.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed", "None"]
    assert reasons[1]["Item"] == before
    # And the counter, the existing seat and the would-be audit item are as before
    assert held(table) == 1
    assert table.get_item(TableName=TABLE, Key=existing_seat)["Item"] == before
    audit = {"PK": {"S": "AUDIT#t1"}, "SK": {"S": "select"}}
    assert "Item" not in table.get_item(TableName=TABLE, Key=audit)
    assert seat_count(table) == 1


def test_condition_check_failure_cancels_and_rolls_back_a_delete(
    server: ddb.DdbServer, table: Any
) -> None:
    table.transact_write_items(TransactItems=select_seat("t1"))
    seat = {"PK": {"S": "SEAT#t1"}, "SK": {"S": "CLASS#c1"}}
    items = [
        {"Delete": {"TableName": TABLE, "Key": seat}},
        {
            "ConditionCheck": {
                "TableName": TABLE,
                "Key": CLASS_KEY,
                "ConditionExpression": "held > :n",
                "ExpressionAttributeValues": {":n": {"N": "5"}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
    ]
    with pytest.raises(table.exceptions.TransactionCanceledException) as caught:
        table.transact_write_items(TransactItems=items)

    reasons = caught.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
    assert reasons[1]["Item"]["held"] == {"N": "1"}
    assert "Item" in table.get_item(TableName=TABLE, Key=seat)
    query = table.query(
        TableName=TABLE,
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :c",
        ExpressionAttributeValues={":c": {"S": "CLASS#c1"}},
    )
    assert [i["GSI1SK"]["S"] for i in query["Items"]] == ["TEACHER#t1"]


def test_two_operations_on_one_item_are_rejected_without_side_effects(
    server: ddb.DdbServer, table: Any
) -> None:
    items = select_seat("t1") + [select_seat("t1")[0]]
    with pytest.raises(table.exceptions.ClientError) as caught:
        table.transact_write_items(TransactItems=items)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert held(table) == 0
    assert seat_count(table) == 0


def in_process_backend(key_attrs: tuple[str, ...] = ("PK", "SK")) -> DynamoDBBackend:
    """A bare engine with one table: faster than HTTP for checks on the engine itself."""
    backend = DynamoDBBackend(REGION, DEFAULT_ACCOUNT_ID)
    backend.create_table(
        TABLE,
        schema=[
            {"AttributeName": name, "KeyType": kind}
            for name, kind in zip(key_attrs, ("HASH", "RANGE"), strict=False)
        ],
        throughput=None,
        attr=[{"AttributeName": name, "AttributeType": "S"} for name in key_attrs],
        global_indexes=None,
        indexes=None,
        streams={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        billing_mode="PAY_PER_REQUEST",
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    return backend


def test_rollback_restores_items_of_a_hash_only_table_and_its_stream() -> None:
    backend = in_process_backend(("PK",))
    backend.put_item(TABLE, {"PK": {"S": "counter"}, "n": {"N": "1"}})
    table = backend.get_table(TABLE)
    assert table.stream_shard is not None
    stream_length = len(table.stream_shard.items)
    items = [
        {"Put": {"TableName": TABLE, "Item": {"PK": {"S": "new"}}}},
        {
            "Update": {
                "TableName": TABLE,
                "Key": {"PK": {"S": "counter"}},
                "UpdateExpression": "SET n = n + :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        },
        {"Delete": {"TableName": TABLE, "Key": {"PK": {"S": "counter"}}}},
    ]
    with pytest.raises(MultipleTransactionsException):
        ddb._transact_write_items(backend, items)
    items[2] = {
        "ConditionCheck": {
            "TableName": TABLE,
            "Key": {"PK": {"S": "other"}},
            "ConditionExpression": "attribute_exists(PK)",
        }
    }
    with pytest.raises(TransactionCanceledException):
        ddb._transact_write_items(backend, items)

    assert [i.to_json()["Attributes"] for i in table.all_items()] == [
        {"PK": {"S": "counter"}, "n": {"N": "1"}}
    ]
    assert len(table.stream_shard.items) == stream_length


def test_transaction_rollback_copies_items_not_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression guard for the O(table) rollback, without timing anything."""
    backend = in_process_backend()
    backend.put_item(TABLE, {**CLASS_KEY, "capacity": {"N": "50"}, "held": {"N": "0"}})
    for n in range(2_000):
        backend.put_item(TABLE, {"PK": {"S": f"SEAT#x{n}"}, "SK": {"S": "CLASS#c1"}})

    copied: list[type] = []
    real_deepcopy = copy.deepcopy

    def counting_deepcopy(obj: Any, memo: Any = None, _nil: Any = ()) -> Any:
        if memo is None:  # top-level call, not deepcopy's own recursion
            copied.append(type(obj))
        return real_deepcopy(obj, memo)

    monkeypatch.setattr(copy, "deepcopy", counting_deepcopy)

    def attempt(txn: Any) -> None:
        with pytest.raises(TransactionCanceledException):
            txn(backend, select_seat("x7"))  # the seat exists: the transaction is cancelled

    attempt(ddb._transact_write_items)
    assert Table not in copied
    # The counter item's snapshot, and moto's own copy of it inside update_item
    assert copied == [Item, Item]
    counter = backend.get_item(TABLE, CLASS_KEY)
    assert counter is not None and counter.attrs["held"].value == "0"

    copied.clear()
    attempt(ddb.STOCK_TRANSACT_WRITE_ITEMS)
    assert Table in copied  # proves the guard detects the whole-table copy


def test_data_survives_a_restart_and_the_journal_is_compacted(tmp_path: Path) -> None:
    data_dir = tmp_path / "ddb"
    with ddb.start_server("127.0.0.1", 0, data_dir) as first:
        c = client(first.url)
        c.create_table(**create_table_kwargs(TABLE))
        c.put_item(TableName=TABLE, Item={**CLASS_KEY, "capacity": {"N": "50"}, "held": {"N": "0"}})
        for teacher in ("t1", "t2", "t3"):
            c.transact_write_items(TransactItems=select_seat(teacher))
        c.delete_item(TableName=TABLE, Key={"PK": {"S": "SEAT#t2"}, "SK": {"S": "CLASS#c1"}})
        with pytest.raises(c.exceptions.TransactionCanceledException):
            c.transact_write_items(TransactItems=select_seat("t1"))
        c.create_table(**create_table_kwargs("dropped"))
        c.delete_table(TableName="dropped")
    journal = data_dir / ddb.JOURNAL_NAME
    targets = [
        json.loads(line)["target"].split(".")[1] for line in journal.read_text().splitlines()
    ]
    # Only successful mutations are journaled (the cancelled transaction is absent)
    assert targets.count("TransactWriteItems") == 3
    assert "GetItem" not in targets

    def state(url: str) -> tuple[int, list[str], list[dict[str, Any]]]:
        c = client(url)
        gsi = c.query(
            TableName=TABLE,
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :c",
            ExpressionAttributeValues={":c": {"S": "CLASS#c1"}},
        )
        items = sorted(c.scan(TableName=TABLE)["Items"], key=lambda i: (i["PK"]["S"], i["SK"]["S"]))
        return held(c), [i["GSI1SK"]["S"] for i in gsi["Items"]], items

    with ddb.start_server("127.0.0.1", 0, data_dir) as second:
        after_restart = state(second.url)
        assert after_restart[0] == 3
        assert after_restart[1] == ["TEACHER#t1", "TEACHER#t3"]
        assert client(second.url).list_tables()["TableNames"] == [TABLE]

    compacted = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [r["target"].split(".")[1] for r in compacted] == ["CreateTable", "BatchWriteItem"]

    with ddb.start_server("127.0.0.1", 0, data_dir) as third:
        assert state(third.url) == after_restart
    assert [json.loads(line) for line in journal.read_text().splitlines()] == compacted


def test_no_data_dir_starts_empty_and_state_does_not_leak_between_servers(
    tmp_path: Path,
) -> None:
    with ddb.start_server("127.0.0.1", 0, None) as first:
        client(first.url).create_table(**create_table_kwargs(TABLE))
    with ddb.start_server("127.0.0.1", 0, tmp_path / "empty") as second:
        assert client(second.url).list_tables()["TableNames"] == []
    assert dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].tables == {}


def test_a_torn_last_journal_line_is_ignored(tmp_path: Path) -> None:
    data_dir = tmp_path / "ddb"
    with ddb.start_server("127.0.0.1", 0, data_dir) as first:
        client(first.url).create_table(**create_table_kwargs(TABLE))
    with (data_dir / ddb.JOURNAL_NAME).open("a") as f:
        f.write('{"target":"DynamoDB_20120810.PutItem","reg')
    with ddb.start_server("127.0.0.1", 0, data_dir) as second:
        assert client(second.url).list_tables()["TableNames"] == [TABLE]


def test_a_query_reads_only_its_partition_and_answers_like_stock_moto(
    server: ddb.DdbServer, table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for p in range(3):
        for n in range(12):
            table.put_item(
                TableName=TABLE,
                Item={
                    "PK": {"S": f"JOB#{p}"},
                    "SK": {"S": f"{'UPLOAD' if n % 2 else 'REPORT'}#{n:05d}"},
                    "n": {"N": str(n)},
                    "GSI1PK": {"S": "ALL"},
                    "GSI1SK": {"S": f"{p}#{n:05d}"},
                },
            )
    shapes: list[dict[str, Any]] = [
        {
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": "JOB#1"}},
        },
        {
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :p)",
            "FilterExpression": "n > :four",
            "ScanIndexForward": False,
            "Limit": 3,
            "ExpressionAttributeValues": {
                ":pk": {"S": "JOB#2"},
                ":p": {"S": "UPLOAD#"},
                ":four": {"N": "4"},
            },
        },
        {"KeyConditionExpression": "PK = :pk", "ExpressionAttributeValues": {":pk": {"S": "NONE"}}},
        {
            "IndexName": "GSI1",
            "KeyConditionExpression": "GSI1PK = :a",
            "ExpressionAttributeValues": {":a": {"S": "ALL"}},
        },
    ]

    def pages(shape: dict[str, Any]) -> list[Any]:
        out = []
        kwargs = {"TableName": TABLE, **shape}
        while True:
            resp = table.query(**kwargs)
            out.append((resp["Items"], resp.get("LastEvaluatedKey")))
            if "LastEvaluatedKey" not in resp:
                return out
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    seen: list[int] = []
    real_all_items = Table.all_items

    def counting_all_items(self: Table) -> list[Item]:
        items = real_all_items(self)
        seen.append(len(items))
        return items

    monkeypatch.setattr(Table, "all_items", counting_all_items)
    patched = [pages(s) for s in shapes]
    partition_reads = list(seen)
    monkeypatch.setattr(Table, "query", ddb.STOCK_QUERY)
    stock = [pages(s) for s in shapes]
    assert patched == stock
    assert len(patched[1]) > 1  # the limited query really paged
    # The partition queries read 12 items (or none), never the table's 37; the index query
    # still reads the whole table.
    assert max(partition_reads[:-1]) == 12 and partition_reads[-1] == 37


def test_the_endpoint_keeps_connections_alive_so_boto3_does_not_reconnect_per_call(
    table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """werkzeug answers `Connection: close` by default; boto3 then reconnects for every call."""
    accepted: list[object] = []
    real = ddb._Handler.setup  # once per accepted connection

    def counted(self: Any) -> None:
        accepted.append(self)
        real(self)

    monkeypatch.setattr(ddb._Handler, "setup", counted)
    for _ in range(5):
        table.get_item(TableName=TABLE, Key=CLASS_KEY)
    assert len(accepted) <= 1
    monkeypatch.setenv(ddb.KEEP_ALIVE_ENV, "0")  # the benchmark's "before": one per call
    before = len(accepted)
    for _ in range(5):
        table.get_item(TableName=TABLE, Key=CLASS_KEY)
    assert len(accepted) - before >= 4  # the first still rode the connection already open
