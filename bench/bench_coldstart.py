"""Cold starts: each deployed handler's import against `import boto3`, in CPU time.

    python -m bench.bench_coldstart [--runs 7]

Every handler module the stack deploys (one per API context, the phase toggle, each worker) is
imported in a fresh interpreter, `--runs` times, from the code asset infra/ deploys (staged by
infra.assets, with its bytecode, as /var/task holds it), each time beside an `import boto3` in
the same environment; the figure is the median of those paired ratios. Twice: with a plain environment,
and with the environment variables Lambda sets (AWS_LAMBDA_FUNCTION_NAME, AWS_EXECUTION_ENV,
_HANDLER, …) plus the stack's own (POWERTOOLS_*, ZJT_*, PYDANTIC_DISABLE_PLUGINS), which switch
some libraries to their Lambda behaviour at import. Goal (issue 13): <= 1.5 for every handler.

The floor rows are the libraries alone, before any project code, each adding one to the row
above: botocore (its clients; the functions do not import boto3), pydantic (the `schemas/`
models), powertools' logger (every function: a worker's floor), powertools' HTTP resolver and
its request validation (every API handler: an API handler's floor). They are the toolkit the
brief fixes; each is imported by the handlers as it is here.

    python -m bench.bench_coldstart --baseline ../main

also measures another checkout's handlers (its code asset, staged the same way) in the same
run, module by module, and prints its Lambda-environment ratios beside this one's ("before").
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

from functions.common.routes import ROUTES, WORKERS
from infra.assets import stage_code

ROOT = Path(__file__).resolve().parent.parent
GOAL = 1.5
# Each floor adds one library to the one before it: (row name, the imports of that row).
_STEPS = [
    ("floor: botocore", "botocore.session"),
    ("  + pydantic", "pydantic.main"),
    ("  + logger (worker)", "aws_lambda_powertools.logging"),
    ("  + HTTP resolver", "aws_lambda_powertools.event_handler.api_gateway"),
    ("  + validation (API)", "aws_lambda_powertools.event_handler.openapi.params"),
]
FLOORS = [(name, ", ".join(m for _, m in _STEPS[: i + 1])) for i, (name, _) in enumerate(_STEPS)]
WORKER_FLOOR, API_FLOOR = FLOORS[2][0], FLOORS[-1][0]
PROBE = "import time; t = time.process_time(); import {module}; print(time.process_time() - t)"


def handler_modules() -> list[str]:
    contexts = sorted({r.function for r in ROUTES} | {"phases"})
    return [f"functions.{c}.handler" for c in contexts] + sorted(w.module for w in WORKERS)


def lambda_env(module: str) -> dict[str, str]:
    """What a deployed function's process sees (Lambda's variables and the stack's)."""
    name = module.split(".")[1]
    return {
        "AWS_LAMBDA_FUNCTION_NAME": f"zjtrain-{name}",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/zjtrain-{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2024/03/19/[$LATEST]0123456789abcdef",
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_REGION": "cn-northwest-1",
        "AWS_DEFAULT_REGION": "cn-northwest-1",
        "LAMBDA_TASK_ROOT": str(ROOT),
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "_HANDLER": f"{module}.lambda_handler",
        "_X_AMZN_TRACE_ID": "Root=1-65f8d2a0-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1",
        "POWERTOOLS_SERVICE_NAME": f"zjtrain-{name}",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "PYDANTIC_DISABLE_PLUGINS": "__all__",
        "ZJT_TABLE_NAME": "zjtrain",
        "ZJT_TERM": "2024H1",
    }


def _once(module: str, env: dict[str, str], code: Path) -> float:
    """CPU seconds of importing `module` from `code` in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        cwd=code,
        env={**env, "PYTHONPATH": str(code)},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def paired(module: str, env: dict[str, str], runs: int, code: Path) -> tuple[float, float]:
    """(median CPU seconds of importing `module`, median of its ratio to `import boto3`).

    Each run imports boto3 and the module one after the other (the order alternating), and
    the ratio is taken within the run: the machine's load drifts over the minutes a whole
    table takes, and a ratio of two medians taken minutes apart carried that drift."""
    times, ratios = [], []
    for i in range(runs):
        if i % 2:
            t = _once(module, env, code)
            b = _once("boto3", env, code)
        else:
            b = _once("boto3", env, code)
            t = _once(module, env, code)
        times.append(t)
        ratios.append(t / b)
    return statistics.median(times), statistics.median(ratios)


def measure(
    runs: int, code: Path | None = None, baseline: Path | None = None
) -> list[tuple[str, float, float, float, float, float | None]]:
    """(module, plain seconds, plain ratio, lambda seconds, lambda ratio, the baseline's lambda
    ratio): boto3, the floors, then each handler; `code` is this checkout's staged asset."""
    code = code or stage_code()
    skip = ("AWS_LAMBDA", "_HANDLER", "POWERTOOLS_", "ZJT_", "PYTHONPATH", "PYDANTIC_")
    base = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    some = {**base, **lambda_env("functions.platform.handler")}
    boto3_p = statistics.median(_once("boto3", base, code) for _ in range(runs))
    boto3_l = statistics.median(_once("boto3", some, code) for _ in range(runs))
    rows: list[tuple[str, float, float, float, float, float | None]] = [
        ("boto3", boto3_p, 1.0, boto3_l, 1.0, None)
    ]
    for name, modules in FLOORS:
        rows.append(
            (name, *paired(modules, base, runs, code), *paired(modules, some, runs, code), None)
        )
    for module in handler_modules():
        env = {**base, **lambda_env(module)}
        plain, lam = paired(module, base, runs, code), paired(module, env, runs, code)
        before = None
        if baseline is not None:  # measured next to this one, so both see the same load
            before = paired(module, env, runs, baseline)[1]
        rows.append((module, *plain, *lam, before))
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--baseline", type=Path, help="another checkout to measure beside this one")
    args = ap.parse_args(argv)
    baseline = None
    if args.baseline is not None:
        baseline = stage_code(args.baseline.resolve(), ROOT / "build" / "infra-baseline")
    rows = measure(args.runs, stage_code(), baseline)
    print(
        f"{'module':<34} {'plain ms':>9} {'÷ boto3':>8} {'lambda ms':>10} {'÷ boto3':>8} "
        f"{'goal':>5}" + (f" {'before':>7}" if baseline else "")
    )
    for module, plain, pr, lam, lr, before in rows:
        print(
            f"{module:<34} {plain * 1000:>9.0f} {pr:>8.2f} {lam * 1000:>10.0f} {lr:>8.2f} "
            f"{GOAL:>5}" + (f" {before:>7.2f}" if before is not None else ""),
            flush=True,
        )
    handlers = [r for r in rows if r[0].startswith("functions.")]
    worst = max(max(r[2], r[4]) for r in handlers)
    median = statistics.median(r[4] for r in handlers)
    floors = {r[0]: r[4] for r in rows if r[0] in dict(FLOORS)}
    print(
        f"handler ÷ import boto3 (lambda env): worst {worst:.2f}, median {median:.2f} "
        f"(goal <= {GOAL}; the libraries alone: a worker's {floors[WORKER_FLOOR]:.2f}, "
        f"an API handler's {floors[API_FLOOR]:.2f})"
    )
    befores = [r[5] for r in handlers if r[5] is not None]
    if befores:
        print(
            f"baseline {args.baseline} (lambda env): worst {max(befores):.2f}, "
            f"median {statistics.median(befores):.2f}"
        )


if __name__ == "__main__":
    main()
