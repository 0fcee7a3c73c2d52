"""Publishing at province scale: a full build against a rebuild after one project changed.

    python -m bench.bench_catalog [--sizes 5000 10000 20000] [--keep DIR]

For each size the site is published from catalog documents (JSON, as the site worker reads them
from the table) into a directory that keeps its manifest (`build.build_dir`):

- full: validate every document, run mkdocs, render every page, write the catalog data and
  the search index, save the manifest (a first publication, or one after a deployment);
- one change: one project's title changes; validate that document alone, render its page,
  rebuild the catalog parts and search files from the manifest, write what changed.

CPU time (this process) is compared: goal <= 0.2, flat in the catalog size. Also printed: the
files the change wrote (what a publication uploads and invalidates) and the documents read.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from local.synthetic import fake_project, fake_projects

__all__ = ["fake_project", "fake_projects", "measure"]

GOAL = 0.2


def _cpu(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    c, t = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - c, time.perf_counter() - t


def measure(n: int, out: Path) -> dict[str, Any]:
    from build import build_dir
    from schemas.catalog import Project

    docs = [p.model_dump_json() for p in fake_projects(n)]
    full, full_cpu, full_s = _cpu(
        lambda: build_dir([Project.model_validate_json(d) for d in docs], out, "2024H1")
    )
    changed = Project.model_validate_json(docs[n // 2])
    changed_doc = changed.model_copy(update={"title": changed.title + "（修订）"}).model_dump_json()
    one, one_cpu, one_s = _cpu(
        lambda: build_dir([Project.model_validate_json(changed_doc)], out, "2024H1", complete=False)
    )
    return {
        "n": n,
        "full_cpu": full_cpu,
        "full_s": full_s,
        "one_cpu": one_cpu,
        "one_s": one_s,
        "ratio": one_cpu / full_cpu,
        "written": len(one.written),
        "files": full.total_files,
        "read": 1,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 10000, 20000])
    ap.add_argument("--keep", type=Path, help="build into DIR/<size> instead of a temp dir")
    args = ap.parse_args(argv)
    print(
        f"{'projects':>8} {'full cpu':>9} {'full wall':>9} {'one cpu':>8} {'one wall':>8} "
        f"{'ratio':>6} {'goal':>5} {'written':>7} {'files':>7} {'docs read':>9}"
    )
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="zjt-bench-") as tmp:
            out = (args.keep / str(n)) if args.keep else Path(tmp) / "site"
            r = measure(n, out)
        print(
            f"{n:>8} {r['full_cpu']:>8.1f}s {r['full_s']:>8.1f}s {r['one_cpu']:>7.2f}s "
            f"{r['one_s']:>7.2f}s {r['ratio']:>6.3f} {GOAL:>5} {r['written']:>7} "
            f"{r['files']:>7} {r['read']:>4}/{n:<5}",
            flush=True,
        )


if __name__ == "__main__":
    main()
