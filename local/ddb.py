"""The embedded DynamoDB-compatible endpoint of the local stack (moto's DynamoDB over HTTP).

Run it as ``python -m local.ddb --host 127.0.0.1 --port 8001 --data-dir .local/ddb``; it prints
``ddb listening on http://127.0.0.1:8001`` once it accepts requests and exits cleanly on
SIGTERM/SIGINT. Tests import `start_server` instead.

Three things make stock moto fit for a stack that real clients hammer concurrently:

* **One global lock around the whole WSGI app.** moto 5.2's backends are not thread-safe:
  concurrent ``TransactWriteItems`` oversold a 50-seat class and left stray items behind
  ("dictionary changed size during iteration"). Serialising every request is what DynamoDB's
  per-item atomicity looks like from the outside, and the engine is fast enough for one process.
* **Per-item transaction rollback.** moto's ``DynamoDBBackend.transact_write_items`` deep-copies
  every table a transaction touches so it can roll back, which makes one selection cost
  O(table size) (0.6 s at 10k items). Importing this module replaces that method (see
  `_transact_write_items`) with one that snapshots only the items the transaction writes.
* **Persistence.** Every successful mutating request is appended to ``<data-dir>/journal.jsonl``
  while the lock is held, before the client sees the response. On start the journal is
  replayed through the app and then compacted to table definitions plus the current items.

moto keeps its state in module-level backends, so one process hosts at most one server.
"""

from __future__ import annotations

import argparse
import copy
import inspect
import io
import json
import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.models.utilities import DynamoJsonEncoder
from moto.moto_server.werkzeug_app import MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.test import Client

log = logging.getLogger("local.ddb")

JOURNAL_NAME = "journal.jsonl"
TARGET_PREFIX = "DynamoDB_20120810."
DEFAULT_REGION = "us-east-1"
# Chunk size of the compacted journal: DynamoDB's own BatchWriteItem limit, so every journal
# line is a request real DynamoDB would also accept.
COMPACT_BATCH = 25

# Table-level requests whose bodies are kept (per table) when the journal is compacted.
_SCHEMA_OPS = frozenset({"CreateTable", "UpdateTable", "UpdateTimeToLive"})
# Requests that change state; only these are journaled, and only when they succeed.
_MUTATING_OPS = _SCHEMA_OPS | {
    "DeleteTable",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "ExecuteStatement",
    "BatchExecuteStatement",
    "ExecuteTransaction",
}
_REGION_IN_AUTH = re.compile(r"Credential=[^/,\s]+/\d+/([^/]+)/")

# The one lock every request (and replay, and compaction) runs under; see the module docstring.
_LOCK = threading.Lock()

# Requires the engine it patches; kept so the benchmark can measure stock moto side by side.
STOCK_TRANSACT_WRITE_ITEMS = DynamoDBBackend.transact_write_items


# --------------------------------------------------------------------------------------------
# Per-item transaction rollback (replaces moto's whole-table deep copy)
# --------------------------------------------------------------------------------------------


@dataclass
class _ItemSnapshot:
    """One written item as it was before the transaction touched it (`old` None = absent)."""

    table: Table
    hash_key: DynamoType
    range_key: DynamoType | None
    old: Item | None

    def restore(self) -> None:
        items = self.table.items
        if self.table.has_range_key:
            bucket = items[self.hash_key]
            if self.old is None:
                bucket.pop(self.range_key, None)
                if not bucket:
                    del items[self.hash_key]
            else:
                bucket[self.range_key] = self.old
        elif self.old is None:
            items.pop(self.hash_key, None)
        else:
            items[self.hash_key] = self.old  # type: ignore[assignment]  # hash-only table


@dataclass
class _Undo:
    """What a failed transaction must put back: the written items and each table's stream."""

    items: list[_ItemSnapshot] = field(default_factory=list)
    stream_lengths: dict[int, tuple[Table, int]] = field(default_factory=dict)

    def remember(self, table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> None:
        current = table.get_item(hash_key, range_key)
        # The item is deep-copied because UpdateItem mutates the stored Item in place.
        self.items.append(_ItemSnapshot(table, hash_key, range_key, copy.deepcopy(current)))
        if table.stream_shard is not None and id(table) not in self.stream_lengths:
            self.stream_lengths[id(table)] = (table, len(table.stream_shard.items))

    def rollback(self) -> None:
        for snapshot in reversed(self.items):
            snapshot.restore()
        for table, length in self.stream_lengths.values():
            if table.stream_shard is not None:
                del table.stream_shard.items[length:]


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto's ``transact_write_items`` with rollback cost proportional to the items written.

    The control flow, validation and error reporting follow moto 5.2's method line by line
    (100-item limit, one target per item, ConditionCheck, CancellationReasons with ALL_OLD);
    only the backup differs: each Put/Update/Delete target is snapshotted just before it is
    applied, and a failed transaction puts exactly those items back. GSIs need no undo because
    moto derives index contents from the table's items on every read.
    """
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    undo = _Undo()
    target_items: set[tuple[str, str]] = set()

    def check_unicity(table_name: str, key: dict[str, Any]) -> None:
        target = (str(table_name), str(dict(sorted(key.items()))))
        if target in target_items:
            raise MultipleTransactionsException()
        target_items.add(target)

    errors: list[tuple[str, str, dict[str, Any]] | tuple[None, None, None]] = []
    for item in transact_items:
        original_item: dict[str, Any] | None = None
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException
        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")

            table_name = op["TableName"]
            condition_expression = op.get("ConditionExpression")
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            return_on_failure = op.get("ReturnValuesOnConditionCheckFailure")

            if op_type == "Put":
                attrs = op["Item"]
                table = self.get_table(table_name)
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]

            check_unicity(table_name, key)

            current = self.get_item(table_name, key)
            if condition_expression is not None:
                condition_op = get_filter_expression(condition_expression, names, values)
                if not condition_op.expr(current):
                    if return_on_failure == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)

            if op_type != "ConditionCheck":
                table = self.get_table(table_name)
                undo.remember(table, *self.get_keys_value(table, key))

            if op_type == "Put":
                self.put_item(
                    table_name,
                    op["Item"],
                    condition_expression=condition_expression,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Delete":
                self.delete_item(
                    table_name,
                    key,
                    condition_expression=condition_expression,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Update":
                self.update_item(
                    table_name,
                    key,
                    update_expression=op["UpdateExpression"],
                    condition_expression=condition_expression,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            undo.rollback()
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original_item))  # type: ignore[arg-type]
        except Exception as e:  # noqa: BLE001 - moto reports any other failure per item
            errors.append((type(e).__name__, str(e), original_item))  # type: ignore[arg-type]

    if any(code is not None for code, _, _ in errors):
        undo.rollback()
        raise TransactionCanceledException(errors)


STOCK_QUERY = Table.query
_QUERY_SIGNATURE = inspect.signature(STOCK_QUERY)


def _query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
    """moto's ``Table.query``, reading only the queried partition when no index is named.

    moto 5.2 collects and sorts every item of the table for any query, so after a 100,000-teacher
    import one job's ``Query`` took seconds. With the table's ``items`` narrowed to the one
    partition for the call, moto's own code runs unchanged (sort, range conditions, paging,
    filters, projections) at the cost of that partition. The narrowing is done on a shallow copy
    of the table, so a concurrent in-process user of moto never sees it. Index queries keep the
    stock behaviour (moto keeps no index structures).
    """
    index_name = _QUERY_SIGNATURE.bind(self, hash_key, *args, **kwargs).arguments.get("index_name")
    if index_name or hash_key is None:
        return STOCK_QUERY(self, hash_key, *args, **kwargs)
    part = self.items.get(hash_key)
    view = copy.copy(self)
    view.items = {hash_key: part} if part is not None else {}  # type: ignore[assignment]
    return STOCK_QUERY(view, hash_key, *args, **kwargs)


# Applied at import: every server this module starts (and any in-process moto user that imports
# it) gets the per-item rollback and the partition query. `STOCK_*` keep the originals.
DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
Table.query = _query  # type: ignore[method-assign]


# --------------------------------------------------------------------------------------------
# Journal: append on success, replay and compact on start
# --------------------------------------------------------------------------------------------


def _operation(target: str) -> str:
    return target.rsplit(".", 1)[-1]


def _is_mutation(target: str, body: dict[str, Any]) -> bool:
    op = _operation(target)
    if op == "ExecuteStatement":
        return not str(body.get("Statement", "")).lstrip().upper().startswith("SELECT")
    return op in _MUTATING_OPS


def _table_name(body: dict[str, Any]) -> str:
    """TableName as given, or the name inside a table ARN (DynamoDB accepts both)."""
    name = str(body.get("TableName", ""))
    return name.split(":table/", 1)[1].split("/", 1)[0] if ":table/" in name else name


def _auth_header(region: str) -> str:
    """A SigV4-shaped header: moto only reads the region (and access key) from it."""
    return (
        f"AWS4-HMAC-SHA256 Credential=test/20260101/{region}/dynamodb/aws4_request, "
        "SignedHeaders=host;x-amz-target, Signature=0"
    )


def _region_of(environ: dict[str, Any]) -> str:
    match = _REGION_IN_AUTH.search(environ.get("HTTP_AUTHORIZATION", ""))
    return match.group(1) if match else DEFAULT_REGION


class Journal:
    """Append-only JSON-lines log of successful mutations, one request per line.

    Lines are ``{"target": ..., "region": ..., "body": {...}}``. Callers hold `_LOCK`, so lines
    are written in the order the engine applied them.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / JOURNAL_NAME
        data_dir.mkdir(parents=True, exist_ok=True)
        self._file: TextIO | None = None

    def records(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as f:
            lines = f.readlines()
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                # Only a torn final line (killed mid-write) is expected; that request was never
                # acknowledged to its client, so dropping it is correct.
                if number == len(lines):
                    log.warning("ignoring torn last journal line %d of %s", number, self.path)
                    return
                raise

    def append(self, target: str, region: str, body: dict[str, Any]) -> None:
        if self._file is None:
            self._file = self.path.open("a", encoding="utf-8")
        self._file.write(_dump({"target": target, "region": region, "body": body}) + "\n")
        self._file.flush()

    def rewrite(self, records: Iterable[dict[str, Any]]) -> None:
        """Atomically replace the journal with `records` (temp file, fsync, rename)."""
        self.close()
        tmp = self.path.with_suffix(".jsonl.tmp")
        with tmp.open("w", encoding="utf-8") as f:
            for record in records:
                f.write(_dump(record) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _dump(record: dict[str, Any]) -> str:
    return json.dumps(record, cls=DynamoJsonEncoder, ensure_ascii=False, separators=(",", ":"))


class ReplayError(RuntimeError):
    """A journaled request failed on replay: the data dir no longer matches the engine."""


def _replay(app: Callable[..., Any], records: list[dict[str, Any]], source: Path) -> None:
    """Re-apply journaled requests through `app`, failing loudly if the engine disagrees."""
    client = Client(app)
    for number, record in enumerate(records, start=1):
        response = client.post(
            "/",
            data=json.dumps(record["body"]),
            headers={
                "X-Amz-Target": record["target"],
                "Content-Type": "application/x-amz-json-1.0",
                "Authorization": _auth_header(record["region"]),
            },
        )
        if response.status_code // 100 != 2:
            raise ReplayError(
                f"{source}: replaying {record['target']} (record {number}) gave "
                f"{response.status_code}: {response.get_data(as_text=True)[:500]}"
            )


def _compacted(history: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The journal that rebuilds the current state: table requests, then current items.

    Table definitions come from the journal itself (the CreateTable/UpdateTable/UpdateTimeToLive
    bodies of each live table, in order) because moto's DescribeTable output is not a valid
    CreateTable request; items come from the engine, which already applied the whole journal.
    """
    schema: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for record in history:
        op = _operation(record["target"])
        key = (record["region"], _table_name(record["body"]))
        if op == "CreateTable":
            schema[key] = [record]
        elif op == "DeleteTable":
            schema.pop(key, None)
        elif op in _SCHEMA_OPS and key in schema:
            schema[key].append(record)

    regions: dict[str, DynamoDBBackend] = dynamodb_backends.get(DEFAULT_ACCOUNT_ID) or {}
    for (region, name), records in schema.items():
        backend = regions.get(region)
        table = backend.tables.get(name) if backend is not None else None
        if table is None:
            continue
        yield from records
        items = [item.to_json()["Attributes"] for item in table.all_items()]
        for start in range(0, len(items), COMPACT_BATCH):
            chunk = items[start : start + COMPACT_BATCH]
            yield {
                "target": TARGET_PREFIX + "BatchWriteItem",
                "region": region,
                "body": {"RequestItems": {name: [{"PutRequest": {"Item": i}} for i in chunk]}},
            }


# --------------------------------------------------------------------------------------------
# The WSGI app and the server
# --------------------------------------------------------------------------------------------


class LockedApp:
    """moto's DynamoDB Flask app behind `_LOCK`, journaling successful mutations.

    The response body is materialised and the journal line flushed while the lock is held, so a
    client never sees success for a write that is not on disk (modulo OS buffers).
    """

    def __init__(self, app: Callable[..., Any], journal: Journal | None) -> None:
        self.app = app
        self.journal = journal

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        status: list[str] = []

        def capture(status_line: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(status_line)
            return start_response(status_line, headers, exc_info)

        with _LOCK:
            result = self.app(environ, capture)
            try:
                chunks = list(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            if self.journal is not None and target and status and status[-1].startswith("2"):
                body = json.loads(raw or b"{}")
                if _is_mutation(target, body):
                    self.journal.append(target, _region_of(environ), body)
        return chunks


class _BodyOnly:
    """A request's input limited to its Content-Length (see _Handler.run_wsgi)."""

    def __init__(self, raw: Any, length: int) -> None:
        self.raw = raw
        self.left = length

    def read(self, size: int = -1) -> bytes:
        n = self.left if size is None or size < 0 else min(size, self.left)
        data: bytes = self.raw.read(n) if n > 0 else b""
        self.left -= len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        n = self.left if size is None or size < 0 else min(size, self.left)
        data: bytes = self.raw.readline(n) if n > 0 else b""
        self.left -= len(data)
        return data


# Off only to measure what keep-alive saves (bench_selection runs a stack each way).
KEEP_ALIVE_ENV = "ZJT_DDB_KEEPALIVE"


class _Handler(MotoRequestHandler):
    # Keep-alive: boto3 reuses its pooled connections instead of connecting per request.
    protocol_version = "HTTP/1.1"
    # werkzeug writes the headers and the body in two sends: with Nagle's algorithm the body
    # waits for the client's delayed ACK (~40 ms on loopback) on a kept-alive connection, which
    # made keep-alive four times slower than reconnecting. Sending at once is what servers do.
    disable_nagle_algorithm = True

    def run_wsgi(self) -> None:
        if not self._reusable():
            super().run_wsgi()
            return
        # After each response werkzeug drains whatever the socket holds (it assumes the
        # connection closes): on a kept-alive connection that would swallow the next request.
        # Reading is limited to this request's body, so the drain finds nothing.
        real = self.rfile
        self.rfile = _BodyOnly(real, int(self.headers.get("Content-Length") or 0))  # type: ignore[assignment]
        try:
            super().run_wsgi()
        finally:
            self.rfile = real

    def send_header(self, keyword: str, value: str) -> None:
        # werkzeug answers every request with `Connection: close` (http.server cannot drain a
        # body the app left unread), so boto3 reconnected for every call. LockedApp reads each
        # body whole by its Content-Length, so the connection can take the next request.
        if keyword.lower() == "connection" and value.lower() == "close" and self._reusable():
            return
        super().send_header(keyword, value)

    def _reusable(self) -> bool:
        if os.environ.get(KEEP_ALIVE_ENV, "1") == "0":
            return False
        headers = self.headers
        return (
            "chunked" not in (headers.get("Transfer-Encoding") or "").lower()
            and (headers.get("Connection") or "").lower() != "close"
        )

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug("%s %s", self.requestline, code)


@dataclass
class DdbServer:
    """A running endpoint: `url` for boto3's ``endpoint_url``; `stop()` shuts it down."""

    host: str
    port: int
    data_dir: Path | None
    _server: BaseWSGIServer
    _thread: threading.Thread
    _journal: Journal | None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        global _RUNNING
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()
        with _LOCK:
            if self._journal is not None:
                self._journal.close()
        _RUNNING = None

    def __enter__(self) -> DdbServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


_RUNNING: DdbServer | None = None


def _reset_engine() -> None:
    for account_backends in list(dynamodb_backends.values()):
        account_backends.reset()


def start_server(
    host: str = "127.0.0.1", port: int = 0, data_dir: str | os.PathLike[str] | None = None
) -> DdbServer:
    """Start the endpoint in a background thread; returns once it accepts connections.

    `port` 0 picks a free port (read it from the handle). `data_dir` None runs in memory only;
    otherwise the journal in it is replayed, compacted and then appended to. The engine is reset
    first, so state never leaks from a previous server in the same process.
    """
    global _RUNNING
    if _RUNNING is not None:
        raise RuntimeError(f"a ddb server is already running at {_RUNNING.url} in this process")
    flask_app = create_backend_app("dynamodb")
    journal = Journal(Path(data_dir)) if data_dir is not None else None
    with _LOCK:
        _reset_engine()
        if journal is not None:
            history = list(journal.records())
            _replay(flask_app, history, journal.path)
            journal.rewrite(_compacted(history))
            log.info("replayed %d journal records from %s", len(history), journal.path)
    server = make_server(
        host, port, LockedApp(flask_app, journal), threaded=True, request_handler=_Handler
    )
    thread = threading.Thread(target=server.serve_forever, name="local.ddb", daemon=True)
    thread.start()
    _RUNNING = DdbServer(
        host=host,
        port=server.server_address[1],
        data_dir=Path(data_dir) if data_dir is not None else None,
        _server=server,
        _thread=thread,
        _journal=journal,
    )
    return _RUNNING


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.ddb", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--data-dir", default=".local/ddb", help="journal directory")
    parser.add_argument("--no-persist", action="store_true", help="keep data in memory only")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(name)s: %(message)s"
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    handle = start_server(args.host, args.port, None if args.no_persist else args.data_dir)
    print(f"ddb listening on {handle.url}", flush=True)
    try:
        stop.wait()
    finally:
        handle.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
