"""Training-week data access (PH-TRAIN, QA-2): check-in state and codes, attendance items,
completion decisions with their audit entries and non-completion index, import jobs.

Costs (see bench/bench_training.py): a QR check-in is one GetItem of the class's check-in state
(cached for a code step) and one TransactWriteItems of two items (the selection must be
confirmed, the attendance item gets its check-in once); an attendance row is one UpdateItem of
the teacher's attendance item (its session attribute), after one roster read per class.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from functions.common import keys, ledger, notices, outbox, store
from functions.common.errors import Conflict, NotFound, WrongStatus
from functions.common.settings import settings
from schemas.notify import bureau_party, school_party
from schemas.projects import AuditEntry
from schemas.selection import SelectionStatus
from schemas.training import (
    OUTCOME_NAMES,
    Attendance,
    Completion,
    MarkEntry,
    Outcome,
    RowReport,
    TrainingImport,
)

SESSION_PREFIX = "S#"  # an attendance item's attribute per session: S#<day>T<hhmm>
PART_BYTES = 300_000


# --- check-in ------------------------------------------------------------------------------


def checkin_state(class_id: str, consistent: bool = False) -> dict[str, Any] | None:
    return store.get_item(keys.checkin_state(class_id), consistent=consistent)


def open_checkin(class_id: str, secret: bytes, by: str, at: datetime) -> dict[str, Any]:
    """Open check-in; the class's secret is made once and kept (reopening keeps the codes)."""
    resp = store.with_retries(
        lambda: store.table().update_item(
            Key=keys.checkin_state(class_id),
            UpdateExpression="SET #open = :t, secret = if_not_exists(secret, :s), "
            "opened_by = :by, opened_at = :at",
            ExpressionAttributeNames={"#open": "open"},
            ExpressionAttributeValues={":t": True, ":s": secret, ":by": by, ":at": at.isoformat()},
            ReturnValues="ALL_NEW",
        )
    )
    attrs: dict[str, Any] = resp["Attributes"]
    return attrs


def close_checkin(class_id: str, by: str, at: datetime) -> None:
    store.with_retries(
        lambda: store.table().update_item(
            Key=keys.checkin_state(class_id),
            UpdateExpression="SET #open = :f, closed_by = :by, closed_at = :at",
            ExpressionAttributeNames={"#open": "open"},
            ExpressionAttributeValues={":f": False, ":by": by, ":at": at.isoformat()},
        )
    )


def check_in(teacher_id: str, term: str, class_id: str, by: str, at: datetime) -> Attendance:
    """PH-TRAIN: record the teacher's check-in once, only while their selection is confirmed
    (both conditions in one transaction). Checking in again returns the first check-in."""
    name = settings().table_name
    ops = [
        {
            "ConditionCheck": {
                "TableName": name,
                "Key": keys.selection(teacher_id, term, class_id),
                "ConditionExpression": "#st = :c",
                "ExpressionAttributeNames": {"#st": "status"},
                "ExpressionAttributeValues": {":c": SelectionStatus.CONFIRMED.value},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
        {
            "Update": {
                "TableName": name,
                "Key": keys.attendance(class_id, teacher_id),
                "UpdateExpression": "SET checked_in_at = :at, checkin_by = :by, "
                "class_id = :cid, teacher_id = :tid",
                "ConditionExpression": "attribute_not_exists(checked_in_at)",
                "ExpressionAttributeValues": {
                    ":at": at.isoformat(),
                    ":by": by,
                    ":cid": class_id,
                    ":tid": teacher_id,
                },
            }
        },
    ]
    try:
        store.transact_write(ops)
    except ClientError as exc:
        failed = store.failed_conditions(exc)
        if 0 in failed:
            old = store.cancellation_item(exc, 0)
            if not old:
                raise NotFound("你没有选择该班期，不能报到") from exc
            raise WrongStatus(
                "你在该班期的选课尚未确认，不能报到", code_status=str(old.get("status"))
            ) from exc
        if 1 in failed:  # checked in already: the caller answers the first check-in
            raise WrongStatus("你已报到", code_status=SelectionStatus.CONFIRMED.value) from exc
        raise
    # No read-back: the write set exactly these (marks, if any, are not the check-in's answer).
    return Attendance(class_id=class_id, teacher_id=teacher_id, checked_in_at=at, checkin_by=by)


# --- attendance ----------------------------------------------------------------------------


def _attendance_of(item: dict[str, Any]) -> Attendance:
    marks = {
        k.removeprefix(SESSION_PREFIX): MarkEntry.model_validate(v)
        for k, v in item.items()
        if k.startswith(SESSION_PREFIX)
    }
    online = item.get("online_hours")
    return Attendance(
        class_id=str(item["class_id"]),
        teacher_id=str(item["teacher_id"]),
        checked_in_at=item.get("checked_in_at"),
        checkin_by=str(item.get("checkin_by", "")),
        marks=marks,
        online_hours=float(online) if online is not None else None,
    )


def get_attendance(class_id: str, teacher_id: str) -> Attendance | None:
    item = store.get_item(keys.attendance(class_id, teacher_id), consistent=True)
    return _attendance_of(item) if item else None


def attendance_of_class(class_id: str) -> dict[str, Attendance]:
    items = store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={
            ":pk": keys.attendance(class_id, "")["PK"],
            ":p": keys.ATT_PREFIX,
        },
    )
    out = [_attendance_of(i) for i in items]
    return {a.teacher_id: a for a in out}


def set_marks(class_id: str, teacher_id: str, marks: dict[str, MarkEntry]) -> None:
    """Record the marks of some sessions for one teacher: one UpdateItem (an attendance row)."""
    names = {f"#s{i}": f"{SESSION_PREFIX}{k}" for i, k in enumerate(marks)}
    values: dict[str, Any] = {
        f":s{i}": m.model_dump(mode="json", exclude_none=True) for i, m in enumerate(marks.values())
    }
    values.update({":cid": class_id, ":tid": teacher_id})
    sets = ", ".join(f"#s{i} = :s{i}" for i in range(len(marks)))
    store.with_retries(
        lambda: store.table().update_item(
            Key=keys.attendance(class_id, teacher_id),
            UpdateExpression=f"SET {sets}, class_id = :cid, teacher_id = :tid",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    )


def set_online_hours(class_id: str, teacher_id: str, hours: float, source: str) -> None:
    from decimal import Decimal

    store.with_retries(
        lambda: store.table().update_item(
            Key=keys.attendance(class_id, teacher_id),
            UpdateExpression="SET online_hours = :h, online_source = :s, class_id = :cid, "
            "teacher_id = :tid",
            ExpressionAttributeValues={
                ":h": Decimal(str(hours)),
                ":s": source,
                ":cid": class_id,
                ":tid": teacher_id,
            },
        )
    )


# --- completion (QA-2) and the credit seam (issue 14) ----------------------------------------


def completion_items(
    c: Completion,
    prev: Completion | None,
    audit: AuditEntry,
    segments: int = 0,
    by_name: str = "",
) -> list[dict[str, Any]]:
    """The TransactWriteItems items of one completion decision, built without I/O: the
    completion record (conditioned on the version of `prev` it replaces: a first decision on
    none), its CH-5 style audit entry (listed with the institution's project history), the
    teacher's message and, for 不合格, the non-completion index and the messages that report it
    to the teacher's school and county bureau (QA-2).

    Credits (issue 14) are settled in the same items (functions/common/ledger.settle): a 合格
    posts the class's credits, a correction posts the difference, with the certificate's code;
    a segmented project's enrolment records the segment (CR-2, `segments` > 1). The decision
    and its credits commit or fail together."""
    name = settings().table_name
    settled = ledger.settle(c, prev, by_name)
    c = settled.completion
    previous_version = prev.version if prev else None
    item: dict[str, Any] = {
        **keys.completion(c.class_id, c.teacher_id),
        **keys.completion_by_teacher(c.teacher_id, c.term, c.class_id),
        **c.model_dump(mode="json"),
    }
    if c.outcome == Outcome.FAIL:
        item.update(
            keys.noncompletion_by_region(
                c.region_code, c.term, c.school_id, c.class_id, c.teacher_id
            )
        )
    put: dict[str, Any] = {"TableName": name, "Item": item}
    if previous_version is None:
        put["ConditionExpression"] = "attribute_not_exists(PK)"
    else:
        put["ConditionExpression"] = "version = :v"
        put["ExpressionAttributeValues"] = {":v": previous_version}
    put["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    at, n = audit.at.isoformat(), uuid.uuid4().hex[:8]
    audit_item = {
        **keys.audit_entry(audit.project_id, at, n),
        **keys.audit_by_institution(audit.institution_id, at, audit.project_id, n),
        "doc": audit.model_dump_json(),
    }
    label = f"《{c.project_title}》{c.class_name}"
    ops: list[dict[str, Any]] = [
        {"Put": put},
        {"Put": {"TableName": name, "Item": audit_item}},
        outbox.put(
            notices.completion_decided(
                c.teacher_id,
                c.class_id,
                label,
                OUTCOME_NAMES[c.outcome],
                c.reason,
                c.version,
                c.decided_at,
                credits=settled.entry.credits if settled.entry else 0,
            )
        ),
        *settled.ops,
    ]
    enrol = ledger.enrolment_op(c, segments, c.decided_at)
    if enrol is not None:
        ops.append(enrol)
    if c.outcome == Outcome.FAIL:
        # QA-2: reported to the school and the county bureau in the same write.
        for party in (school_party(c.school_id), bureau_party(c.region_code)):
            ops.append(
                outbox.put(
                    notices.non_completion(
                        party,
                        c.teacher_id,
                        c.teacher_name,
                        c.class_id,
                        label,
                        c.institution_name,
                        c.reason,
                        c.version,
                        c.decided_at,
                    )
                )
            )
    return ops


def write_completion(items: list[dict[str, Any]]) -> None:
    try:
        store.transact_write(items)
    except ClientError as exc:
        if 0 in store.failed_conditions(exc):
            raise Conflict("该教师的结业认定已被他人修改，请刷新后再操作") from exc
        raise


def completions_of_class(class_id: str) -> dict[str, Completion]:
    items = store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={
            ":pk": keys.completion(class_id, "")["PK"],
            ":p": keys.DONE_PREFIX,
        },
        ConsistentRead=True,
    )
    out = [Completion.model_validate(i) for i in items]
    return {c.teacher_id: c for c in out}


def completions_of_teacher(teacher_id: str, term: str) -> list[Completion]:
    gsi = keys.completion_by_teacher(teacher_id, term, "")
    items = store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk AND begins_with(GSI1SK, :p)",
        ExpressionAttributeValues={":pk": gsi["GSI1PK"], ":p": gsi["GSI1SK"]},
    )
    return [Completion.model_validate(i) for i in items]


def noncompletions(county: str, term: str, school_id: str | None = None) -> list[Completion]:
    """QA-2: the county's teachers reported as not completing (a school's, with `school_id`)."""
    gsi = keys.noncompletion_by_region(county, term, school_id or "", "", "")
    cond = "GSI2PK = :pk"
    values = {":pk": gsi["GSI2PK"]}
    if school_id:
        cond += " AND begins_with(GSI2SK, :p)"
        values[":p"] = f"{school_id}#"
    items = store.query_pages(
        IndexName="GSI2", KeyConditionExpression=cond, ExpressionAttributeValues=values
    )
    return [Completion.model_validate(i) for i in items]


def settled_classes(class_ids: list[str]) -> set[str]:
    """QA-2: which of the classes the deadline sweep has settled (one batched read per 100)."""
    items = store.batch_get([keys.completion_settled(c) for c in class_ids], consistent=True)
    return {str(i["PK"]).removeprefix("CLASS#") for i in items}


def mark_settled(class_id: str, at: datetime, reported: int) -> None:
    """The sweep settled the class: written after its teachers, so a run that dies between
    the two redoes the class, whose writes then find each teacher decided and change nothing."""
    store.put_item(
        {**keys.completion_settled(class_id), "at": at.isoformat(), "reported": reported}
    )


# --- import jobs ---------------------------------------------------------------------------


def create_import(job: TrainingImport, content: bytes) -> None:
    parts = [content[i : i + PART_BYTES] for i in range(0, len(content), PART_BYTES)] or [b""]
    items = [
        {**keys.training_import_part(job.job_id, "PART", n), "data": p} for n, p in enumerate(parts)
    ]
    store.batch_write(items)
    store.put_item({**keys.training_import(job.job_id), **job.model_dump(mode="json")})


def import_content(job_id: str) -> bytes:
    items = store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={":pk": keys.training_import(job_id)["PK"], ":p": "PART#"},
        ConsistentRead=True,
    )
    return b"".join(_bytes(i["data"]) for i in items)


def _bytes(blob: Any) -> bytes:
    return bytes(blob.value) if hasattr(blob, "value") else bytes(blob)


def get_import(job_id: str) -> TrainingImport | None:
    item = store.get_item(keys.training_import(job_id), consistent=True)
    return TrainingImport.model_validate(item) if item else None


def save_import(job: TrainingImport, expect_processed: int | None = None) -> bool:
    extra: dict[str, Any] = {}
    cond = None
    if expect_processed is not None:
        cond = "#p = :p"
        extra["ExpressionAttributeNames"] = {"#p": "processed"}
        extra["ExpressionAttributeValues"] = {":p": expect_processed}
    try:
        store.put_item(
            {**keys.training_import(job.job_id), **job.model_dump(mode="json")}, cond, **extra
        )
        return True
    except ClientError as exc:
        if store.error_code(exc) != "ConditionalCheckFailedException":
            raise
        return False


def save_report(job_id: str, n: int, rows: list[RowReport]) -> None:
    import json

    store.put_item(
        {
            **keys.training_import_part(job_id, "REPORT", n),
            "rows": json.dumps([r.model_dump() for r in rows], ensure_ascii=False),
        }
    )


def report_rows(job_id: str) -> Iterator[RowReport]:
    import json

    items = store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={":pk": keys.training_import(job_id)["PK"], ":p": "REPORT#"},
        ConsistentRead=True,
    )
    for i in items:
        for r in json.loads(i["rows"]):
            yield RowReport.model_validate(r)


def start_worker(function: str, job_id: str) -> None:
    store.invoke_async(function, {"job_id": job_id})
