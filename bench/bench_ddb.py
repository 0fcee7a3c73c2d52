"""Benchmark of the local DynamoDB endpoint: kept-alive vs closed connections, and
selection-transaction latency by table size.

Run ``python -m bench.bench_ddb``. It starts `local.ddb` in-process (no persistence), times a
two-item TransactWriteItems (counter Update with a capacity condition + seat Put, i.e. one
selection) over HTTP at 0, 10k and 50k items, with stock moto's whole-table-copy rollback and
with the per-item rollback local.ddb installs, then checks that 20 concurrent clients sell a
50-seat class exactly. Stock moto is only measured up to 10k items: it is linear in table size.
It also times a Query of one partition with local.ddb's partition query and with stock moto's,
which reads and sorts the whole table.
"""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

import boto3
from botocore.config import Config
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.table import Table

from functions.common.table_def import create_table_kwargs
from local import ddb

TABLE = "bench"
REGION = "us-east-1"
SIZES = (0, 10_000, 50_000)
STOCK_MAX_SIZE = 10_000
SAMPLES = {"patched": 40, "stock": 8}
CLIENTS, ATTEMPTS_PER_CLIENT, CAPACITY = 20, 5, 50


def client(url: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(max_pool_connections=CLIENTS + 5, retries={"max_attempts": 1}),
    )


def class_key(class_id: str) -> dict[str, Any]:
    return {"PK": {"S": f"CLASS#{class_id}"}, "SK": {"S": "META"}}


def selection(class_id: str, teacher: str) -> list[dict[str, Any]]:
    return [
        {
            "Update": {
                "TableName": TABLE,
                "Key": class_key(class_id),
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
                    "SK": {"S": f"CLASS#{class_id}"},
                    "GSI1PK": {"S": f"CLASS#{class_id}"},
                    "GSI1SK": {"S": f"TEACHER#{teacher}"},
                },
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        },
    ]


def fill_to(size: int) -> None:
    """Top the table up to `size` items straight in the engine (HTTP loading would dominate)."""
    with ddb._LOCK:
        table = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].get_table(TABLE)
        for n in range(len(table), size):
            table.put_item(
                {
                    "PK": {"S": f"FILL#{n:06d}"},
                    "SK": {"S": "X"},
                    "GSI1PK": {"S": f"G#{n % 100}"},
                    "GSI1SK": {"S": f"{n:06d}"},
                    "payload": {"S": "x" * 100},
                }
            )


def use(variant: str) -> None:
    DynamoDBBackend.transact_write_items = (  # type: ignore[method-assign]
        ddb._transact_write_items if variant == "patched" else ddb.STOCK_TRANSACT_WRITE_ITEMS
    )


def time_selections(c: Any, variant: str, size: int) -> float:
    """Median ms of one selection; each sample adds one seat item, removed afterwards."""
    use(variant)
    samples = []
    teachers = [f"{variant}-{size}-{i}" for i in range(SAMPLES[variant] + 2)]
    for i, teacher in enumerate(teachers):
        start = time.perf_counter()
        c.transact_write_items(TransactItems=selection("big", teacher))
        if i >= 2:  # the first two warm connections and caches
            samples.append((time.perf_counter() - start) * 1000)
    requests = [
        {"DeleteRequest": {"Key": {"PK": {"S": f"SEAT#{t}"}, "SK": {"S": "CLASS#big"}}}}
        for t in teachers
    ]
    for start in range(0, len(requests), 25):
        c.batch_write_item(RequestItems={TABLE: requests[start : start + 25]})
    use("patched")
    return statistics.median(samples)


def concurrent_selections(url: str, class_id: str) -> tuple[int, int, int, float]:
    """(successes, held, seats) after CLIENTS threads race for a CAPACITY-seat class."""
    c = client(url)
    c.put_item(
        TableName=TABLE,
        Item={**class_key(class_id), "capacity": {"N": str(CAPACITY)}, "held": {"N": "0"}},
    )
    successes: list[str] = []
    barrier = threading.Barrier(CLIENTS)

    def worker(n: int) -> None:
        own = client(url)
        barrier.wait()
        for i in range(ATTEMPTS_PER_CLIENT):
            teacher = f"{class_id}-{n}-{i}"
            try:
                own.transact_write_items(TransactItems=selection(class_id, teacher))
                successes.append(teacher)
            except own.exceptions.TransactionCanceledException:
                pass

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CLIENTS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    held = int(c.get_item(TableName=TABLE, Key=class_key(class_id))["Item"]["held"]["N"])
    seats = c.query(
        TableName=TABLE,
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :c",
        ExpressionAttributeValues={":c": {"S": f"CLASS#{class_id}"}},
        Select="COUNT",
    )["Count"]
    return len(successes), held, seats, elapsed


def time_queries(c: Any, variant: str) -> float:
    """Median ms of a Query of one small partition (what an import job's poll or a teacher's
    selection list does), with the partition query local.ddb installs or stock moto's."""
    Table.query = ddb._query if variant == "patched" else ddb.STOCK_QUERY  # type: ignore[method-assign]
    samples = []
    for _ in range(SAMPLES[variant]):
        start = time.perf_counter()
        c.query(
            TableName=TABLE,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": class_key("big")["PK"]},
        )
        samples.append((time.perf_counter() - start) * 1000)
    Table.query = ddb._query  # type: ignore[method-assign]
    return statistics.median(samples)


def time_connections(url: str, rounds: int = 5, per_round: int = 20) -> dict[str, float]:
    """Median ms of one GetItem with the endpoint closing every connection (werkzeug's default:
    boto3 reconnects per call) and keeping it alive, alternating in rounds on the same server so
    machine noise falls on both. Before the endpoint turned Nagle's algorithm off, a kept-alive
    call waited ~40 ms for the client's delayed ACK between the headers and the body."""
    import os

    samples: dict[str, list[float]] = {"0": [], "1": []}
    previous = os.environ.get(ddb.KEEP_ALIVE_ENV)
    try:
        for _ in range(rounds):
            for flag in ("0", "1"):
                os.environ[ddb.KEEP_ALIVE_ENV] = flag  # read per request by the endpoint
                c = client(url)  # a fresh pool each time
                c.get_item(TableName=TABLE, Key=class_key("big"))
                for _ in range(per_round):
                    start = time.perf_counter()
                    c.get_item(TableName=TABLE, Key=class_key("big"))
                    samples[flag].append((time.perf_counter() - start) * 1000)
    finally:
        if previous is None:
            os.environ.pop(ddb.KEEP_ALIVE_ENV, None)
        else:
            os.environ[ddb.KEEP_ALIVE_ENV] = previous
    return {"close": statistics.median(samples["0"]), "keep-alive": statistics.median(samples["1"])}


def main() -> None:
    began = time.perf_counter()
    with ddb.start_server("127.0.0.1", 0, None) as server:
        c = client(server.url)
        c.create_table(**create_table_kwargs(TABLE))
        c.put_item(
            TableName=TABLE,
            Item={**class_key("big"), "capacity": {"N": "1000000"}, "held": {"N": "0"}},
        )
        conn = time_connections(server.url)
        print(
            f"GetItem over HTTP, median ms: connection: close {conn['close']:.1f}, "
            f"keep-alive {conn['keep-alive']:.1f} "
            f"(keep-alive ÷ close {conn['keep-alive'] / conn['close']:.2f})"
        )
        print("TransactWriteItems (Update counter + Put seat) over HTTP, median ms")
        print(f"{'items':>8} {'patched':>9} {'stock':>9} {'stock/patched':>14}")
        queries = []
        for size in SIZES:
            fill_to(size)
            patched = time_selections(c, "patched", size)
            queries.append((size, time_queries(c, "patched"), time_queries(c, "stock")))
            if size <= STOCK_MAX_SIZE:
                stock = time_selections(c, "stock", size)
                print(f"{size:>8} {patched:>9.1f} {stock:>9.1f} {stock / patched:>13.1f}x")
            else:
                print(f"{size:>8} {patched:>9.1f} {'-':>9} {'-':>14}")
        print("Query of a one-item partition over HTTP, median ms")
        print(f"{'items':>8} {'patched':>9} {'stock':>9} {'stock/patched':>14}")
        for size, patched, stock in queries:
            print(f"{size:>8} {patched:>9.1f} {stock:>9.1f} {stock / patched:>13.1f}x")

        successes, held, seats, elapsed = concurrent_selections(server.url, "race")
        attempts = CLIENTS * ATTEMPTS_PER_CLIENT
        verdict = "exact" if successes == held == seats == CAPACITY else "WRONG"
        print(
            f"{CLIENTS} concurrent clients, {attempts} attempts on a {CAPACITY}-seat class "
            f"(table of {SIZES[-1]:,} items): successes={successes} held={held} "
            f"seats={seats} -> {verdict}; {attempts / elapsed:.0f} txn/s"
        )
    print(f"total {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
