"""Records data access (TD-1 … TD-3): teachers with their identity items, schools, import jobs
and reports, anomalies, staff accounts. Keys come from `functions.common.keys`; conditional
failures become domain errors here.

Bulk imports write with `BatchWriteItem` (25 puts a request, no conditions): the identity item
(`IDNO#…`) holds the teacher id and the content hash, so a chunk of rows is compared with what
is stored by one `BatchGetItem` per 100 rows, and unchanged rows are never written.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from functions.common import keys, records, store
from functions.common.errors import (
    Conflict,
    CorrectionDecided,
    CorrectionOpen,
    DuplicateIdNumber,
    MergeHasSelections,
    NotFound,
)
from functions.common.settings import settings
from functions.common.table_def import TABLE
from schemas.org import School
from schemas.people import Role, Teacher, User
from schemas.records import (
    Anomaly,
    AnomalyStatus,
    Correction,
    ImportJob,
    JobStatus,
    RowResult,
)

_DOC = "doc"


# --- items ---------------------------------------------------------------------------------


def teacher_item(teacher: Teacher) -> dict[str, Any]:
    """The teacher record with its school and county indexes (one builder: `records`)."""
    return records.teacher_item(teacher)


def identity_item(
    id_number: str, teacher_id: str, content_hash: str, source: str
) -> dict[str, Any]:
    return {
        **keys.teacher_identity(id_number),
        "teacher_id": teacher_id,
        "hash": content_hash,
        "source": source,
    }


def account_item(user: User) -> dict[str, Any]:
    """A user account with its region index (one builder: `records`)."""
    return records.user_item(user)


def school_index(school: School) -> dict[str, str]:
    return keys.school_by_region(school.region_code, school.school_id)


# --- reads ---------------------------------------------------------------------------------


# Bulk reads and writes run a few requests at once: an import is I/O bound on the table.
WORKERS = 4


def _parallel(fn: Callable[[Sequence[Any]], Any], items: Sequence[Any], size: int) -> list[Any]:
    parts = [items[i : i + size] for i in range(0, len(items), size)]
    if len(parts) <= 1:
        return [fn(p) for p in parts]
    store.client()  # build the shared client before the threads use it
    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(fn, parts))


def _docs(keys_: Iterable[keys.Key]) -> list[dict[str, Any]]:
    unique = list({(k["PK"], k["SK"]): k for k in keys_}.values())
    return [item for part in _parallel(store.batch_get, unique, 100) for item in part]


def schools(school_ids: Iterable[str]) -> dict[str, School]:
    items = _docs(keys.school(s) for s in school_ids)
    return {
        s.school_id: s for s in (School.model_validate_json(i[_DOC]) for i in items if _DOC in i)
    }


def teachers(teacher_ids: Iterable[str]) -> dict[str, Teacher]:
    items = _docs(keys.teacher(t) for t in teacher_ids)
    return {
        t.teacher_id: t for t in (Teacher.model_validate_json(i[_DOC]) for i in items if _DOC in i)
    }


def get_teacher(teacher_id: str) -> Teacher | None:
    item = store.get_item(keys.teacher(teacher_id), consistent=True)
    return Teacher.model_validate_json(item[_DOC]) if item else None


def get_school(school_id: str) -> School | None:
    item = store.get_item(keys.school(school_id))
    return School.model_validate_json(item[_DOC]) if item else None


def identities(id_numbers: Iterable[str]) -> dict[str, dict[str, Any]]:
    """ID number -> its identity item (teacher_id, hash, source)."""
    items = _docs(keys.teacher_identity(n) for n in id_numbers)
    return {i["PK"].removeprefix("IDNO#"): i for i in items}


def users(user_ids: Iterable[str]) -> dict[str, User]:
    items = _docs(keys.user(u) for u in user_ids)
    return {u.user_id: u for u in (User.model_validate_json(i[_DOC]) for i in items if _DOC in i)}


def teachers_of_school(school_id: str) -> list[Teacher]:
    return records.teachers_of_school(school_id)


def schools_in_county(county: str) -> list[School]:
    items = store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": keys.school_by_region(county, "")["GSI1PK"]},
    )
    return sorted((School.model_validate_json(i[_DOC]) for i in items), key=lambda s: s.school_id)


def accounts_in(region: str) -> list[User]:
    items = store.query_pages(
        IndexName="GSI2",
        KeyConditionExpression="GSI2PK = :pk",
        ExpressionAttributeValues={":pk": keys.account_by_region(region, "", "")["GSI2PK"]},
    )
    return [User.model_validate_json(i[_DOC]) for i in items]


# --- writes --------------------------------------------------------------------------------


def write(items: Sequence[dict[str, Any]]) -> None:
    """Bulk puts (import chunks): idempotent, so a re-run after a failure converges.

    `BatchWriteItem` requests of 25 puts, a few at once; unprocessed items are resent.
    """
    _parallel(_write_batch, items, 25)


def _write_batch(batch: Sequence[dict[str, Any]]) -> None:
    name = settings().table_name
    pending: dict[str, Any] = {name: [{"PutRequest": {"Item": item}} for item in batch]}
    while pending:
        resp = store.with_retries(partial(store.client().batch_write_item, RequestItems=pending))
        pending = resp.get("UnprocessedItems") or {}


def put_account(user: User) -> None:
    store.put_item(account_item(user))


def put_local_teacher(teacher: Teacher, content_hash: str, old_id_number: str | None) -> None:
    """Write a school-maintained teacher (TD-2) and claim its ID number, in one transaction.

    The identity condition refuses an ID number that belongs to another teacher; changing a
    record's ID number releases the old identity in the same transaction.
    """
    assert teacher.id_number
    name = settings().table_name
    ops: list[dict[str, Any]] = [
        {"Put": {"TableName": name, "Item": teacher_item(teacher)}},
        {
            "Put": {
                "TableName": name,
                "Item": identity_item(
                    teacher.id_number, teacher.teacher_id, content_hash, teacher.source
                ),
                "ConditionExpression": "attribute_not_exists(PK) OR teacher_id = :tid",
                "ExpressionAttributeValues": {":tid": teacher.teacher_id},
            }
        },
    ]
    if old_id_number and old_id_number != teacher.id_number:
        ops.append(
            {
                "Delete": {
                    "TableName": name,
                    "Key": keys.teacher_identity(old_id_number),
                    "ConditionExpression": "attribute_not_exists(PK) OR teacher_id = :tid",
                    "ExpressionAttributeValues": {":tid": teacher.teacher_id},
                }
            }
        )
    try:
        store.transact_write(ops)
    except ClientError as exc:
        if store.error_code(exc) != "TransactionCanceledException":
            raise
        raise DuplicateIdNumber() from exc
    records.clear_cache()


# --- import jobs ---------------------------------------------------------------------------


def _job_from_item(item: dict[str, Any]) -> ImportJob:
    data = {k: v for k, v in item.items() if k not in ("PK", "SK")}
    data["counts"] = {k: int(v) for k, v in (data.get("counts") or {}).items()}
    for k in ("total", "processed"):
        data[k] = int(data.get(k, 0))
    return ImportJob.model_validate(data)


def create_job(job: ImportJob) -> ImportJob | None:
    """Start a job; if the id is taken (a retried upload) return the existing job instead."""
    try:
        store.put_item(
            {**keys.import_job(job.job_id), **job.model_dump(mode="json")},
            condition="attribute_not_exists(PK)",
        )
        return None
    except ClientError as exc:
        if store.error_code(exc) != "ConditionalCheckFailedException":
            raise
    existing = get_job(job.job_id)
    if existing is None:
        raise Conflict("导入任务正在创建，请稍后刷新")
    return existing


def get_job(job_id: str) -> ImportJob | None:
    item = store.get_item(keys.import_job(job_id), consistent=True)
    return _job_from_item(item) if item else None


_PROGRESS_FIELDS = ("status", "total", "processed", "counts", "message", "finished_at", "runs")


def update_job(job: ImportJob, expect_processed: int | None = None) -> bool:
    """Save progress (what the page polls) and, at the end, the status and counts.

    With `expect_processed` the write only lands if no other run has moved the job on since
    (two runs of one job, e.g. an asynchronous retry, never count a chunk twice); returns
    whether it landed.
    """
    data = job.model_dump(mode="json")
    fields = {k: data[k] for k in _PROGRESS_FIELDS}
    names = {f"#f{i}": k for i, k in enumerate(fields)}
    values = {f":f{i}": v for i, v in enumerate(fields.values())}
    kwargs: dict[str, Any] = {}
    if expect_processed is not None:
        names["#p"] = "processed"
        values[":before"] = expect_processed
        kwargs["ConditionExpression"] = "#p = :before"
    try:
        store.with_retries(
            lambda: store.table().update_item(
                Key=keys.import_job(job.job_id),
                UpdateExpression="SET " + ", ".join(f"#f{i} = :f{i}" for i in range(len(fields))),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                **kwargs,
            )
        )
    except ClientError as exc:
        if store.error_code(exc) != "ConditionalCheckFailedException":
            raise
        return False
    return True


def finish_job(job: ImportJob, told: dict[str, Any]) -> bool:
    """The job's end (done or failed) and the uploader's message (outbox op `told`) in one
    transaction, only from queued/running: a second run reaching the end writes neither again.
    Returns whether this call finished it."""
    data = job.model_dump(mode="json")
    fields = {k: data[k] for k in _PROGRESS_FIELDS}
    names = {f"#f{i}": k for i, k in enumerate(fields)}
    values: dict[str, Any] = {f":f{i}": v for i, v in enumerate(fields.values())}
    names["#s"] = "status"
    values.update({":q": JobStatus.QUEUED.value, ":r": JobStatus.RUNNING.value})
    op = {
        "Update": {
            "TableName": settings().table_name,
            "Key": keys.import_job(job.job_id),
            "UpdateExpression": "SET " + ", ".join(f"#f{i} = :f{i}" for i in range(len(fields))),
            "ConditionExpression": "#s IN (:q, :r)",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }
    try:
        store.transact_write([op, told])
    except ClientError as exc:
        if 0 in store.failed_conditions(exc):
            return False
        raise
    return True


def move_job(job_id: str, from_status: str, to_status: str) -> bool:
    """Move a job from one status to the next; False if it was not in `from_status`."""
    try:
        store.with_retries(
            lambda: store.table().update_item(
                Key=keys.import_job(job_id),
                UpdateExpression="SET #s = :to",
                ConditionExpression="#s = :from",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":to": to_status, ":from": from_status},
            )
        )
    except ClientError as exc:
        if store.error_code(exc) != "ConditionalCheckFailedException":
            raise
        return False
    return True


def _bytes(blob: Any) -> bytes:
    """A binary attribute as bytes (the Table resource returns boto3's `Binary` wrapper)."""
    return bytes(blob.value if hasattr(blob, "value") else blob)


def _rows_of(item: dict[str, Any]) -> list[RowResult]:
    raw = _bytes(item["rows"])
    return [RowResult.model_validate(r) for r in json.loads(zlib.decompress(raw))]


def save_report_part(job_id: str, part: int, rows: Sequence[RowResult]) -> list[RowResult]:
    """Keep one chunk's row results unless a run already kept them; returns the kept ones.

    The report is written before the chunk's records, so a run that dies in between leaves
    the outcomes it decided, and the next run reports those (not "unchanged" for records it
    finds already written) while it writes the rest.
    """
    raw = json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False).encode()
    item = {**keys.import_report(job_id, part), "rows": zlib.compress(raw, 6), "n": len(rows)}
    try:
        store.put_item(item, condition="attribute_not_exists(PK)")
    except ClientError as exc:
        if store.error_code(exc) != "ConditionalCheckFailedException":
            raise
        kept = store.get_item(keys.import_report(job_id, part), consistent=True)
        if kept is not None:
            return _rows_of(kept)
    return list(rows)


def _job_items(job_id: str, sk_prefix: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    return store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={":pk": keys.import_job(job_id)["PK"], ":p": sk_prefix},
        ConsistentRead=True,
        **kwargs,
    )


def report_rows(job_id: str) -> Iterator[RowResult]:
    prefix = keys.import_report(job_id, 0)["SK"].split("#")[0] + "#"
    for item in _job_items(job_id, prefix):
        yield from _rows_of(item)


def start_worker(function: str, job_id: str) -> None:
    """Start a run of the import worker for `job_id` (asynchronous invocation)."""
    store.invoke_async(function, {"job_id": job_id})


# --- uploaded files (parts of at most IMPORT_PART_BYTES, one item each) --------------------


def _upload_prefix(job_id: str) -> str:
    return keys.import_upload(job_id, 0)["SK"].split("#")[0] + "#"


def put_upload_part(job_id: str, part: int, data: bytes, expires_at: int) -> None:
    """Store one part; sending the same part again overwrites it (a retried request). The
    table's TTL drops it at `expires_at` (epoch seconds) if the import never ran."""
    ttl = TABLE.ttl_attribute
    assert ttl, "the table definition names no TTL attribute"
    store.put_item(
        {**keys.import_upload(job_id, part), "data": data, "n": len(data), ttl: expires_at}
    )


def upload_sizes(job_id: str) -> dict[int, int]:
    """part number -> bytes, without reading the bytes."""
    sizes: dict[int, int] = {}
    for item in _job_items(
        job_id,
        _upload_prefix(job_id),
        ProjectionExpression="SK, #n",
        ExpressionAttributeNames={"#n": "n"},
    ):
        sizes[int(str(item["SK"]).split("#")[1])] = int(item["n"])
    return sizes


def upload_content(job_id: str) -> bytes:
    """The uploaded file, its parts joined in order."""
    chunks: list[bytes] = []
    for item in _job_items(job_id, _upload_prefix(job_id)):
        chunks.append(_bytes(item["data"]))
    return b"".join(chunks)


def delete_upload(job_id: str, parts: int) -> None:
    """Drop the file's bytes once the job has ended (the report stays)."""
    store.batch_requests(
        [
            {"DeleteRequest": {"Key": keys.import_upload(job_id, part)}}
            for part in range(1, parts + 1)
        ]
    )


# --- anomalies -----------------------------------------------------------------------------


def _anomaly_from_item(item: dict[str, Any]) -> Anomaly:
    return Anomaly.model_validate_json(item[_DOC])


def anomaly_item(a: Anomaly) -> dict[str, Any]:
    return {
        **keys.anomaly(a.region_code, a.anomaly_id),
        _DOC: a.model_dump_json(),
        "status": a.status.value,
    }


def anomalies_in(region: str) -> list[Anomaly]:
    items = store.query_pages(
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": keys.anomaly(region, "")["PK"]},
    )
    return [_anomaly_from_item(i) for i in items]


def get_anomaly(region: str, anomaly_id: str) -> Anomaly:
    item = store.get_item(keys.anomaly(region, anomaly_id), consistent=True)
    if not item:
        raise NotFound("该异常不存在")
    return _anomaly_from_item(item)


def resolve_anomaly(a: Anomaly) -> None:
    """Record the resolution; only an open anomaly can be resolved (two resolvers: one wins)."""
    try:
        store.put_item(
            anomaly_item(a),
            condition="#st = :open",
            ExpressionAttributeNames={"#st": "status"},
            ExpressionAttributeValues={":open": AnomalyStatus.OPEN.value},
        )
    except ClientError as exc:
        if store.error_code(exc) != "ConditionalCheckFailedException":
            raise
        raise Conflict("该异常已被处理") from exc


# --- the check (TD-3) and the index backfill ------------------------------------------------

UNKNOWN_REGION = records.UNKNOWN_REGION


region_key = records.region_key


def teachers_in_county(county: str) -> list[Teacher]:
    """Teachers recorded in `county`, whatever their school (finds missing schools)."""
    items = store.query_pages(
        IndexName="GSI2",
        KeyConditionExpression="GSI2PK = :pk",
        ExpressionAttributeValues={":pk": keys.teacher_by_region(county, "")["GSI2PK"]},
    )
    return [Teacher.model_validate_json(i[_DOC]) for i in items]


# What the checks read of a selection item: whose, where, its status, and its class by id and
# by name (details name classes, never their ids).
_SELECTION_FIELDS = ("teacher_id", "school_id", "status", "class_id", "project_title", "class_name")


def selections_of_school(school_id: str, term: str) -> list[dict[str, str]]:
    """The term's selections filed under a school (the school the teacher had when selecting)."""
    items = store.query_pages(
        IndexName="GSI2",
        KeyConditionExpression="GSI2PK = :pk",
        ExpressionAttributeValues={
            ":pk": keys.selection_by_school(school_id, term, "", "")["GSI2PK"]
        },
    )
    return [{k: str(i.get(k, "")) for k in _SELECTION_FIELDS} for i in items]


def migration_state() -> dict[str, Any]:
    return store.get_item(keys.records_migration(), consistent=True) or {"next_segment": 0}


def save_migration(next_segment: int, done: bool, indexed: int) -> None:
    store.put_item(
        {**keys.records_migration(), "next_segment": next_segment, "done": done, "indexed": indexed}
    )


def index_segment(segment: int, total: int) -> int:
    """Add the records indexes to teacher, school and staff items of one scan segment that lack
    them (records written by seeding or before this context existed). Idempotent."""
    fixed: list[dict[str, Any]] = []
    for item in store.scan_pages(
        Segment=segment,
        TotalSegments=total,
        FilterExpression="SK = :profile",
        ExpressionAttributeValues={":profile": keys.PROFILE},
    ):
        want = _index_of(item)
        if want and any(item.get(k) != v for k, v in want.items()):
            fixed.append({**item, **want})
    write(fixed)
    return len(fixed)


def _index_of(item: dict[str, Any]) -> dict[str, str] | None:
    pk = str(item["PK"])
    if pk.startswith("TEACHER#"):
        t = Teacher.model_validate_json(item[_DOC])
        return {
            **keys.teacher_by_school(t.school_id, t.teacher_id),
            **keys.teacher_by_region(region_key(t.region_code), t.teacher_id),
        }
    if pk.startswith("SCHOOL#"):
        return school_index(School.model_validate_json(item[_DOC]))
    if pk.startswith("USER#"):
        u = User.model_validate_json(item[_DOC])
        region = records.account_region(u)
        if u.role != Role.TEACHER and region:
            return keys.account_by_region(region, u.role.value, u.user_id)
    return None


def put_anomalies(items: Sequence[Anomaly]) -> None:
    write([anomaly_item(a) for a in items])


# --- account status and duplicate merges (accounts rule, TD-3) ------------------------------


@dataclass(frozen=True)
class StoredAccount:
    """An account with the document it was read from: writes are conditional on that document
    being unchanged (a concurrent role assignment or status change is not overwritten)."""

    user: User
    doc: str


def stored_accounts(user_ids: Iterable[str]) -> dict[str, StoredAccount]:
    """The accounts that exist among `user_ids`, each with its stored document."""
    items = _docs(keys.user(u) for u in user_ids)
    out: dict[str, StoredAccount] = {}
    for i in items:
        if _DOC in i:
            u = User.model_validate_json(i[_DOC])
            out[u.user_id] = StoredAccount(u, str(i[_DOC]))
    return out


def _unchanged(old_doc: str) -> dict[str, Any]:
    """Condition: the item still holds the document it was read with."""
    return {
        "ConditionExpression": "#d = :old",
        "ExpressionAttributeNames": {"#d": _DOC},
        "ExpressionAttributeValues": {":old": old_doc},
    }


def set_account(user: User, old_doc: str) -> None:
    """Write `user` over the account document `old_doc` (status change); a concurrent change
    of the account is refused rather than overwritten."""
    cond = _unchanged(old_doc)
    try:
        store.put_item(
            account_item(user),
            condition=cond.pop("ConditionExpression"),
            **cond,
        )
    except ClientError as exc:
        if store.error_code(exc) != "ConditionalCheckFailedException":
            raise
        raise Conflict("该账号刚被他人修改，请刷新后重试") from exc
    records.clear_cache()


def selections_of_teacher(teacher_id: str, term: str) -> list[dict[str, str]]:
    """The teacher's selections of `term` (class, its name and status), on the teacher's
    partition."""
    items = store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={
            ":pk": keys.teacher_term(teacher_id, term)["PK"],
            ":p": keys.selection_prefix(term),
        },
        ConsistentRead=True,
    )
    return [
        {k: str(i.get(k, "")) for k in ("class_id", "status", "project_title", "class_name")}
        for i in items
    ]


@dataclass(frozen=True)
class Merge:
    """TD-3 KEEP_ONE: the duplicates marked merged, the kept record's identity, the merged
    records' accounts (disabled) over the documents they were read from, the current term."""

    merged: Sequence[Teacher]
    identity: dict[str, Any]
    accounts: Sequence[tuple[User, str]]
    term: str


def merge_duplicates(resolved: Anomaly, merge: Merge) -> None:
    """Resolve a duplicate-ID anomaly in ONE transaction: the resolution (only while the anomaly
    is open), the merged records, the identity pointing at the kept record, the merged records'
    logins disabled, and a check that no merged record holds a seat in the term (its term load
    counts none). Any failed condition cancels everything: nothing is half-merged."""
    name = settings().table_name
    ops: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": name,
                "Item": anomaly_item(resolved),
                "ConditionExpression": "#st = :open",
                "ExpressionAttributeNames": {"#st": "status"},
                "ExpressionAttributeValues": {":open": AnomalyStatus.OPEN.value},
            }
        },
        *(
            {
                "Put": {
                    "TableName": name,
                    "Item": teacher_item(t),
                    "ConditionExpression": "attribute_exists(PK)",
                }
            }
            for t in merge.merged
        ),
        {"Put": {"TableName": name, "Item": merge.identity}},
    ]
    first_account = len(ops)
    ops += [
        {"Put": {"TableName": name, "Item": account_item(u), **_unchanged(doc)}}
        for u, doc in merge.accounts
    ]
    first_load = len(ops)
    ops += [
        {
            # A seat taken after the service read the selections shows in the load's `held`.
            "ConditionCheck": {
                "TableName": name,
                "Key": keys.teacher_term(t.teacher_id, merge.term),
                "ConditionExpression": "attribute_not_exists(#held) OR #held <= :zero",
                "ExpressionAttributeNames": {"#held": "held"},
                "ExpressionAttributeValues": {":zero": 0},
            }
        }
        for t in merge.merged
    ]
    try:
        store.transact_write(ops)
    except ClientError as exc:
        if store.error_code(exc) != "TransactionCanceledException":
            raise
        failed = [i for i, c in enumerate(store.cancellation_codes(exc)) if c != "None"]
        if 0 in failed:
            raise Conflict("该异常已被处理") from exc
        if any(i >= first_load for i in failed):
            raise MergeHasSelections(
                "要合并的记录刚刚有了新的选课，请刷新后重试；需先让该教师退选，或改为保留这条记录"
            ) from exc
        if any(first_account <= i < first_load for i in failed):
            raise Conflict("相关账号刚被他人修改，请刷新后重试") from exc
        raise Conflict("教师记录刚被他人修改，请刷新后重试") from exc
    records.clear_cache()


# --- PH-1 correction requests ----------------------------------------------------------------


def correction_item(c: Correction) -> dict[str, Any]:
    return records.doc_item(
        keys.correction(c.teacher_id, c.term, c.request_id),
        c.model_dump_json(),
        status=c.status.value,
        **keys.correction_by_school(c.school_id, c.status.value, c.request_id, c.teacher_id),
    )


def create_correction(c: Correction) -> None:
    """Store a pending request and the teacher's open-request guard in one transaction: a
    second pending request (a double tap, another device) is refused by the guard."""
    name = settings().table_name
    try:
        store.transact_write(
            [
                {
                    "Put": {
                        "TableName": name,
                        "Item": {**keys.correction_guard(c.teacher_id), "request_id": c.request_id},
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
                {
                    "Put": {
                        "TableName": name,
                        "Item": correction_item(c),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
            ]
        )
    except ClientError as exc:
        if store.error_code(exc) != "TransactionCanceledException":
            raise
        raise CorrectionOpen() from exc


def corrections_of_teacher(teacher_id: str, term: str) -> list[Correction]:
    items = store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :sk)",
        ExpressionAttributeValues={
            ":pk": keys.teacher(teacher_id)["PK"],
            ":sk": keys.correction_prefix(term),
        },
    )
    return [Correction.model_validate_json(i[_DOC]) for i in items]


def corrections_of_school(school_id: str, status: str | None = None) -> list[Correction]:
    """The school's requests (every term: the request id starts with its date), newest first."""
    gsi = keys.correction_by_school(school_id, status or "", "", "")
    cond = "GSI1PK = :pk"
    values = {":pk": gsi["GSI1PK"]}
    if status:
        cond += " AND begins_with(GSI1SK, :st)"
        values[":st"] = f"{status}#"
    items = store.query_pages(
        IndexName="GSI1", KeyConditionExpression=cond, ExpressionAttributeValues=values
    )
    out = [Correction.model_validate_json(i[_DOC]) for i in items]
    return sorted(out, key=lambda c: c.request_id, reverse=True)


def get_correction(teacher_id: str, term: str, request_id: str) -> Correction | None:
    item = store.get_item(keys.correction(teacher_id, term, request_id), consistent=True)
    return Correction.model_validate_json(item[_DOC]) if item else None


def teacher_doc(teacher_id: str) -> tuple[Teacher, str] | None:
    """The teacher record and its stored document, read strongly (the decision's condition)."""
    item = store.get_item(keys.teacher(teacher_id), consistent=True)
    if not item:
        return None
    return Teacher.model_validate_json(item[_DOC]), item[_DOC]


def decide_correction(decided: Correction, new_teacher: Teacher | None, old_doc: str) -> None:
    """One transaction: the request leaves `pending`, the guard goes, and (approved) the record
    is replaced only if it is still the one the decision was made on (no lost update)."""
    name = settings().table_name
    ops: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": name,
                "Item": correction_item(decided),
                "ConditionExpression": "#s = :pending",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":pending": "pending"},
            }
        },
        {
            "Delete": {
                "TableName": name,
                "Key": keys.correction_guard(decided.teacher_id),
                "ConditionExpression": "request_id = :rid",
                "ExpressionAttributeValues": {":rid": decided.request_id},
            }
        },
    ]
    if new_teacher is not None:
        ops.append(
            {
                "Put": {
                    "TableName": name,
                    "Item": records.teacher_item(new_teacher),
                    "ConditionExpression": "#d = :old",
                    "ExpressionAttributeNames": {"#d": _DOC},
                    "ExpressionAttributeValues": {":old": old_doc},
                }
            }
        )
    try:
        store.transact_write(ops)
    except ClientError as exc:
        if store.error_code(exc) != "TransactionCanceledException":
            raise
        raise CorrectionDecided() from exc
    records.clear_cache()
