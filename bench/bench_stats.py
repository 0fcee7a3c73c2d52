"""What a 数据看板 view costs at province scale, and what keeping the numbers costs.

Run ``python -m bench stats``. In moto (in process) it writes the statistics items of a
province-sized set-up (11 cities, 90 counties, SCHOOLS schools) and times the three reads of a
dashboard view (functions/stats/service.dashboard) for the province, a city and a county, with
the items and bytes each returns and the read request units DynamoDB would charge (eventually
consistent: 0.5 RRU per 4 KB of a Query's items, 0.5 per GetItem). Then it measures one
county's aggregation on synthetic data (schools, teachers, selections of the given sizes), counts
the items it reads, and scales that to the province (600,000 teachers) to give the read units of
one scheduled run and per day at one run every 5 minutes.
"""

from __future__ import annotations

import json
import math
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

SCHOOLS = 12_000
TEACHERS = 600_000
SELECTIONS_PER_TEACHER = 2.0
RUNS_PER_DAY = 24 * 60 // 5
PRICE_PER_MILLION_RRU = 0.25  # on-demand, USD (us-east-1 list price; China regions differ)


def _env() -> None:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)


def _counting(store: Any) -> tuple[dict[str, float], Callable[[], None]]:
    """Wrap the store's reads to count items, bytes and read units."""
    seen = {"calls": 0, "items": 0, "bytes": 0, "rru": 0.0}
    real_query, real_get, real_batch = store.query_pages, store.get_item, store.batch_get

    def size(item: dict[str, Any]) -> int:
        return len(json.dumps(item, default=str).encode())

    def query(**kw: Any) -> Any:
        seen["calls"] += 1
        items = list(real_query(**kw))
        b = sum(size(i) for i in items)
        seen["items"] += len(items)
        seen["bytes"] += b
        seen["rru"] += max(0.5, math.ceil(b / 4096) * 0.5)
        return iter(items)

    def get(key: Any, consistent: bool = False) -> Any:
        seen["calls"] += 1
        item = real_get(key, consistent)
        seen["items"] += 1 if item else 0
        seen["bytes"] += size(item) if item else 0
        seen["rru"] += 0.5 if not consistent else 1.0
        return item

    def batch(keys: Any) -> Any:
        seen["calls"] += math.ceil(len(keys) / 100) or 1
        items = real_batch(keys)
        seen["items"] += len(items)
        seen["bytes"] += sum(size(i) for i in items)
        seen["rru"] += sum(max(0.5, math.ceil(size(i) / 4096) * 0.5) for i in items)
        return items

    store.query_pages, store.get_item, store.batch_get = query, get, batch

    def undo() -> None:
        store.query_pages, store.get_item, store.batch_get = real_query, real_get, real_batch

    return seen, undo


def _province_rows(now: datetime) -> None:
    from functions.common import keys, scope
    from functions.common.settings import settings
    from functions.stats import store as stats_store
    from schemas.regions import region_tree
    from schemas.stats import StatsRow, TermStats

    term = settings().term
    tree = region_tree()
    counties = sorted(c.code for c in tree.counties())
    rnd = random.Random(3)
    per = SCHOOLS // len(counties)
    rows: list[tuple[str, StatsRow]] = []
    for county in counties:
        for i in range(per):
            t = rnd.randint(20, 90)
            sel = {
                "pending": rnd.randint(0, t),
                "school_approved": rnd.randint(0, t),
                "confirmed": rnd.randint(0, t),
            }
            rows.append(
                (
                    county,
                    StatsRow(
                        code=f"s{county}{i:04d}",
                        name=f"{tree.full_name(county)}第{i + 1}学校",
                        level="school",
                        teachers=t,
                        selected=rnd.randint(0, t),
                        selections=sel,
                        as_of=now,
                    ),
                )
            )
        parent = tree.get(county).parent or scope.PROVINCE
        rows.append(
            (
                parent,
                StatsRow(
                    code=county,
                    name=tree.full_name(county),
                    level="county",
                    teachers=per * 50,
                    as_of=now,
                ),
            )
        )
    for city in tree.cities():
        rows.append(
            (
                scope.PROVINCE,
                StatsRow(code=city.code, name=city.name, level="city", teachers=50_000, as_of=now),
            )
        )
    rows.append(
        (
            keys.STATS_ROOT,
            StatsRow(
                code=scope.PROVINCE, name="浙江省", level="province", teachers=TEACHERS, as_of=now
            ),
        )
    )
    stats_store.put_rows(term, rows)
    stats_store.put_term(term, TermStats(classes=9000, capacity=450_000, held=400_000, as_of=now))


def _view(who: Any, samples: int = 15) -> dict[str, float]:
    from functions.common import records, store
    from functions.stats import service

    records.clear_cache()
    seen, undo = _counting(store)
    times = []
    try:
        for _ in range(samples):
            t = time.perf_counter()
            service.dashboard(who)
            times.append(time.perf_counter() - t)
    finally:
        undo()
    return {
        "items": seen["items"] / samples,
        "kb": seen["bytes"] / samples / 1024,
        "rru": seen["rru"] / samples,
        "calls": seen["calls"] / samples,
        "ms": statistics.median(times) * 1000,
    }


def _county_run(schools: int, teachers_per_school: int, now: datetime) -> dict[str, float]:
    """One county's aggregation on synthetic data: the items and read units it takes."""
    from functions.common import records, store
    from functions.common.settings import settings
    from functions.stats import service
    from schemas.org import School
    from schemas.people import Teacher
    from schemas.selection import Selection, SelectionStatus

    term = settings().term
    county = "330106"
    items: list[dict[str, Any]] = []
    rnd = random.Random(5)
    statuses = [SelectionStatus.PENDING, SelectionStatus.SCHOOL_APPROVED, SelectionStatus.CONFIRMED]
    from functions.common import keys

    for s in range(schools):
        sid = f"sb{s:05d}"
        items.append(
            records.school_item(
                School(school_id=sid, name=f"学校{s}", region_code=county, stages=("小学",))
            )
        )
        for t in range(teachers_per_school):
            tid = f"tb{s:05d}{t:03d}"
            items.append(
                records.teacher_item(
                    Teacher(
                        teacher_id=tid,
                        name=f"教师{t}",
                        school_id=sid,
                        region_code=county,
                        stage="小学",
                        subject="语文",
                    )
                )
            )
            for k in range(int(SELECTIONS_PER_TEACHER)):
                sel = Selection(
                    term=term,
                    teacher_id=tid,
                    class_id=f"c{k}{t % 50}",
                    project_id="p",
                    project_title="项目",
                    class_name="第1期",
                    institution_name="机构",
                    start_date=date(2024, 5, 1),
                    end_date=date(2024, 5, 3),
                    school_id=sid,
                    region_code=county,
                    round=1,
                    status=rnd.choice(statuses),
                    created_at=now,
                    updated_at=now,
                )
                items.append(
                    {
                        **keys.selection(tid, term, sel.class_id),
                        **keys.selection_by_school(sid, term, sel.class_id, tid),
                        **sel.model_dump(mode="json"),
                    }
                )
    store.batch_write(items)
    seen, undo = _counting(store)
    t = time.perf_counter()
    try:
        from collections import Counter

        service.aggregate_county(county, term, now, Counter())
    finally:
        undo()
    return {
        "items": seen["items"],
        "rru": seen["rru"],
        "seconds": time.perf_counter() - t,
        "teachers": schools * teachers_per_school,
    }


def main() -> None:
    _env()
    import boto3
    from moto import mock_aws

    from functions.common import store
    from functions.common.settings import settings
    from functions.common.table_def import create_table_kwargs
    from schemas.calendar import SHANGHAI
    from schemas.people import Role, User

    now = datetime(2024, 3, 26, 10, 0, tzinfo=SHANGHAI)
    with mock_aws():
        store.reset_clients()
        boto3.client("dynamodb").create_table(**create_table_kwargs(settings().table_name))
        t = time.perf_counter()
        _province_rows(now)
        print(
            f"province-scale statistics written: {SCHOOLS} school rows, 90 counties, 11 cities "
            f"({time.perf_counter() - t:.1f} s)"
        )
        print("dashboard view (one Query of the region's partition + 2 GetItems):")
        print(f"  {'viewer':<22}{'items':>8}{'KB':>9}{'RRU':>8}{'calls':>7}{'ms (moto)':>11}")
        for label, user in (
            (
                "province bureau",
                User(
                    user_id="b-330000", role=Role.PROVINCE_BUREAU, name="省", region_code="330000"
                ),
            ),
            (
                "city (杭州市)",
                User(user_id="b-330100", role=Role.CITY_BUREAU, name="市", region_code="330100"),
            ),
            (
                "county (西湖区)",
                User(user_id="b-330106", role=Role.COUNTY_BUREAU, name="县", region_code="330106"),
            ),
        ):
            v = _view(user)
            print(
                f"  {label:<22}{v['items']:>8.0f}{v['kb']:>9.1f}{v['rru']:>8.1f}{v['calls']:>7.0f}{v['ms']:>11.1f}"
            )
        store.reset_clients()
    with mock_aws():
        store.reset_clients()
        boto3.client("dynamodb").create_table(**create_table_kwargs(settings().table_name))
        run = _county_run(schools=40, teachers_per_school=40, now=now)
        store.reset_clients()
    per_teacher = run["rru"] / run["teachers"]
    province_rru = per_teacher * TEACHERS
    print(
        f"one county's aggregation ({run['teachers']} teachers, {SELECTIONS_PER_TEACHER:.0f} selections each): "
        f"{run['items']:.0f} items read, {run['rru']:.0f} RRU, {run['seconds']:.1f} s in moto"
    )
    print(
        f"scaled to the province ({TEACHERS:,} teachers): {province_rru:,.0f} RRU per run; "
        f"{province_rru * RUNS_PER_DAY / 1e6:,.1f} M RRU per day at one run per 5 minutes "
        f"= ${province_rru * RUNS_PER_DAY / 1e6 * PRICE_PER_MILLION_RRU:,.2f} per day on demand"
    )
    print(
        "the selection hot path writes nothing for the dashboard (tests/integration/test_stats.py)"
    )


if __name__ == "__main__":
    main()
