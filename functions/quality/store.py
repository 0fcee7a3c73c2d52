"""Quality data access (issue 14): evaluations (the marker of who answered, the answer without
who, the class's summary counters, all in one write), QA-1 records, report rows.

An evaluation is one TransactWriteItems of four items: the attendance item must exist (the
teacher took part), the marker is new (once per teacher), the answer, and the summary's ADDs.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from botocore.exceptions import ClientError

from functions.common import keys, outbox, store
from functions.common.errors import AlreadyEvaluated, Conflict, Forbidden
from functions.common.settings import settings
from schemas.catalog import ClassInfo
from schemas.notify import Message
from schemas.org import Institution
from schemas.quality import QUESTIONS, EvaluationRequest, QualityCheck, ReportRow


def evaluated(class_id: str, teacher_id: str) -> bool:
    return store.get_item(keys.evaluation_marker(class_id, teacher_id), consistent=True) is not None


def evaluated_of(teacher_id: str, class_ids: Sequence[str]) -> set[str]:
    found = store.batch_get([keys.evaluation_marker(c, teacher_id) for c in class_ids])
    return {str(i["PK"]).removeprefix("CLASS#") for i in found}


def evaluate(teacher_id: str, info: ClassInfo, req: EvaluationRequest) -> None:
    """Record one teacher's evaluation of a class: the marker (who, once), the answer (what, with
    a random id and no time, so the two cannot be matched) and the summary counters."""
    name = settings().table_name
    scores = {q: int(getattr(req, q)) for q in QUESTIONS}
    adds = ["#n :one"]
    values: dict[str, Any] = {":one": 1}
    names = {"#n": "n"}
    for i, (q, v) in enumerate(scores.items()):
        names[f"#s{i}"] = f"sum_{q}"
        names[f"#h{i}"] = f"h_{q}_{v}"
        values[f":v{i}"] = v
        adds += [f"#s{i} :v{i}", f"#h{i} :one"]
    idx = keys.evaluation_by_institution(info.institution_id, info.term, info.class_id)
    values.update(
        {
            ":g1": idx["GSI1PK"],
            ":g2": idx["GSI1SK"],
            ":cid": info.class_id,
            ":cn": info.class_name,
            ":pid": info.project_id,
            ":pt": info.project_title,
            ":iid": info.institution_id,
            ":in": info.institution_name,
            ":term": info.term,
            ":end": info.end_date.isoformat(),
            ":br": info.bureau_region or "",
        }
    )
    sets = (
        "GSI1PK = :g1, GSI1SK = :g2, class_id = :cid, class_name = :cn, project_id = :pid, "
        "project_title = :pt, institution_id = :iid, institution_name = :in, #term = :term, "
        "end_date = :end, bureau_region = :br"
    )
    names["#term"] = "term"
    ops = [
        {
            "ConditionCheck": {
                "TableName": name,
                "Key": keys.attendance(info.class_id, teacher_id),
                "ConditionExpression": "attribute_exists(PK)",
            }
        },
        store.put_op(
            {**keys.evaluation_marker(info.class_id, teacher_id), "teacher_id": teacher_id},
            "attribute_not_exists(PK)",
        ),
        store.put_op(
            {
                **keys.evaluation_answer(info.class_id, secrets.token_hex(8)),
                **scores,
                "comment": req.comment.strip(),
            }
        ),
        {
            "Update": {
                "TableName": name,
                "Key": keys.evaluation_summary(info.class_id),
                "UpdateExpression": f"ADD {', '.join(adds)} SET {sets}",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        },
    ]
    try:
        store.transact_write(ops)
    except ClientError as exc:
        failed = store.failed_conditions(exc)
        if 1 in failed:
            raise AlreadyEvaluated() from exc
        if 0 in failed:
            raise Forbidden("你没有参加该班期的培训，不能评价") from exc
        raise


def summary(class_id: str) -> dict[str, Any]:
    return store.get_item(keys.evaluation_summary(class_id), consistent=True) or {}


def summaries(class_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    found = store.batch_get([keys.evaluation_summary(c) for c in class_ids])
    return {str(i["class_id"]): i for i in found}


def summaries_of_institution(institution_id: str) -> list[dict[str, Any]]:
    """Every class summary of an institution, all terms (the review page)."""
    gsi = keys.evaluation_by_institution(institution_id, "", "")
    return list(
        store.query_pages(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk",
            ExpressionAttributeValues={":pk": gsi["GSI1PK"]},
        )
    )


def comments(class_id: str) -> list[str]:
    items = store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={
            ":pk": keys.evaluation_summary(class_id)["PK"],
            ":p": keys.EVAL_PREFIX,
        },
    )
    # Sorted by their text, not by when they came: their order says nothing about who.
    return sorted(str(i["comment"]) for i in items if str(i.get("comment", "")).strip())


# --- QA-1 ------------------------------------------------------------------------------------


def institution_name(institution_id: str) -> str:
    item = store.get_item(keys.institution(institution_id))
    return Institution.model_validate_json(item["doc"]).name if item else ""


def check_item(c: QualityCheck) -> dict[str, Any]:
    return {
        **keys.quality_check(c.institution_id, c.check_id),
        **keys.quality_check_by_term(c.term, c.checked_on.isoformat(), c.check_id),
        "doc": c.model_dump_json(),
        "version": c.version,
    }


def put_check(
    c: QualityCheck, expect_version: int | None = None, messages: Sequence[Message] = ()
) -> None:
    """A new record, or a record moved on from `expect_version` (answered, closed), with the
    messages that tell the other side, in one write."""
    if expect_version is None:
        op = store.put_op(check_item(c), "attribute_not_exists(PK)")
    else:
        op = store.put_op(
            check_item(c), "version = :v", ExpressionAttributeValues={":v": expect_version}
        )
    try:
        store.transact_write([op, *(outbox.put(m) for m in messages)])
    except ClientError as exc:
        if 0 in store.failed_conditions(exc):
            raise Conflict("该记录已被他人更新，请刷新后再操作") from exc
        raise


def get_check(institution_id: str, check_id: str) -> QualityCheck | None:
    item = store.get_item(keys.quality_check(institution_id, check_id), consistent=True)
    return QualityCheck.model_validate_json(item["doc"]) if item else None


def checks_of_institution(institution_id: str) -> list[QualityCheck]:
    items = store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={
            ":pk": keys.institution(institution_id)["PK"],
            ":p": keys.QA_PREFIX,
        },
    )
    return [QualityCheck.model_validate_json(i["doc"]) for i in items]


def checks_of_term(term: str) -> list[QualityCheck]:
    gsi = keys.quality_check_by_term(term, "", "")
    items = store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": gsi["GSI1PK"]},
        ScanIndexForward=False,
    )
    return [QualityCheck.model_validate_json(i["doc"]) for i in items]


# --- report rows -------------------------------------------------------------------------------


def put_report(term: str, region: str, rows: Sequence[tuple[str, ReportRow]], at: str) -> None:
    store.batch_write(
        [
            {
                **keys.report_row(term, region, kind, r.code if kind != "SUMMARY" else ""),
                "doc": r.model_dump_json(),
                "as_of": at,
            }
            for kind, r in rows
        ]
    )


def report_rows(term: str, region: str) -> list[tuple[str, ReportRow, str]]:
    items = store.query_pages(
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": keys.report_partition(term, region)},
    )
    return [
        (str(i["SK"]).split("#")[0], ReportRow.model_validate_json(i["doc"]), str(i["as_of"]))
        for i in items
    ]


# --- what the report reads of a class ----------------------------------------------------------


def class_selections(class_id: str) -> list[dict[str, Any]]:
    """The class's selections (teacher, status, county) by its index."""
    items = store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": keys.selection_by_class(class_id, "")["GSI1PK"]},
    )
    return [{k: str(i.get(k, "")) for k in ("teacher_id", "status", "region_code")} for i in items]


def class_items(class_id: str, prefix: str) -> list[dict[str, Any]]:
    return list(
        store.query_pages(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
            ExpressionAttributeValues={":pk": f"CLASS#{class_id}", ":p": prefix},
        )
    )
