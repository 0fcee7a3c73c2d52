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
from functools import partial
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from functions.common import keys, records, store
from functions.common.errors import Conflict, DuplicateIdNumber, NotFound
from functions.common.settings import settings
from schemas.org import School
from schemas.people import Role, Teacher, User
from schemas.records import Anomaly, AnomalyStatus, ImportJob, RowResult

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
    items = store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": keys.teacher_by_school(school_id, "")["GSI1PK"]},
    )
    return sorted((Teacher.model_validate_json(i[_DOC]) for i in items), key=lambda t: t.teacher_id)


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


def update_job(job: ImportJob) -> None:
    """Progress (what the page polls) and, at the end, the status and counts."""
    data = job.model_dump(mode="json")
    fields = {
        k: data[k] for k in ("status", "total", "processed", "counts", "message", "finished_at")
    }
    names = {f"#f{i}": k for i, k in enumerate(fields)}
    values = {f":f{i}": v for i, v in enumerate(fields.values())}
    store.with_retries(
        lambda: store.table().update_item(
            Key=keys.import_job(job.job_id),
            UpdateExpression="SET " + ", ".join(f"#f{i} = :f{i}" for i in range(len(fields))),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    )


def put_report_part(job_id: str, part: int, rows: Sequence[RowResult]) -> dict[str, Any]:
    """One chunk's row results, compressed (a 1,000-row part is a few kB); returned for batching."""
    raw = json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False).encode()
    return {**keys.import_report(job_id, part), "rows": zlib.compress(raw, 6), "n": len(rows)}


def report_rows(job_id: str) -> Iterator[RowResult]:
    items = store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={":pk": keys.import_job(job_id)["PK"], ":p": "REPORT#"},
    )
    for item in items:
        blob = item["rows"]
        raw = blob.value if hasattr(blob, "value") else bytes(blob)
        for r in json.loads(zlib.decompress(raw)):
            yield RowResult.model_validate(r)


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


def selections_of_school(school_id: str, term: str) -> list[dict[str, str]]:
    """The term's selections filed under a school (the school the teacher had when selecting)."""
    items = store.query_pages(
        IndexName="GSI2",
        KeyConditionExpression="GSI2PK = :pk",
        ExpressionAttributeValues={
            ":pk": keys.selection_by_school(school_id, term, "", "")["GSI2PK"]
        },
    )
    return [
        {k: str(i.get(k, "")) for k in ("teacher_id", "school_id", "status", "class_id")}
        for i in items
    ]


def migration_state() -> dict[str, Any]:
    return store.get_item(keys.records_migration(), consistent=True) or {"next_segment": 0}


def save_migration(next_segment: int, done: bool, indexed: int) -> None:
    store.put_item(
        {**keys.records_migration(), "next_segment": next_segment, "done": done, "indexed": indexed}
    )


def index_segment(segment: int, total: int) -> int:
    """Add the records indexes to teacher, school and staff items of one scan segment that lack
    them (records written by seeding or before this context existed). Idempotent."""
    kwargs: dict[str, Any] = {
        "Segment": segment,
        "TotalSegments": total,
        "FilterExpression": Attr("SK").eq(keys.PROFILE),
    }
    fixed: list[dict[str, Any]] = []
    while True:
        resp = store.with_retries(lambda: store.table().scan(**kwargs))
        for item in resp.get("Items", []):
            want = _index_of(item)
            if want and any(item.get(k) != v for k, v in want.items()):
                fixed.append({**item, **want})
        last = resp.get("LastEvaluatedKey")
        if not last:
            break
        kwargs["ExclusiveStartKey"] = last
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
