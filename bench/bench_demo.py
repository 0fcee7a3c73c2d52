"""How long the deterministic demo world takes to build (`local.demo.demo_data`): every
`make dev`, e2e session and benchmark builds it. Budget: 2 s on one core.

Each run is a fresh process (the builders are cached per process); the figure is the build
alone, after the imports."""

from __future__ import annotations

import statistics
import subprocess
import sys

BUDGET_SECONDS = 2.0
_ONE = (
    "import time\n"
    "from local.demo import demo_data\n"
    "t = time.process_time()\n"
    "demo_data()\n"
    "print(time.process_time() - t)\n"
)


def main(runs: int = 3) -> None:
    cpu = [
        float(
            subprocess.run(
                [sys.executable, "-c", _ONE], check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(runs)
    ]
    median = statistics.median(cpu)
    verdict = "within" if median <= BUDGET_SECONDS else "OVER"
    print(
        f"demo world build: median {median:.2f} s CPU of {runs} runs "
        f"({', '.join(f'{c:.2f}' for c in cpu)}), {verdict} the {BUDGET_SECONDS:.0f}-s budget"
    )


if __name__ == "__main__":
    main()
