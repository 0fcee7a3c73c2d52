"""Reads and writes of the deadline reminders: what is still open (schools, teachers,
selections, classes, expansions; records of other contexts, read-only here) and each firing's
progress (REMIND#<term>#<run> | PART#<part>: done, with the counts its digest rolls up)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from botocore.exceptions import ClientError

from functions.common import catalog, clock, keys, outbox, store
from functions.common.settings import settings
from schemas.catalog import ClassInfo
from schemas.notify import Message
from schemas.org import School
from schemas.people import Teacher
from schemas.selection import ExpansionState


def schools_in_county(county: str) -> list[School]:
    items = store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": keys.school_by_region(county, "")["GSI1PK"]},
    )
    return sorted((School.model_validate_json(i["doc"]) for i in items), key=lambda s: s.school_id)


def teachers_of_school(school_id: str) -> Iterator[Teacher]:
    for i in store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": keys.teacher_by_school(school_id, "")["GSI1PK"]},
    ):
        yield Teacher.model_validate_json(i["doc"])


def selections_of_school(school_id: str, term: str) -> list[dict[str, Any]]:
    gsi = keys.selection_by_school(school_id, term, "", "")
    return list(
        store.query_pages(
            IndexName="GSI2",
            KeyConditionExpression="GSI2PK = :pk AND begins_with(GSI2SK, :p)",
            ExpressionAttributeValues={":pk": gsi["GSI2PK"], ":p": "SEL#"},
            ProjectionExpression="teacher_id, #s",
            ExpressionAttributeNames={"#s": "status"},
        )
    )


def selections_of_class(class_id: str) -> list[dict[str, Any]]:
    gsi = keys.selection_by_class(class_id, "")
    return list(
        store.query_pages(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk AND begins_with(GSI1SK, :p)",
            ExpressionAttributeValues={":pk": gsi["GSI1PK"], ":p": gsi["GSI1SK"]},
            ProjectionExpression="teacher_id, #s",
            ExpressionAttributeNames={"#s": "status"},
        )
    )


def decided_teachers(class_id: str) -> set[str]:
    """The teachers of the class whose completion is decided (QA-2)."""
    items = store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={
            ":pk": keys.completion(class_id, "")["PK"],
            ":p": keys.DONE_PREFIX,
        },
        ProjectionExpression="teacher_id",
    )
    return {str(i["teacher_id"]) for i in items}


def published_classes(term: str) -> list[ClassInfo]:
    return [ClassInfo.of(p, c) for p in catalog.published_projects(term) for c in p.classes]


def classes_with_timetable_state(term: str) -> list[tuple[ClassInfo, bool]]:
    return [
        (ClassInfo.of(p, c), bool(c.timetable))
        for p in catalog.published_projects(term)
        for c in p.classes
    ]


def waitlist_lengths(class_ids: Sequence[str]) -> dict[str, int]:
    items = store.batch_get([keys.class_seats(c) for c in dict.fromkeys(class_ids)])
    return {str(i["PK"]).removeprefix("CLASS#"): int(i.get("wl_len", 0)) for i in items}


def _expansions(term: str) -> Iterator[dict[str, Any]]:
    yield from store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": keys.expansion_by_term(term, "", "")["GSI1PK"]},
    )


def expansion_classes(term: str) -> set[str]:
    """Classes with an expansion application (any state)."""
    return {str(i["class_id"]) for i in _expansions(term)}


def applied_expansion_bureaus(term: str) -> list[str]:
    """The responsible bureau of each application still waiting for a decision."""
    return [
        str(i["bureau_region"])
        for i in _expansions(term)
        if i.get("state") == ExpansionState.APPLIED.value
    ]


# --- progress ----------------------------------------------------------------------------------


def part_done(term: str, run: str, part: str) -> bool:
    return store.get_item(keys.reminder_part(term, run, part), consistent=True) is not None


def mark_part(term: str, run: str, part: str, written: int, totals: dict[str, list[int]]) -> None:
    store.put_item(
        {
            **keys.reminder_part(term, run, part),
            "written": written,
            "totals": totals,
            # Progress is worth keeping for a term, not for ever.
            "expires_at": int(clock.now().timestamp()) + 200 * 86400,
        }
    )


def parts_marked(term: str, run: str) -> dict[str, dict[str, Any]]:
    pk = keys.reminder_part(term, run, "")["PK"]
    items = store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={":pk": pk, ":p": "PART#"},
        ConsistentRead=True,
    )
    return {str(i["SK"]).removeprefix("PART#"): dict(i.get("totals") or {}) for i in items}


def put_once(term: str, key: str, msg: Message) -> int:
    """`msg` only if no message was ever written for `key` this term (a marker item and the
    message in one transaction). Returns 1 if written."""
    marker = {**keys.reminder_part(term, "once", key), "msg_id": msg.msg_id}
    try:
        store.transact_write(
            [
                {
                    "Put": {
                        "TableName": settings().table_name,
                        "Item": marker,
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
                outbox.put(msg),
            ]
        )
    except ClientError as exc:
        if 0 in store.failed_conditions(exc):
            return 0
        raise
    return 1
