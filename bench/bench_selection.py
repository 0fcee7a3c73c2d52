"""Selection at demo-data scale through the local stack (`python -m bench.bench_selection`).

Prints: latency of successful selections over HTTP (sequential p50/p95/p99, and throughput with
concurrent clients), and DynamoDB calls per selection on the cold, warm and failure paths
(target: one TransactWriteItems and no read on the warm hot path), with the write capacity each
path consumes. Requests ask for ReturnConsumedCapacity=TOTAL; moto answers an empty list for
TransactWriteItems, so WCU are also computed from the items by DynamoDB's rules (see `_wcu`).
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
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


def _size(value: Any) -> int:
    """Bytes of one attribute value by DynamoDB's item-size rules (numbers approximated as
    1 byte per 2 significant digits + 1; lists/maps 3 bytes + 1 per element)."""
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, (int, float, Decimal)):
        return len(str(value).lstrip("-").replace(".", "")) // 2 + 1
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if isinstance(value, (set, frozenset)):
        return sum(_size(v) for v in value)
    if isinstance(value, dict):
        return 3 + sum(len(k.encode()) + _size(v) + 1 for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return 3 + sum(_size(v) + 1 for v in value)
    return len(str(value))


def item_size(item: dict[str, Any]) -> int:
    return sum(len(k.encode("utf-8")) + _size(v) for k, v in item.items())


def _wcu(transact_items: list[dict[str, Any]], before: list[Any], after: list[Any]) -> float:
    """Write capacity of one TransactWriteItems by DynamoDB's rules: every item (Put, Update,
    Delete, ConditionCheck) costs 2 WCU per started KB of the larger of its before/after image,
    whether the transaction succeeds or is cancelled; each GSI whose keys the written item
    carries costs 1 WCU per KB more (only when the write happens)."""
    total = 0.0
    for _op, old, new in zip(transact_items, before, after, strict=True):
        size = max(item_size(old or {}), item_size(new or {}), 1)
        total += 2 * -(-size // 1024)
        if new and new != old:
            for gsi in ("GSI1PK", "GSI2PK"):
                if gsi in new or (old and gsi in old):
                    total += -(-size // 1024)
    return total


def _wcu_plain(before: Any, after: Any) -> float:
    """Write capacity of one UpdateItem: 1 WCU per started KB of the larger image, and as much
    again for each GSI whose keys the item carries (their projection is ALL)."""
    size = max(item_size(before or {}), item_size(after or {}), 1)
    kb = -(-size // 1024)
    gsis = sum(1 for g in ("GSI1PK", "GSI2PK") if g in (after or {}) or g in (before or {}))
    return float(kb * (1 + gsis))


def _key() -> dict[str, str]:
    """The header the pages send with every write (api.js): its idempotency record is one more
    item in the write's transaction."""
    return {"Idempotency-Key": str(uuid.uuid4())}


def _calls_per_selection(
    pairs: list[tuple[str, str]],
) -> dict[str, tuple[list[str], str]]:
    """Run the selection handler in this process and record every DynamoDB call it makes, and
    the write capacity of its transactions (reported, and computed from the items)."""
    from functions.common import records, store
    from functions.selection.handler import lambda_handler
    from tests.support.events import call, http_event

    records.clear_cache()
    seen: list[str] = []
    writes: list[dict[str, Any]] = []
    plain: list[dict[str, Any]] = []  # single-item writes (UpdateItem)
    reported: list[Any] = []
    events = store.client().meta.events
    events.register("before-call.dynamodb.*", lambda model, **_: seen.append(model.name))

    def ask_capacity(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in ("TransactWriteItems", "GetItem", "Query", "UpdateItem", "PutItem"):
            params["ReturnConsumedCapacity"] = "TOTAL"
        if model.name == "UpdateItem":
            plain.append({"key": params["Key"], "before": _get(params["Key"])})
        if model.name == "TransactWriteItems":
            items = params["TransactItems"]
            keys_ = [
                next(iter(o.values())).get("Key")
                or {k: next(iter(o.values()))["Item"][k] for k in ("PK", "SK")}
                for o in items
            ]
            writes.append({"keys": keys_, "items": items, "before": [_get(k) for k in keys_]})

    def got_capacity(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if "ConsumedCapacity" in parsed:
            reported.append((model.name, parsed["ConsumedCapacity"]))

    import boto3

    from functions.common.settings import settings

    # The benchmark's own reads use a separate client: they are not the handler's calls.
    own = boto3.resource("dynamodb").Table(settings().table_name)

    def _get(key: dict[str, str]) -> Any:
        return own.get_item(Key=key, ConsistentRead=True).get("Item")

    events.register("provide-client-params.dynamodb.*", ask_capacity)
    events.register(
        "after-call.dynamodb.*", lambda parsed, model, **kw: got_capacity(parsed, model)
    )

    def select(teacher: str, cid: str) -> tuple[int, tuple[list[str], str]]:
        seen.clear()
        writes.clear()
        plain.clear()
        reported.clear()
        status, body, _ = call(
            lambda_handler,
            http_event(
                "POST", "/api/selections", sub=teacher, body={"class_id": cid}, headers=_key()
            ),
        )
        return status, measured()

    def measured() -> tuple[list[str], str]:
        wcu = 0.0
        for w in writes:
            w["after"] = [_get(k) for k in w["keys"]]
            wcu += _wcu(w["items"], w["before"], w["after"])
        for w in plain:
            wcu += _wcu_plain(w["before"], _get(w["key"]))
        return list(
            seen
        ), f"{wcu:g} WCU computed; ReturnConsumedCapacity gave {_reported(reported)}"

    def send(method: str, path: str, sub: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        seen.clear()
        writes.clear()
        plain.clear()
        reported.clear()
        event = http_event(method, path, sub=sub, body=body, headers=_key(), **kw)
        status, _, _ = call(lambda_handler, event)
        return status, measured()

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
    out = {
        "cold (first request in a container)": cold,
        "warm (hot path)": warm,
        "failure (already selected)": again,
    }
    # A full class (its capacity set to what it holds), then the waitlist and a withdrawal
    # whose freed seat is promoted to the waitlist head in the same transaction.
    by_class: dict[str, list[str]] = {}
    for t, c in pairs[2:]:
        by_class.setdefault(c, []).append(t)
    cid, (a, b, *_) = next((c, ts) for c, ts in by_class.items() if len(ts) >= 2)
    for t in (a, b):
        call(lambda_handler, http_event("GET", "/api/selections", sub=t))  # warm their records
    assert select(a, cid)[0] == 201
    own.update_item(
        Key={"PK": f"CLASS#{cid}", "SK": "SEATS"},
        UpdateExpression="SET #cap = #held",
        ExpressionAttributeNames={"#cap": "capacity", "#held": "held"},
    )
    status, full = send("POST", "/api/selections", b, {"class_id": cid})
    assert status == 409, status
    out["failure (class full, warm)"] = full
    status, joined = send("POST", "/api/selections", b, {"class_id": cid, "waitlist": True})
    assert status == 201, status
    out["waitlist join (class full)"] = joined
    status, wd = send(
        "DELETE",
        f"/api/selections/{cid}",
        a,
        route="/api/selections/{class_id}",
        path_params={"class_id": cid},
    )
    assert status == 200, status
    out["withdrawal promoting the waitlist head"] = wd
    # A withdrawal from a class nobody waits for (the common case).
    t, c = next((t, c) for t, c in pairs[2:] if c != cid and t not in (a, b))
    call(lambda_handler, http_event("GET", "/api/selections", sub=t))
    assert select(t, c)[0] == 201
    path = "/api/selections/{class_id}"
    status, wd = send("DELETE", f"/api/selections/{c}", t, route=path, path_params={"class_id": c})
    assert status == 200, status
    out["withdrawal, nobody waiting"] = wd
    out.update(_bulk_review(send))
    return out


BULK = 50


def _bulk_review(send: Any) -> dict[str, tuple[list[str], str]]:
    """A school's bulk approval of BULK pending selections in the round-1 review window
    (a new container: the classes' records are not cached; the admin's own record is)."""
    from datetime import datetime

    from functions.common import clock, records
    from functions.selection.handler import lambda_handler
    from local.demo import demo_data
    from tests.support.events import call, http_event

    data = demo_data()
    by_school: dict[str, list[str]] = {}
    for t in data.teachers:
        by_school.setdefault(t.school_id, []).append(t.teacher_id)
    school, teachers = max(by_school.items(), key=lambda kv: len(kv[1]))
    admin = next(
        u.user_id for u in data.users if u.school_id == school and u.role == "school_admin"
    )
    refs: list[tuple[str, str]] = []
    for teacher in teachers:
        for cid in _eligible_roomy(teacher):
            status, _, _ = call(
                lambda_handler,
                http_event("POST", "/api/selections", sub=teacher, body={"class_id": cid}),
            )
            if status == 201:
                refs.append((teacher, cid))
                break
        if len(refs) == BULK:
            break
    assert len(refs) == BULK, f"{len(refs)} selections at {school}"
    shanghai = datetime.fromisoformat("2024-03-27T10:00:00+08:00")
    saved = clock._source  # the dev clock the stack installed (round 1)
    clock.set_source(lambda: shanghai)
    try:
        records.clear_cache()
        call(lambda_handler, http_event("GET", "/api/school/selections", sub=admin))
        body = {"items": [{"teacher_id": t, "class_id": c} for t, c in refs], "decision": "approve"}
        status, measured = send("POST", "/api/school/reviews", admin, body)
        assert status == 200, status
    finally:
        clock.set_source(saved)
    return {f"school bulk review of {BULK} (approve; was 101 calls, 200 WCU)": measured}


def _eligible_roomy(teacher_id: str) -> list[str]:
    data = demo_data()
    teacher = next(t for t in data.teachers if t.teacher_id == teacher_id)
    out = []
    for p in data.projects:
        for c in p.classes:
            info = ClassInfo.of(p, c)
            if c.capacity < 60:
                continue
            try:
                check_eligible(teacher, info, region_tree())
            except NotEligible:
                continue
            out.append(info.class_id)
    return out


def _reported(reported: list[Any]) -> str:
    if not reported:
        return "nothing"
    return "; ".join(f"{name}: {cap or '[]'}" for name, cap in reported)


def main() -> None:
    """Two stacks, one after the other: the DynamoDB endpoint closing every connection (as
    werkzeug does by default: boto3 reconnects for every call) and keeping them alive (local.ddb);
    the same selections timed on each. The calls per use case are counted on the second."""
    import os

    from local.ddb import KEEP_ALIVE_ENV
    from local.stack import running_stack

    data = demo_data()
    print(
        f"demo data: {len(data.teachers)} teachers, {len(data.projects)} projects, "
        f"{sum(len(p.classes) for p in data.projects)} classes"
    )
    pairs = _pairs(700)
    seq, conc, calls = pairs[:200], pairs[200:600], pairs[600:]
    figures: dict[str, tuple[float, float]] = {}
    previous = os.environ.get(KEEP_ALIVE_ENV)
    try:
        for label, flag in (("connection: close", "0"), ("keep-alive", "1")):
            os.environ[KEEP_ALIVE_ENV] = flag  # the endpoint's process inherits it
            with (
                tempfile.TemporaryDirectory() as tmp,
                running_stack(Path(tmp), seed=True, workers=2) as stack,
            ):
                _http_latency(stack, seq[:10])  # warm the worker processes
                lat = _http_latency(stack, seq[10:])
                print(
                    f"[{label}] sequential selections over HTTP (n={len(lat)}): "
                    f"p50 {_pct(lat, 50):.1f} ms, p95 {_pct(lat, 95):.1f} ms, "
                    f"p99 {_pct(lat, 99):.1f} ms, mean {statistics.mean(lat):.1f} ms"
                )
                rate, codes = _throughput(stack, conc, clients=16)
                print(
                    f"[{label}] 16 concurrent clients, {len(conc)} selections: "
                    f"{rate:.0f} selections/s, statuses {dict(codes)}"
                )
                figures[label] = (_pct(lat, 50), rate)
                if flag == "1":
                    for path, (names, wcu) in _calls_per_selection(calls).items():
                        print(f"DynamoDB calls, {path}: {len(names)} -> {', '.join(names)}; {wcu}")
    finally:
        if previous is None:
            os.environ.pop(KEEP_ALIVE_ENV, None)
        else:
            os.environ[KEEP_ALIVE_ENV] = previous
    (p50_0, r0), (p50_1, r1) = figures["connection: close"], figures["keep-alive"]
    print(
        f"keep-alive ÷ connection: close: p50 {p50_1 / p50_0:.2f}, "
        f"throughput at 16 clients {r1 / r0:.2f}"
    )


if __name__ == "__main__":
    main()
