"""The catalog's first view on a phone stays within its budget, and the search loads on demand.

A catalog of 600 synthetic projects is built and served by the gateway (gzip like CloudFront).
What a first view downloads at that size is extrapolated to 5,000 and 10,000 projects (data
scaled linearly, which gzip only beats) and must fit issue 13's goals: 150 KB and 200 KB.
`python -m bench.bench_firstview` measures the real sizes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from build import build, project_text
from local.firstview import PHONE, first_view, serving
from local.synthetic import fake_projects

N = 600
GOALS_KB = {5000: 150, 10000: 200}
SHELL_KB = 95  # page, theme, api.js, shell.js (role navigation: 7 KB), catalog.js: does not grow with the catalog


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, list[Any]]]:
    projects = fake_projects(N, seed=13)
    out = tmp_path_factory.mktemp("firstview") / "site"
    build(projects, out, "2024H1")
    with serving(out) as url:
        yield url, out, projects


def largest_stage(out: Path) -> str:
    index = json.loads((out / "data/catalog/index.json").read_text(encoding="utf-8"))
    return str(max(index["parts"], key=lambda p: p["n"])["stage"])


def test_catalog_first_view_fits_the_budget_at_province_scale(browser, catalog):
    url, out, _ = catalog
    teacher = first_view(browser, url, stage=largest_stage(out))
    fresh = first_view(browser, url)

    for view in (teacher, fresh):
        assert not [p for p in view.paths() if "/search" in p], "search loaded on a first view"
        scripts = {p for p in view.paths() if p.startswith("/assets/js/")}
        assert scripts == {"/assets/js/api.js", "/assets/js/shell.js", "/assets/js/catalog.js"}
    # A first visit reads the index only; a teacher's remembered stage adds its part and the
    # 全学段 part (projects for every stage match every stage).
    assert [p for p in fresh.paths() if p.startswith("/data/catalog/")] == [
        "/data/catalog/index.json"
    ]
    parts = {p for p in teacher.paths() if p.startswith("/data/catalog/")}
    assert 1 <= len(parts - {"/data/catalog/index.json"}) <= 2

    shell = teacher.total - teacher.bytes_of("/data/")
    data = teacher.bytes_of("/data/")
    assert shell <= SHELL_KB * 1024, teacher.files
    for n, goal in GOALS_KB.items():
        projected = shell + data * n / N
        assert projected <= goal * 1024, f"{n} projects: {projected / 1024:.0f} KB > {goal} KB"


def test_search_loads_when_opened_and_finds_every_project_with_the_word(browser, catalog):
    url, _, projects = catalog
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        page = ctx.new_page()
        loaded: list[str] = []
        page.on("request", lambda r: loaded.append(r.url))
        page.goto(url + "/", wait_until="networkidle")
        assert not [u for u in loaded if "search" in u]

        page.click("#zjt-search-open")
        page.fill(".zjt-search__input", "心理健康")
        count = page.locator(".zjt-search__count").filter(has_text="找到")
        count.wait_for()
        expected = [p for p in projects if "心理健康" in project_text(p)]
        assert f"找到 {len(expected)} 个培训项目" in count.inner_text()
        first = page.locator(".zjt-search__hit a").first
        titled = {p.title for p in expected if "心理健康" in p.title}
        assert first.inner_text() in titled  # title hits first
        first.click()
        page.wait_for_url("**/projects/P*/")
        assert "心理健康" in page.locator("h1").inner_text()
    finally:
        ctx.close()
