"""Schemathesis over the served API document at full length (issue 11): `python -m bench fuzz`.

Every operation of `GET /api/openapi.json` gets EXAMPLES generated requests (valid and invalid),
with the tokens of eight roles and none, through the local gateway to the real handlers on a
moto table with a reduced demo world (`local/fuzz.py`); the clock sits inside a different phase
window per operation. Prints the requests sent, the answers by status class and status, and each
answer >= 500 (the goal is none). `python -m bench.bench_fuzz 200` for another length.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time

EXAMPLES = 100


def main() -> None:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "CRITICAL")  # the handlers' logs are not figures
    from local import fuzz

    examples = int(sys.argv[1]) if len(sys.argv) > 1 else EXAMPLES
    t0 = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()), fuzz.world() as world:
        tally = fuzz.run(world, examples, seed=None)
    print(f"examples per operation: {examples}")
    print("\n".join(tally.lines()))
    print(f"took {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
