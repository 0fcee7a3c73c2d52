"""The catalog's first view on a phone, in chromium, gzip as CloudFront serves it.

    python -m bench.bench_firstview [--sizes 1000 5000 10000]

For each catalog size the site is built from `local.synthetic.fake_projects`, served by the local
gateway (which compresses like CloudFront) and opened in a fresh 375-px phone context:

- `new`: a first visit (no stage chosen yet): the page, theme, api.js + catalog.js, the catalog
  index with its first page of cards, regions;
- `stage`: a teacher whose stage the page remembers: the same plus her stage's part (the largest);
- `search`: opening the search and typing 心理健康: what the search downloads (never part of a
  first view), and how many projects it finds against how many contain the word.

Goal (issue 13): a first view <= 150 KB at 5,000 projects, <= 200 KB at 10,000.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from build import build, project_text
from local.firstview import first_view, launch_chromium, serving
from local.synthetic import fake_projects

GOALS_KB = {5000: 150, 10000: 200}
QUERY = "心理健康"


def search_view(browser: Any, url: str, query: str = QUERY) -> tuple[int, int]:
    """(bytes the search downloads for `query`, projects it reports found)."""
    ctx = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    try:
        page = ctx.new_page()
        page.goto(url + "/catalog/", wait_until="networkidle")
        page.locator(".zjt-results li").first.wait_for(timeout=30_000)
        sizes: list[int] = []
        page.on(
            "requestfinished",
            lambda r: sizes.append(r.sizes()["responseBodySize"]) if "/search" in r.url else None,
        )
        page.click("#zjt-search-open")
        page.fill(".zjt-search__input", query)
        count = page.locator(".zjt-search__count").filter(has_text="找到")
        count.wait_for(timeout=30_000)
        page.wait_for_load_state("networkidle")
        found = int(count.inner_text().split("找到 ")[1].split(" ")[0])
        return sum(sizes), found
    finally:
        ctx.close()


def measure(n: int, browser: Any) -> dict[str, Any]:
    projects = fake_projects(n)
    with tempfile.TemporaryDirectory(prefix="zjt-fv-") as tmp:
        out = Path(tmp) / "site"
        build(projects, out, "2024H1")
        index = json.loads((out / "data/catalog/index.json").read_bytes())
        biggest = max(index["parts"], key=lambda p: p["n"])["stage"]
        with serving(out) as url:
            new = first_view(browser, url)
            stage = first_view(browser, url, stage=biggest)
            search_bytes, found = search_view(browser, url)
    assert not [p for p in new.paths() + stage.paths() if "/search" in p], "search in first view"
    expected = sum(QUERY in project_text(p) for p in projects)
    return {
        "n": n,
        "new": new.total,
        "stage": stage.total,
        "data": stage.bytes_of("/data/"),
        "shell": stage.total - stage.bytes_of("/data/"),
        "requests": len(stage.files),
        "search": search_bytes,
        "found": found,
        "expected": expected,
    }


def main(argv: list[str] | None = None) -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    args = ap.parse_args(argv)
    print(
        f"{'projects':>8} {'new KB':>7} {'stage KB':>8} {'goal KB':>7} {'shell KB':>8} "
        f"{'data KB':>7} {'requests':>8} {'search KB':>9} {'found':>11}"
    )
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            for n in args.sizes:
                r = measure(n, browser)
                goal = GOALS_KB.get(n)
                print(
                    f"{n:>8} {r['new'] / 1024:>7.0f} {r['stage'] / 1024:>8.0f} "
                    f"{goal if goal else '':>7} {r['shell'] / 1024:>8.0f} "
                    f"{r['data'] / 1024:>7.0f} {r['requests']:>8} {r['search'] / 1024:>9.0f} "
                    f"{r['found']:>5}/{r['expected']:<5}",
                    flush=True,
                )
        finally:
            browser.close()


if __name__ == "__main__":
    main()
