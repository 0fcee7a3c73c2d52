"""Dashboard statistics (数据看板).

The numbers are kept by a scheduled aggregation (`aggregate`, run by functions/stats/worker.py
every few minutes, and by the local stack on a timer), never on a page view and never on the
selection hot path: a selection stays one transaction with no extra write. Each run reads, per
county, its schools' teachers and selections by the indexes their contexts keep, and writes one
row per school, county, city and the province; term-wide counts (seats, full classes and their
waitlists, applications, expansions) go into one item. A dashboard view then reads one
partition (the caller's region's child rows) and two items, whatever the province's size.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from functions.common import keys, scope, xlsx
from functions.common.auth import require
from functions.common.errors import Forbidden
from functions.common.settings import settings
from functions.stats import store
from schemas.orders import STAGE_NAMES
from schemas.people import Role, User
from schemas.regions import RegionLevel, region_tree
from schemas.selection import SEAT_HOLDING
from schemas.stats import (
    EXPANSION_BUCKETS,
    PROJECT_BUCKETS,
    SELECTION_BUCKETS,
    StatsRow,
    StatsView,
    TermStats,
)

TOP_FULL = 30  # full classes listed on the dashboard, most waited for first
VIEWERS = (Role.PROVINCE_BUREAU, Role.CITY_BUREAU, Role.COUNTY_BUREAU, Role.CENTRE)
_HOLDING = {s.value for s in SEAT_HOLDING}


def _on_roll(employment: str, merged_into: str | None) -> bool:
    return employment == "在职" and not merged_into


def school_row(
    school_id: str,
    name: str,
    teachers: int,
    statuses: Sequence[tuple[str, str]],
    now: datetime,
) -> StatsRow:
    """One school's row from its roll and its selections (pure)."""
    selected = {tid for tid, st in statuses if st in _HOLDING}
    return StatsRow(
        code=school_id,
        name=name,
        level="school",
        teachers=teachers,
        selected=len(selected),
        selections=dict(Counter(st for _, st in statuses)),
        as_of=now,
    )


def roll_up(code: str, name: str, level: str, rows: Sequence[StatsRow], now: datetime) -> StatsRow:
    """A region's row: the sum of its children (pure)."""
    out = StatsRow(code=code, name=name, level=level, as_of=now)
    for r in rows:
        out = out.model_copy(update=out.plus(r))
    return out.model_copy(update={"as_of": now})


def aggregate_county(county: str, term: str, now: datetime, orders: Counter[str]) -> StatsRow:
    """Rows of a county's schools and the county itself (written); returns the county row."""
    tree = region_tree()
    rows: list[tuple[str, StatsRow]] = []
    for school in store.schools_in_county(county):
        roll = [
            t
            for t in store.teachers_of_school(school.school_id)
            if _on_roll(t.employment, t.merged_into)
        ]
        statuses = store.selection_statuses(school.school_id, term)
        rows.append((county, school_row(school.school_id, school.name, len(roll), statuses, now)))
    row = roll_up(county, tree.full_name(county), "county", [r for _, r in rows], now)
    row = row.model_copy(update={"orders": dict(orders)})
    rows.append((tree.get(county).parent or scope.PROVINCE, row))
    store.put_rows(term, rows)
    return row


def aggregate_term(term: str, now: datetime) -> TermStats:
    """Term-wide counts: seats, full classes by waitlist, applications, expansions."""
    classes = store.published_classes(term)
    counters = store.seat_counters([c["class_id"] for c in classes])
    full = []
    cap = held = wl = 0
    for c in classes:
        k = counters.get(c["class_id"])
        if k is None:
            continue
        cap, held, wl = cap + k[0], held + k[1], wl + k[2]
        if k[1] >= k[0]:
            full.append(store.full_class(c, k))
    full.sort(key=lambda f: (-f.waitlist, f.class_id))
    stats = TermStats(
        classes=len(counters),
        capacity=cap,
        held=held,
        full=len(full),
        waitlist=wl,
        top_full=full[:TOP_FULL],
        projects=dict(store.project_statuses(term)),
        expansions=dict(store.expansion_states(term)),
        as_of=now,
    )
    store.put_term(term, stats)
    return stats


def aggregate(
    now: datetime,
    cities: Sequence[str] | None = None,
    time_left: Callable[[], float] | None = None,
) -> list[str]:
    """One run: the given cities (all by default), then the province row and the term counts.
    Returns the cities left undone when `time_left()` (seconds) runs low; the worker hands
    them to its next invocation."""
    term = settings().term
    tree = region_tree()
    todo = list(cities) if cities is not None else sorted(c.code for c in tree.cities())
    by_county: dict[str, Counter[str]] = defaultdict(Counter)
    for county, stage in store.order_stages(term):
        by_county[county][stage] += 1
    while todo:
        if time_left is not None and time_left() < 60:
            return todo
        city = todo.pop(0)
        counties = sorted(c.code for c in tree.counties() if c.parent == city)
        rows = [aggregate_county(c, term, now, by_county[c]) for c in counties]
        store.put_rows(
            term, [(scope.PROVINCE, roll_up(city, tree.full_name(city), "city", rows, now))]
        )
    cities_rows = store.rows_in(term, scope.PROVINCE)
    province = roll_up(scope.PROVINCE, tree.full_name(scope.PROVINCE), "province", cities_rows, now)
    store.put_rows(term, [(keys.STATS_ROOT, province)])
    aggregate_term(term, now)
    return []


def _labels() -> dict[str, dict[str, str]]:
    return {
        "selections": SELECTION_BUCKETS,
        "projects": PROJECT_BUCKETS,
        "expansions": EXPANSION_BUCKETS,
        "orders": {k.value: v for k, v in STAGE_NAMES.items()},
    }


def _region_of(user: User) -> str:
    require(user, *VIEWERS)
    region = scope.region_scope(user)
    if region is None:
        raise Forbidden()
    return region


def dashboard(user: User) -> StatsView:
    """GET /api/stats: the caller's region (a bureau's, or the province for the centre): its
    own row, its child rows and the term-wide counts; three reads."""
    region = _region_of(user)
    term = settings().term
    tree = region_tree()
    level = tree.get(region).level
    parent = keys.STATS_ROOT if level == RegionLevel.PROVINCE else (tree.get(region).parent or "")
    rows = sorted(store.rows_in(term, region), key=lambda r: r.code)
    return StatsView(
        region=region,
        region_name=tree.full_name(region),
        summary=store.row(term, parent, region),
        rows=rows,
        term=store.term_stats(term),
        labels=_labels(),
    )


# --- the tables behind the charts, as xlsx ------------------------------------------------


def _table(view: StatsView, chart: str) -> tuple[str, list[str], list[list[Any]]]:
    lab = view.labels
    child = {"province": "地区", "city": "地区", "county": "学校"}
    first = child.get(region_tree().get(view.region).level.value, "地区")
    t = view.term
    if chart == "progress":
        return (
            "选课进度",
            [first, "教师数", "已选课教师", "未选课教师", "选课率"],
            [
                [
                    r.name,
                    r.teachers,
                    r.selected,
                    max(0, r.teachers - r.selected),
                    f"{r.selected / r.teachers:.1%}" if r.teachers else "",
                ]
                for r in view.rows
            ],
        )
    if chart == "backlog":
        keys_ = list(lab["selections"])
        return (
            "选课审核",
            [first, *(lab["selections"][k] for k in keys_)],
            [[r.name, *(r.selections.get(k, 0) for k in keys_)] for r in view.rows],
        )
    if chart == "full":
        rows = [
            [f.project_title, f.class_name, f.institution_name, f.capacity, f.held, f.waitlist]
            for f in (t.top_full if t else [])
        ]
        return "满员班期", ["项目", "班期", "培训机构", "名额", "已选", "候补"], rows
    if chart == "projects":
        return (
            "项目申报",
            ["状态", "项目数"],
            [[v, (t.projects.get(k, 0) if t else 0)] for k, v in lab["projects"].items()],
        )
    if chart == "orders":
        keys_ = list(lab["orders"])
        return (
            "订单",
            [first, *(lab["orders"][k] for k in keys_)],
            [[r.name, *(r.orders.get(k, 0) for k in keys_)] for r in view.rows],
        )
    raise Forbidden("没有这张统计表")


def export(user: User, chart: str) -> tuple[str, bytes]:
    """One chart's table as an xlsx workbook: (file name, bytes)."""
    view = dashboard(user)
    title, headers, rows = _table(view, chart)
    return f"{view.region_name}{title}.xlsx", xlsx.workbook(
        [xlsx.Sheet(title, rows, header=tuple(headers))]
    )
