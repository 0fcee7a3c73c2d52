"""Selection at demo-data scale through the local stack (`python -m bench.bench_selection`).

Prints: latency of successful selections over HTTP (sequential p50/p95/p99, and throughput with
concurrent clients), and DynamoDB calls per selection on the cold, warm and failure paths
(target: one TransactWriteItems and no read on the warm hot path).
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from functions.common.errors import NotEligible
from functions.selection.rules import check_eligible
from local.demo import demo_data
from schemas.catalog import ClassInfo
from schemas.people import Teacher
from schemas.regions import region_tree


def _pairs(n: int, skip: int = 0) -> list[tuple[str, str]]:
    """n (teacher, class) pairs: distinct teachers, each eligible for a roomy class."""
    data = demo_data()
    roomy = [ClassInfo.of(p, c) for p in data.projects for c in p.classes if c.capacity >= 60]
    out: list[tuple[str, str]] = []
    used: Counter[str] = Counter()
    teachers: list[Teacher] = list(data.teachers)[skip:]
    for i, t in enumerate(teachers):
        for k in range(len(roomy)):
            info = roomy[(i + k) % len(roomy)]
            if used[info.class_id] >= info.capacity:
                continue
            try:
                check_eligible(t, info, region_tree())
            except NotEligible:
                continue
            out.append((t.teacher_id, info.class_id))
            used[info.class_id] += 1
            break
        if len(out) == n:
            break
    return out


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def _http_latency(stack: Any, pairs: list[tuple[str, str]]) -> list[float]:
    s = requests.Session()
    out = []
    for teacher, cid in pairs:
        h = {
            "Authorization": f"Bearer {stack.token(teacher)}",
            "Idempotency-Key": str(uuid.uuid4()),
        }
        t0 = time.perf_counter()
        r = s.post(f"{stack.url}/api/selections", json={"class_id": cid}, headers=h, timeout=60)
        out.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 201, r.text
    return out


def _throughput(
    stack: Any, pairs: list[tuple[str, str]], clients: int
) -> tuple[float, Counter[int]]:
    tokens = {t: stack.token(t) for t, _ in pairs}

    def one(pair: tuple[str, str]) -> int:
        teacher, cid = pair
        h = {"Authorization": f"Bearer {tokens[teacher]}", "Idempotency-Key": str(uuid.uuid4())}
        return requests.post(
            f"{stack.url}/api/selections", json={"class_id": cid}, headers=h, timeout=60
        ).status_code

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        codes = Counter(pool.map(one, pairs))
    return len(pairs) / (time.perf_counter() - t0), codes


def _calls_per_selection(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Run the selection handler in this process and record every DynamoDB call it makes."""
    from functions.common import records, store
    from functions.selection.handler import lambda_handler
    from tests.support.events import call, http_event

    records.clear_cache()
    seen: list[str] = []
    store.client().meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: seen.append(model.name)
    )

    def select(teacher: str, cid: str) -> tuple[int, list[str]]:
        seen.clear()
        status, body, _ = call(
            lambda_handler,
            http_event("POST", "/api/selections", sub=teacher, body={"class_id": cid}),
        )
        if status != 201 and body.get("code") != "already_selected":
            raise RuntimeError(f"{status} {body}")
        return status, list(seen)

    (t1, c1), (t2, c2) = pairs[0], pairs[1]
    status, cold = select(t1, c1)
    assert status == 201
    # Warm: the teacher's records are cached by an earlier request of theirs (here: listing their
    # selections) and the class record by other teachers' requests (here: read directly).
    call(lambda_handler, http_event("GET", "/api/selections", sub=t2))
    records.get_class_doc(c2)
    status, warm = select(t2, c2)
    assert status == 201, status
    status, again = select(t1, c1)  # failure path: already selected
    assert status == 409
    return {
        "cold (first request in a container)": cold,
        "warm (hot path)": warm,
        "failure (already selected)": again,
    }


def main() -> None:
    from local.stack import running_stack

    with (
        tempfile.TemporaryDirectory() as tmp,
        running_stack(Path(tmp), seed=True, workers=2) as stack,
    ):
        data = demo_data()
        print(
            f"demo data: {len(data.teachers)} teachers, {len(data.projects)} projects, "
            f"{sum(len(p.classes) for p in data.projects)} classes"
        )
        pairs = _pairs(700)
        seq, conc, calls = pairs[:200], pairs[200:600], pairs[600:]
        _http_latency(stack, seq[:10])  # warm the worker processes
        lat = _http_latency(stack, seq[10:])
        print(
            f"sequential selections over HTTP (n={len(lat)}): p50 {_pct(lat, 50):.1f} ms, "
            f"p95 {_pct(lat, 95):.1f} ms, p99 {_pct(lat, 99):.1f} ms, mean {statistics.mean(lat):.1f} ms"
        )
        rate, codes = _throughput(stack, conc, clients=16)
        print(
            f"16 concurrent clients, {len(conc)} selections: {rate:.0f} selections/s, statuses {dict(codes)}"
        )
        for path, names in _calls_per_selection(calls).items():
            print(f"DynamoDB calls, {path}: {len(names)} -> {', '.join(names)}")


if __name__ == "__main__":
    main()
