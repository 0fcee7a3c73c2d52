"""Benchmark the site build at province scale: 1,000 and 5,000 published projects.

    python -m bench.bench_catalog [--sizes 1000 5000] [--keep DIR]

Each size is built into a fresh temporary directory (mkdocs + catalog data + search index + project pages), then
rebuilt unchanged to measure the no-op path. `fake_projects` is also the tests' data generator.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from local.synthetic import fake_project, fake_projects

__all__ = ["fake_project", "fake_projects"]


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> None:
    from build import build  # the top-level build script

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--keep", type=Path, help="build into DIR/<size> instead of a temp dir")
    args = ap.parse_args(argv)
    print(
        f"{'projects':>8} {'generate':>9} {'build':>7} {'mkdocs':>7} {'pages':>7} {'pages/s':>8} "
        f"{'rebuild':>8} {'written':>8} {'size MB':>8} {'catalog KB':>10}"
    )
    for n in args.sizes:
        t = time.perf_counter()
        projects = fake_projects(n)
        gen = time.perf_counter() - t
        with tempfile.TemporaryDirectory(prefix="zjt-bench-") as tmp:
            out = (args.keep / str(n)) if args.keep else Path(tmp) / "site"
            first = build(projects, out, "2024H1")
            again = build(projects, out, "2024H1")
            size = _dir_size(out)
            catalog_kb = _dir_size(out / "data" / "catalog") / 1024
        print(
            f"{n:>8} {gen:>8.1f}s {first.seconds:>6.1f}s {first.mkdocs_seconds:>6.1f}s "
            f"{first.render_seconds:>6.1f}s {n / first.render_seconds:>8.0f} "
            f"{again.seconds:>7.1f}s {len(again.written):>8} {size / 1e6:>8.1f} {catalog_kb:>10.0f}"
        )


if __name__ == "__main__":
    main()
