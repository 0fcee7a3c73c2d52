"""Stats data access: what the aggregation reads (schools, teachers, selections, seats,
projects, orders, expansions, by the indexes their contexts keep) and the stats items it
writes and the dashboard reads. Keys come from `functions.common.keys`."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from functions.common import catalog, keys, records, store
from schemas.org import School
from schemas.people import Teacher
from schemas.stats import FullClass, StatsRow, TermStats

_DOC = "doc"


def schools_in_county(county: str) -> list[School]:
    items = store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": keys.school_by_region(county, "")["GSI1PK"]},
    )
    return [School.model_validate_json(i[_DOC]) for i in items]


def teachers_of_school(school_id: str) -> list[Teacher]:
    return records.teachers_of_school(school_id)


def selection_statuses(school_id: str, term: str) -> list[tuple[str, str]]:
    """(teacher_id, status) of every selection naming the school this term."""
    gsi = keys.selection_by_school(school_id, term, "", "")
    items = store.query_pages(
        IndexName="GSI2",
        KeyConditionExpression="GSI2PK = :pk AND begins_with(GSI2SK, :p)",
        ExpressionAttributeValues={":pk": gsi["GSI2PK"], ":p": "SEL#"},
        ProjectionExpression="teacher_id, #s",
        ExpressionAttributeNames={"#s": "status"},
    )
    return [(str(i["teacher_id"]), str(i["status"])) for i in items]


def _term_index(pk: str) -> Iterable[dict[str, Any]]:
    return store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": pk},
    )


def project_statuses(term: str) -> Counter[str]:
    """Applications by status (the status is the index sort key's prefix)."""
    pk = keys.project_by_term(term, "", "")["GSI1PK"]
    items = store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": pk},
        ProjectionExpression="GSI1SK",
    )
    return Counter(str(i["GSI1SK"]).split("#", 1)[0] for i in items)


def published_classes(term: str) -> list[dict[str, str]]:
    """Class id, names and institution of every published project's classes (catalog seam)."""
    return [
        {
            "class_id": c.class_id,
            "class_name": c.name,
            "project_title": p.title,
            "institution_name": p.institution_name,
        }
        for p in catalog.published_projects(term)
        for c in p.classes
    ]


def seat_counters(class_ids: Sequence[str]) -> dict[str, tuple[int, int, int]]:
    """class id -> (capacity, held, waitlist length)."""
    items = store.batch_get([keys.class_seats(c) for c in dict.fromkeys(class_ids)])
    return {
        str(i["PK"]).removeprefix("CLASS#"): (
            int(i.get("capacity", 0)),
            int(i.get("held", 0)),
            int(i.get("wl_len", 0)),
        )
        for i in items
    }


def order_stages(term: str) -> list[tuple[str, str]]:
    """(county, stage) of every order this term."""
    pk = keys.order_by_term(term, "", "")["GSI1PK"]
    out = []
    for i in _term_index(pk):
        doc = json.loads(i[_DOC])
        out.append((str(doc.get("county", "")), str(doc.get("stage", ""))))
    return out


def expansion_states(term: str) -> Counter[str]:
    pk = keys.expansion_by_term(term, "", "")["GSI1PK"]
    return Counter(str(i["GSI1SK"]).split("#", 1)[0] for i in _term_index(pk))


# --- the stats items -------------------------------------------------------------------------


def _row_item(key: keys.Key, row: StatsRow) -> dict[str, Any]:
    return {**key, _DOC: row.model_dump_json()}


def put_rows(term: str, rows: Sequence[tuple[str, StatsRow]]) -> None:
    """Write (parent partition, row) pairs; a school row lives in its county's partition."""
    items = []
    for parent, row in rows:
        key = (
            keys.stats_school(term, parent, row.code)
            if row.level == "school"
            else keys.stats_region(term, parent, row.code)
        )
        items.append(_row_item(key, row))
    store.batch_write(items)


def put_term(term: str, stats: TermStats) -> None:
    store.put_item({**keys.stats_term(term), _DOC: stats.model_dump_json()})


def rows_in(term: str, region: str) -> list[StatsRow]:
    """The child rows of a region (its cities, counties or schools): one Query."""
    items = store.query_pages(
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": keys.stats_partition(term, region)},
    )
    return [StatsRow.model_validate_json(i[_DOC]) for i in items]


def row(term: str, parent: str, code: str) -> StatsRow | None:
    item = store.get_item(keys.stats_region(term, parent, code))
    return StatsRow.model_validate_json(item[_DOC]) if item else None


def term_stats(term: str) -> TermStats | None:
    item = store.get_item(keys.stats_term(term))
    return TermStats.model_validate_json(item[_DOC]) if item else None


def full_class(meta: dict[str, str], counters: tuple[int, int, int]) -> FullClass:
    cap, held, wl = counters
    return FullClass(**meta, capacity=cap, held=held, waitlist=wl)
