"""`python -m bench` (`make bench`): run every benchmark and print its figures."""

from __future__ import annotations

import importlib
import sys
import time

BENCHES = (
    "bench.bench_demo",
    "bench.bench_ddb",
    "bench.bench_catalog",
    "bench.bench_firstview",
    "bench.bench_selection",
    "bench.bench_import",
    "bench.bench_coldstart",
    "bench.bench_rush",
    "bench.bench_stats",
    "bench.bench_training",
    "bench.bench_reminders",
    "bench.bench_fuzz",
)
# Run only when named: issue 13's table (`python -m bench table`) re-runs parts of the above.
ON_REQUEST = ("bench.bench_table",)


def main() -> int:
    # The names pick benchmarks; each runs with its defaults (its own argv is not ours).
    only = sys.argv[1:]
    for name in BENCHES + tuple(n for n in ON_REQUEST if any(o in n for o in only)):
        if only and not any(o in name for o in only):
            continue
        print(f"\n=== {name} ===", flush=True)
        t0 = time.perf_counter()
        module = importlib.import_module(name)
        saved, sys.argv = sys.argv, [name]
        try:
            module.main()
        finally:
            sys.argv = saved
        print(f"({name} took {time.perf_counter() - t0:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
