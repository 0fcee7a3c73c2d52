"""Dashboard statistics against the DynamoDB engine (moto): the scheduled aggregation writes
rows per school, county, city and province and the term-wide counts; a dashboard view reads
the caller's region only; selecting writes nothing to the statistics (the hot path is unchanged)."""

from __future__ import annotations

import base64
import io
from datetime import datetime
from typing import Any

import pytest

from functions.common import store
from functions.selection.handler import lambda_handler as selection_handler
from functions.stats import service
from functions.stats.handler import lambda_handler
from schemas.calendar import SHANGHAI
from tests.support import world as w
from tests.support.events import FakeContext, call, http_event

pytestmark = pytest.mark.usefixtures("world", "viewers")

R1 = "2024-03-20 10:00"


@pytest.fixture
def viewers() -> None:
    w.add_users(w.COUNTY_BUREAU, w.CITY_BUREAU, w.PROVINCE_BUREAU, w.CENTRE)


def select(teacher: str, class_id: str) -> int:
    status, body, _ = call(
        selection_handler,
        http_event("POST", "/api/selections", sub=teacher, body={"class_id": class_id}),
    )
    return status


def stats(sub: str) -> tuple[int, Any]:
    status, body, _ = call(lambda_handler, http_event("GET", "/api/stats", sub=sub))
    return status, body


def stats_items() -> list[dict[str, Any]]:
    return [i for i in store.table().scan()["Items"] if str(i["PK"]).startswith("STATS#")]


def run(at: datetime) -> None:
    service.aggregate(at)


def test_a_county_sees_its_schools_progress_and_review_backlog_SE_1(clock_at) -> None:
    now = clock_at(R1)
    assert select("t1", "p1-c2") == 201
    assert select("t2", "p4-c1") == 201
    assert select("t2", "p5-c1") == 201
    run(now)
    status, view = stats("bureau-330106")
    assert status == 200
    assert view["region_name"] == "杭州市西湖区"
    [s1] = [r for r in view["rows"] if r["code"] == "s1"]
    on_roll = sum(1 for t in w.TEACHERS if t.school_id == "s1")
    assert (s1["name"], s1["teachers"], s1["selected"]) == ("杭州市西湖区实验小学", on_roll, 2)
    assert s1["selections"] == {"pending": 3}
    assert view["summary"]["selected"] == 2 and view["summary"]["selections"]["pending"] == 3
    assert view["summary"]["as_of"].startswith("2024-03-20T")
    assert view["labels"]["selections"]["pending"] == "待学校审核"
    term = view["term"]
    assert term["classes"] == 6 and term["held"] == 3 and term["full"] == 0


def test_the_province_and_a_city_see_their_child_regions_and_full_classes(clock_at) -> None:
    now = clock_at(R1)
    assert select("t1", "p1-c1") == 201
    assert select("t2", "p1-c1") == 201  # p1-c1 holds 2: full
    run(now)
    _, province = stats("bureau-330000")
    assert {r["level"] for r in province["rows"]} == {"city"}
    hz = next(r for r in province["rows"] if r["code"] == "330100")
    assert hz["selected"] == 2
    assert province["summary"]["selected"] == 2
    assert [f["class_id"] for f in province["term"]["top_full"]] == ["p1-c1"]
    _, city = stats("bureau-330100")
    assert any(r["code"] == w.COUNTY and r["selected"] == 2 for r in city["rows"])
    _, centre = stats("centre")
    assert centre["region"] == "330000"


def test_selecting_writes_nothing_to_the_statistics_SE_4(clock_at) -> None:
    now = clock_at(R1)
    run(now)
    before = stats_items()
    assert select("t1", "p1-c2") == 201
    assert stats_items() == before  # the hot path stays one transaction, no stats write
    run(now)
    assert stats_items() != before


def test_only_bureaus_and_the_centre_see_the_dashboard(clock_at) -> None:
    run(clock_at(R1))
    assert stats("t1")[0] == 403
    assert stats("p-s1")[0] == 403


def test_each_chart_table_downloads_as_xlsx(clock_at) -> None:
    from openpyxl import load_workbook

    now = clock_at(R1)
    assert select("t1", "p1-c2") == 201
    run(now)
    sheets = {}
    for chart in ("progress", "backlog", "full", "projects", "orders"):
        event = http_event("GET", "/api/stats/export", sub="bureau-330106", query={"chart": chart})
        out = lambda_handler(event, FakeContext())
        assert out["statusCode"] == 200, chart
        assert "spreadsheetml" in out["headers"]["Content-Type"]
        sheets[chart] = load_workbook(io.BytesIO(base64.b64decode(out["body"]))).active
    rows = list(sheets["progress"].iter_rows(values_only=True))
    assert rows[0][:3] == ("学校", "教师数", "已选课教师")
    assert any(r[0] == "杭州市西湖区实验小学" and r[2] == 1 for r in rows[1:])


def test_a_dashboard_view_reads_one_partition_and_two_items(clock_at, monkeypatch) -> None:
    run(clock_at(R1))
    calls: list[str] = []
    real_query, real_get = store.query_pages, store.get_item
    monkeypatch.setattr(
        store, "query_pages", lambda **kw: calls.append("query") or real_query(**kw)
    )
    monkeypatch.setattr(
        store, "get_item", lambda *a, **kw: calls.append("get") or real_get(*a, **kw)
    )
    from functions.common import records as rec

    rec.clear_cache()
    stats("bureau-330106")
    # The caller's account (auth) is one get; the view is one query and two gets.
    assert sorted(calls) == ["get", "get", "get", "query"]


def test_the_aggregation_time_is_the_data_time() -> None:
    at = datetime(2024, 3, 20, 10, 5, tzinfo=SHANGHAI)
    row = service.school_row("s1", "学校", 3, [("t1", "pending"), ("t1", "waitlisted")], at)
    assert row.selected == 1 and row.selections == {"pending": 1, "waitlisted": 1}
    assert row.as_of == at
