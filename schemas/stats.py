"""Dashboard statistics (数据看板): rows per region and school, and term-wide counts, kept by a
scheduled aggregation (functions/stats) so that a dashboard view reads a handful of items."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from schemas.base import Model

# What a selection status counts as on the dashboard (review backlog and progress).
SELECTION_BUCKETS: dict[str, str] = {
    "pending": "待学校审核",
    "school_approved": "待机构复核",
    "confirmed": "已确认",
    "waitlisted": "候补中",
    "school_rejected": "学校未通过",
    "recheck_rejected": "机构复核未通过",
    "withdrawn": "已退选",
    "waitlist_dropped": "候补未递补",
}
PROJECT_BUCKETS: dict[str, str] = {
    "draft": "草稿",
    "submitted": "待审核",
    "returned": "已退回",
    "approved": "已通过待发布",
    "published": "已发布",
}
EXPANSION_BUCKETS: dict[str, str] = {"applied": "待受理", "accepted": "已同意", "refused": "未同意"}


class StatsRow(Model):
    """One region or school: teachers on roll, how many selected, selections by status."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    level: str = Field(description="school, county, city or province")
    teachers: int = 0
    selected: int = Field(default=0, description="teachers holding at least one seat")
    selections: dict[str, int] = Field(default_factory=dict)
    orders: dict[str, int] = Field(default_factory=dict, description="order stage -> count")
    as_of: datetime

    def plus(self, other: StatsRow) -> dict[str, object]:
        """Counters of self and other added (for a parent region's row)."""
        sel = dict(self.selections)
        for k, v in other.selections.items():
            sel[k] = sel.get(k, 0) + v
        orders = dict(self.orders)
        for k, v in other.orders.items():
            orders[k] = orders.get(k, 0) + v
        return {
            "teachers": self.teachers + other.teachers,
            "selected": self.selected + other.selected,
            "selections": sel,
            "orders": orders,
            "as_of": min(self.as_of, other.as_of),
        }


class FullClass(Model):
    model_config = ConfigDict(frozen=True)

    class_id: str
    project_title: str
    class_name: str
    institution_name: str
    capacity: int
    held: int
    waitlist: int


class TermStats(Model):
    """Term-wide counts: classes and seats, applications, expansions."""

    model_config = ConfigDict(frozen=True)

    classes: int = 0
    capacity: int = 0
    held: int = 0
    full: int = 0
    waitlist: int = 0
    top_full: list[FullClass] = Field(
        default_factory=list, description="full classes, most waited first"
    )
    projects: dict[str, int] = Field(default_factory=dict)
    expansions: dict[str, int] = Field(default_factory=dict)
    as_of: datetime


class StatsView(Model):
    """GET /api/stats: the caller's region, its child rows (cities, counties or schools) and the
    term-wide counts, with the time the numbers were taken (数据截至)."""

    region: str
    region_name: str
    summary: StatsRow | None
    rows: list[StatsRow]
    term: TermStats | None
    labels: dict[str, dict[str, str]]
