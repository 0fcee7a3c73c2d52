"""`make site`: render the static site from the local demo data, without a table.

python -m local.demosite [--out build/site] [--full]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from build import DEFAULT_OUT, DEFAULT_TERM, build_dir
from local.demo import demo_data


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Render the site from the demo data.")
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--term", default=DEFAULT_TERM)
    ap.add_argument("--full", action="store_true", help="render everything again")
    args = ap.parse_args(argv)
    projects = [p for p in demo_data().projects if p.term == args.term]
    print(build_dir(projects, Path(args.out), args.term, full=args.full).summary())


if __name__ == "__main__":
    main()
