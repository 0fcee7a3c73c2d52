"""数据看板 for a county bureau on a phone and the province at desktop size: numbers from the
scheduled aggregation with their time (数据截至), ECharts charts from the site's own assets,
each with its table and its xlsx."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import as_user, no_horizontal_scroll

pytestmark = pytest.mark.e2e


def _aggregate(api: Any, cities: list[str]) -> None:
    r = api("POST", "/api/dev/stats", json={"cities": cities}, timeout=600)
    assert r.status_code == 200, r.text


def test_a_county_bureau_reads_its_schools_on_a_phone(stack, phone, api, new_teacher):
    new_teacher("s33010603", "小学", "语文")  # on the roll, selected nothing
    _aggregate(api, ["330100"])
    page = phone
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if r.url.endswith(".js") else None)
    as_user(page, stack, "bureau-330106", "/dashboard/")
    page.locator(".zjt-dashboard__asof").filter(has_text="数据截至").wait_for()
    progress = page.locator('.zjt-chart[data-chart="progress"]')
    progress.locator("canvas").first.wait_for()
    assert any("/assets/vendor/echarts/" in u for u in scripts)
    progress.locator("summary").click()
    assert "杭州市西湖区实验小学" in progress.locator("table").inner_text()
    with page.expect_download() as dl:
        progress.get_by_role("button", name="下载 Excel").click()
    assert dl.value.suggested_filename.endswith(".xlsx")
    no_horizontal_scroll(page)


def test_the_province_sees_its_cities_at_desktop_size(stack, desktop, api):
    _aggregate(api, ["330100"])
    page = desktop
    as_user(page, stack, "bureau-330000", "/dashboard/")
    page.locator('.zjt-chart[data-chart="progress"] canvas').first.wait_for()
    page.locator('.zjt-chart[data-chart="progress"] summary').click()
    assert "杭州市" in page.locator('.zjt-chart[data-chart="progress"] table').inner_text()
    assert page.locator(".zjt-kpi").count() >= 4


def test_echarts_loads_only_on_the_dashboard(stack, phone):
    page = phone
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url))
    as_user(page, stack, "bureau-330106", "/home/")
    page.locator(".zjt-phasecard").wait_for()
    page.goto(stack.url + "/review/")
    page.locator("#zjt-review .zjt-msg").filter(has_text="项目").wait_for()
    assert not [u for u in scripts if "echarts" in u]
