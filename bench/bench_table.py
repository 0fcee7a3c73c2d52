"""Issue 13's table, every row measured side by side in one run (a few minutes on 2 cores).

    python -m bench table [--firstview-sizes 1000 5000 10000] [--catalog-sizes 1000 5000]
                          [--import-runs 3]

Each row calls the benchmark that owns it, at sizes that finish quickly; run that benchmark
alone for its full figures:

- first view: `bench_firstview.measure` (chromium, 375-px phone, gzip as CloudFront serves it):
  a first visit and a teacher whose stage the page remembers, in KB;
- rebuild ÷ full: `bench_catalog.measure`, CPU time of publishing after one project changed
  divided by a full publication;
- publish inside an API request: every API handler imported in one fresh interpreter; the
  renderer (`build`, `sitebuild`, mkdocs) must not be among the modules it loaded (the site
  worker renders, started asynchronously);
- handler import ÷ `import boto3`: `bench_coldstart.measure`, the worst handler (with or
  without Lambda's environment) and the selection handler with it;
- selections per second the deployment accepts: from `infra/config.yaml` (route and stage
  throttles, the table's and indexes' warm write throughput, the selection function's reserved
  concurrency) against the write units of one warm selection measured below;
- calls per use case: `bench_selection`'s count of the handler's DynamoDB calls on a seeded
  local stack (selection, withdrawal with nobody waiting, school bulk review of 50).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RENDERER = ("build", "sitebuild", "mkdocs")
PROBE = """
import importlib, json, sys
for m in {modules!r}:
    importlib.import_module(m)
print(json.dumps(sorted(n for n in sys.modules if n.split(".")[0] in {renderer!r})))
"""


def _timed(label: str, fn: Callable[[], Any]) -> Any:
    t0 = time.perf_counter()
    out = fn()
    print(f"  ({label}: {time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
    return out


def first_views(sizes: list[int]) -> dict[int, dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    from bench.bench_firstview import measure
    from local.firstview import launch_chromium

    out: dict[int, dict[str, Any]] = {}
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            for n in sizes:
                try:
                    out[n] = measure(n, browser)
                except Exception as exc:  # a page that never settles: the other rows still run
                    out[n] = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:80]}"}
        finally:
            browser.close()
    return out


def rebuilds(sizes: list[int]) -> dict[int, dict[str, Any]]:
    from bench.bench_catalog import measure

    out = {}
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="zjt-table-") as tmp:
            out[n] = measure(n, Path(tmp) / "site")
    return out


def api_handler_modules() -> list[str]:
    from functions.common.routes import ROUTES

    return sorted({f"functions.{r.function}.handler" for r in ROUTES})


def renderer_in_api() -> list[str]:
    """The renderer's modules an API function loads (every API handler imported at once)."""
    code = PROBE.format(modules=api_handler_modules(), renderer=RENDERER)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def imports(runs: int) -> dict[str, Any]:
    from bench.bench_coldstart import API_FLOOR, measure

    rows = measure(runs)
    handlers = [r for r in rows if r[0].startswith("functions.")]
    worst = max(handlers, key=lambda r: max(r[2], r[4]))
    return {
        "worst": max(worst[2], worst[4]),
        "worst_module": worst[0].removeprefix("functions."),
        "selection": next(r[4] for r in handlers if r[0] == "functions.selection.handler"),
        "floor": next(r[4] for r in rows if r[0] == API_FLOOR),
    }


def _wcu(text: str) -> float:
    found = re.match(r"([\d.]+) WCU", text)
    return float(found.group(1)) if found else float("nan")


def calls() -> dict[str, tuple[int, float, list[str]]]:
    """(calls, WCU, call names) per use case, on a seeded local stack."""
    from bench.bench_selection import _calls_per_selection, _pairs
    from local.stack import running_stack

    pairs = _pairs(100)
    with tempfile.TemporaryDirectory() as tmp, running_stack(Path(tmp), seed=True, workers=0):
        found = _calls_per_selection(pairs)
    return {path: (len(names), _wcu(w), names) for path, (names, w) in found.items()}


def accepted(selection_wcu: float, index_wcu: float) -> tuple[float, dict[str, float]]:
    """Selections per second the deployed stack accepts, by each of its limits: the smallest
    wins. `selection_wcu`: table write units of one selection (measured); `index_wcu`: each
    index's."""
    from infra.config import load_config

    cfg = load_config()
    cap = cfg.capacity
    route = cfg.api.route_throttles.get("POST /api/selections")
    concurrency = cfg.functions.reserved_concurrency.get("selection") or (
        cap.selection_concurrency()
    )
    limits = {
        "stage throttle": float(cfg.api.throttle.rate),
        "route throttle": float(route.rate if route else cfg.api.throttle.rate),
        "table warm WCU": cap.table_write_units() / selection_wcu,
        "index warm WCU": cap.index_write_units() / max(index_wcu, 1e-9),
        "reserved concurrency": concurrency / cap.selection_seconds,
    }
    return min(limits.values()), limits


def index_wcu_of_selection() -> float:
    """Index write units of one selection: the selection item is in GSI1 (by class) and GSI2
    (by school), 1 WCU each per KB; capacity.selection_index_wcu states the same per index."""
    from infra.config import load_config

    return float(load_config().capacity.selection_index_wcu)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--firstview-sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    ap.add_argument("--catalog-sizes", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--import-runs", type=int, default=3)
    args = ap.parse_args(argv)
    # The local stack's handlers run in this process: their metric lines would bury the table.
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    t0 = time.perf_counter()

    fv = _timed("first views", lambda: first_views(args.firstview_sizes))
    rb = _timed("rebuilds", lambda: rebuilds(args.catalog_sizes))
    renderer = _timed("renderer in API handlers", renderer_in_api)
    imp = _timed("handler imports", lambda: imports(args.import_runs))
    per_case = _timed("calls per use case", calls)

    def case(prefix: str) -> tuple[int, float, list[str]]:
        return next(v for k, v in per_case.items() if k.startswith(prefix))

    sel_calls, sel_wcu, sel_names = case("warm (hot path)")
    wd_calls, wd_wcu, wd_names = case("withdrawal, nobody waiting")
    bulk_calls, bulk_wcu, bulk_names = case("school bulk review")
    index_wcu = index_wcu_of_selection()
    # The measured WCU of a selection counts its index entries too: the table's part is the rest.
    rate, limits = accepted(sel_wcu - 2 * index_wcu, index_wcu)

    goals_kb = {5000: 150, 10000: 200}
    rows: list[tuple[str, str, str]] = []
    for n, r in fv.items():
        goal = f"≤ {goals_kb[n]} KB" if n in goals_kb else "-"
        now = (
            f"failed: {r['error']}"
            if "error" in r
            else f"{r['new'] / 1024:.0f} / {r['stage'] / 1024:.0f}"
        )
        rows.append((f"first view KB at {n:,} (new / stage)", goal, now))
    for n, r in rb.items():
        rows.append(
            (
                f"rebuild ÷ full at {n:,} (CPU)",
                "≤ 0.2",
                f"{r['ratio']:.3f} ({r['one_cpu']:.2f} s ÷ {r['full_cpu']:.1f} s)",
            )
        )
    rows.append(
        (
            "publish inside an API request",
            "never",
            "never: renderer not loaded by any API handler"
            if not renderer
            else f"renderer loaded: {', '.join(renderer)}",
        )
    )
    rows.append(
        (
            "handler import ÷ import boto3",
            "≤ 1.5",
            f"worst {imp['worst']:.2f} ({imp['worst_module']}, plain or Lambda env), "
            f"selection {imp['selection']:.2f} (Lambda env); "
            f"the libraries alone {imp['floor']:.2f}",
        )
    )
    binding = min(limits, key=lambda k: limits[k])
    rows.append(
        (
            "selections/s the deployment accepts",
            "≥ 2,000",
            f"{rate:,.0f} (bound by {binding}; "
            + ", ".join(f"{k} {v:,.0f}" for k, v in limits.items())
            + ")",
        )
    )
    rows.append(
        ("selection, warm: calls / WCU", "1 call", f"{sel_calls} / {sel_wcu:g} ({sel_names[0]})")
    )
    rows.append(
        (
            "school bulk review of 50: calls / WCU",
            "≤ 51, no read-back",
            f"{bulk_calls} / {bulk_wcu:g} ({bulk_names[0]} + {bulk_calls - 1} {bulk_names[-1]})",
        )
    )
    rows.append(
        (
            "withdrawal, nobody waiting: calls",
            "2, no read-back",
            f"{wd_calls} / {wd_wcu:g} WCU ({', '.join(wd_names)})",
        )
    )
    width = max(len(r[0]) for r in rows)
    gw = max(len(r[1]) for r in rows)
    print(f"{'measure':<{width}}  {'goal':<{gw}}  now")
    for measure, goal, now in rows:
        print(f"{measure:<{width}}  {goal:<{gw}}  {now}")
    print(f"(the table took {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
