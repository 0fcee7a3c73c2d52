"""Credit progress by region (the bureaus' view), kept by a scheduled aggregation like the
dashboard's (functions/stats): a run reads, per county, its schools' teachers on roll and their
cycle totals (one BatchGetItem per 100 teachers) and writes one row per school, county, city and
the province. A bureau's view then reads one partition, whatever the province's size; the page
says when the rows were taken."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from functions.common import keys, records, scope, store
from functions.credits import rules
from functions.credits import store as credits_store
from functions.records import store as records_store
from schemas.calendar import SHANGHAI
from schemas.credits import CreditCycle, GroupProgress
from schemas.regions import region_tree

ROOT = "ROOT"


def _row(
    code: str, name: str, totals: Sequence[int], cycle: CreditCycle, expected: int
) -> GroupProgress:
    n = len(totals)
    return GroupProgress(
        code=code,
        name=name,
        teachers=n,
        behind=sum(1 for t in totals if rules.behind(t, expected)),
        met=sum(1 for t in totals if t >= cycle.required),
        credits=sum(totals),
        average=round(sum(totals) / n, 1) if n else 0.0,
    )


def roll_up(code: str, name: str, rows: Sequence[GroupProgress]) -> GroupProgress:
    n = sum(r.teachers for r in rows)
    credits = sum(r.credits for r in rows)
    return GroupProgress(
        code=code,
        name=name,
        teachers=n,
        behind=sum(r.behind for r in rows),
        met=sum(r.met for r in rows),
        credits=credits,
        average=round(credits / n, 1) if n else 0.0,
    )


def _item(cycle_id: str, parent: str, row: GroupProgress, now: datetime) -> dict[str, Any]:
    return {
        **keys.credit_stats(cycle_id, parent, row.code),
        "doc": row.model_dump_json(),
        "as_of": now.isoformat(),
    }


def aggregate_county(
    county: str, cycle: CreditCycle, expected: int, now: datetime
) -> GroupProgress:
    """Rows of a county's schools (written) and the county's own row (returned)."""
    tree = region_tree()
    rows = []
    for school in records_store.schools_in_county(county):
        roll = [
            t.teacher_id
            for t in records.teachers_of_school(school.school_id)
            if t.employment == "在职" and not t.merged_into
        ]
        totals = credits_store.totals_of(roll, cycle.cycle_id)
        rows.append(
            _row(school.school_id, school.name, [totals[t].total for t in roll], cycle, expected)
        )
    store.batch_write([_item(cycle.cycle_id, county, r, now) for r in rows])
    return roll_up(county, tree.full_name(county), rows)


def aggregate(
    now: datetime,
    cycle: CreditCycle,
    cities: Sequence[str] | None = None,
    time_left: Callable[[], float] | None = None,
) -> list[str]:
    """One run over the given cities (all by default), then the province. Returns the cities
    left when `time_left()` (seconds) runs low; the worker hands them to its next run."""
    tree = region_tree()
    expected = rules.expected_by_now(cycle, now.astimezone(SHANGHAI).date())
    todo = list(cities) if cities is not None else sorted(c.code for c in tree.cities())
    while todo:
        if time_left is not None and time_left() < 60:
            return todo
        city = todo.pop(0)
        counties = sorted(c.code for c in tree.counties() if c.parent == city)
        rows = [aggregate_county(c, cycle, expected, now) for c in counties]
        items = [_item(cycle.cycle_id, city, r, now) for r in rows]
        items.append(
            _item(cycle.cycle_id, scope.PROVINCE, roll_up(city, tree.full_name(city), rows), now)
        )
        store.batch_write(items)
    cities_rows = [r for r, _ in rows_in(cycle.cycle_id, scope.PROVINCE)]
    province = roll_up(scope.PROVINCE, tree.full_name(scope.PROVINCE), cities_rows)
    store.batch_write([_item(cycle.cycle_id, ROOT, province, now)])
    return []


def rows_in(cycle_id: str, parent: str) -> list[tuple[GroupProgress, datetime]]:
    items = store.query_pages(
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": keys.credit_stats_partition(cycle_id, parent)},
    )
    return [
        (GroupProgress.model_validate_json(i["doc"]), datetime.fromisoformat(str(i["as_of"])))
        for i in items
    ]


def row(cycle_id: str, parent: str, code: str) -> tuple[GroupProgress, datetime] | None:
    item = store.get_item(keys.credit_stats(cycle_id, parent, code))
    if not item:
        return None
    return GroupProgress.model_validate_json(item["doc"]), datetime.fromisoformat(
        str(item["as_of"])
    )
