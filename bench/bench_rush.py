"""Selection rush (`python -m bench.bench_rush [teachers] [clients] [fault_rate] [hot_demand]`):
thousands of simulated teachers over HTTP through the local stack (gateway, handler worker
processes, the DynamoDB endpoint), many at once, on a few popular small classes and many roomy
ones. A share of the handlers' DynamoDB calls fails on purpose (throttles, transaction
conflicts: the `ZJT_FAULT_RATE` hook in functions/common/store.py), and the popular classes'
seat counters are hot items: their transactions conflict at the share DynamoDB would cancel at
`hot_demand` selections/s each (default 2,000: 75%; `ZJT_HOT_ITEMS`).

Each simulated teacher is one sequential client: it selects one to three classes (a full
popular class: join its waitlist, as the page offers), sometimes withdraws one (freeing a seat
that goes to the waitlist head), and retries a 503 or a lost connection with the SAME
Idempotency-Key, as the site's api.js does. Afterwards every invariant is checked twice: from
the stored data, and against the clients' own log of acknowledged results (every acknowledged
selection exists in the acknowledged state; nothing exists that was neither acknowledged nor in
doubt). Prints throughput, latency percentiles, status counts and the checks.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests

SCHOOLS = 40
COUNTY = "330106"
SEAT_HOLDING = {"pending", "school_approved", "confirmed"}


@dataclass
class Op:
    teacher: str
    class_id: str
    action: str  # select | waitlist | withdraw
    status: int  # final HTTP status (0: connection lost every time)
    body: dict[str, Any]
    attempts: int
    ms: float
    busy: int = 0  # attempts answered 503 (retried with the same key)

    @property
    def acked(self) -> bool:
        return 200 <= self.status < 300

    @property
    def in_doubt(self) -> bool:
        return self.status == 0 or self.status >= 500


@dataclass
class World:
    teachers: list[str]
    popular: list[str]
    roomy: list[str]
    capacity: dict[str, int]
    items: list[dict[str, Any]] = field(default_factory=list)


def build_world(n_teachers: int, popular: int = 4, roomy: int = 40, seed: int = 7) -> World:
    """Schools, teachers and their accounts, and published projects: `popular` small classes
    (capacity 3–8) and `roomy` big ones, all in distinct weeks (no date clashes between them)."""
    from functions.common import catalog, records
    from schemas.org import School
    from schemas.people import Role, Teacher, User
    from tests.support.world import INSTITUTION, project

    rng = random.Random(seed)
    items: list[dict[str, Any]] = [records.institution_item(INSTITUTION)]
    for s in range(SCHOOLS):
        school = School(school_id=f"rs{s}", name=f"压测学校{s:02d}", region_code=COUNTY)
        items.append(records.school_item(school))
    teachers = []
    for i in range(n_teachers):
        tid = f"rt{i:05d}"
        sid = f"rs{i % SCHOOLS}"
        t = Teacher(
            teacher_id=tid,
            name=f"教师{i}",
            school_id=sid,
            region_code=COUNTY,
            stage="小学",
            subject="语文",
        )
        u = User(
            user_id=tid,
            role=Role.TEACHER,
            name=t.name,
            school_id=sid,
            region_code=COUNTY,
            teacher_id=tid,
        )
        items += [records.teacher_item(t), records.user_item(u)]
        teachers.append(tid)
    capacity: dict[str, int] = {}
    classes = []
    start = date(2024, 4, 8)
    for k in range(popular + roomy):
        cid = f"rush{k:03d}"
        cap = rng.randint(3, 8) if k < popular else 2000
        first = start + timedelta(days=3 * k)
        classes.append((cid, first, first + timedelta(days=1), cap))
        capacity[cid] = cap
    for k in range(0, len(classes), 4):
        doc = project(f"rushp{k // 4:03d}", classes[k : k + 4])
        items += catalog.seed_items(doc, with_project_item=True)
    names = [c[0] for c in classes]
    return World(teachers, names[:popular], names[popular:], capacity, items)


def _client(
    base: str, token: str, world: World, rng: random.Random, log: list[Op], lock: threading.Lock
) -> None:
    tid = jwt_sub(token)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    wants = []
    if rng.random() < 0.7:
        wants.append(rng.choice(world.popular))
    wants += rng.sample(world.roomy, rng.randint(0, 2))
    held = []
    for cid in wants:
        waitlist = cid in world.popular and rng.random() < 0.6
        op = _send(session, base, tid, cid, "waitlist" if waitlist else "select", rng)
        with lock:
            log.append(op)
        if op.acked:
            held.append(cid)
    if held and rng.random() < 0.15:
        cid = rng.choice(held)
        op = _send(session, base, tid, cid, "withdraw", rng)
        with lock:
            log.append(op)


def jwt_sub(token: str) -> str:
    import base64
    import json

    payload = token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])


def _send(
    session: requests.Session, base: str, tid: str, cid: str, action: str, rng: random.Random
) -> Op:
    """One logical request, retried with the same Idempotency-Key on 503 or a lost connection.
    Retry-After is honoured scaled down (÷10) so the benchmark stays short."""
    key = str(uuid.uuid4())
    t0 = time.perf_counter()
    status = 0
    body: dict[str, Any] = {}
    attempt = busy = 0
    for attempt in range(1, 9):  # noqa: B007 (reported)
        try:
            if action == "withdraw":
                r = session.delete(
                    f"{base}/api/selections/{cid}", headers={"Idempotency-Key": key}, timeout=60
                )
            else:
                payload: dict[str, Any] = {"class_id": cid}
                if action == "waitlist":
                    payload["waitlist"] = True
                r = session.post(
                    f"{base}/api/selections",
                    json=payload,
                    headers={"Idempotency-Key": key},
                    timeout=60,
                )
            status = r.status_code
            busy += status == 503
            body = r.json() if r.content else {}
        except requests.RequestException:
            status, body = 0, {}
        if status != 0 and status < 500:
            break
        wait = float((r.headers.get("Retry-After") if status else None) or 1) / 10
        time.sleep(wait * rng.uniform(0.5, 1.5))
    return Op(tid, cid, action, status, body, attempt, (time.perf_counter() - t0) * 1000, busy)


# --- checks ----------------------------------------------------------------------------------


def stored(table_name: str) -> list[dict[str, Any]]:
    """Every item of the table, through a client with a long read timeout (a full scan of a
    busy local endpoint takes longer than the handlers' 5-second timeout)."""
    import boto3
    from boto3.dynamodb.types import TypeDeserializer
    from botocore.config import Config

    client = boto3.client("dynamodb", config=Config(read_timeout=600, retries={"max_attempts": 1}))
    d = TypeDeserializer()
    out: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=table_name):
        out += [{k: d.deserialize(v) for k, v in i.items()} for i in page["Items"]]
    return out


def check_store(items: list[dict[str, Any]], limit: int = 3) -> list[str]:
    """Invariants from the stored data alone (SE-4, uniqueness, per-term limit, waitlist)."""
    problems: list[str] = []
    sels = [i for i in items if str(i["SK"]).startswith("SEL#")]
    by_class: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in sels:
        by_class[s["class_id"]].append(s)
    for c in (i for i in items if i["SK"] == "SEATS"):
        cid = str(c["PK"]).removeprefix("CLASS#")
        mine = by_class.get(cid, [])
        holders = [s for s in mine if s["status"] in SEAT_HOLDING]
        waiting = [s for s in mine if s["status"] == "waitlisted"]
        entries = [i for i in items if i["PK"] == c["PK"] and str(i["SK"]).startswith("WAIT#")]
        held, cap, wl = int(c["held"]), int(c["capacity"]), int(c.get("wl_len", 0))
        if not held == len(holders) <= cap:
            problems.append(f"{cid}: counter {held}, seat-holders {len(holders)}, capacity {cap}")
        if not wl == len(entries) == len(waiting):
            problems.append(
                f"{cid}: wl_len {wl}, entries {len(entries)}, waitlisted {len(waiting)}"
            )
        if entries and held != cap:
            problems.append(f"{cid}: {len(entries)} waiting while {cap - held} seats are free")
        promoted = [int(s["wl_seq"]) for s in mine if s.get("promoted")]
        still = [int(s["wl_seq"]) for s in waiting]
        if promoted and still and max(promoted) > min(still):
            problems.append(f"{cid}: promoted out of order")
    loads = {
        str(i["PK"]).removeprefix("TEACHER#"): i for i in items if str(i["SK"]).startswith("TERM#")
    }
    per_teacher: Counter[str] = Counter(
        s["teacher_id"] for s in sels if s["status"] in SEAT_HOLDING
    )
    for tid, n in per_teacher.items():
        if n > limit:
            problems.append(f"{tid}: {n} classes > limit {limit}")
        if int(loads.get(tid, {}).get("held", 0)) != n:
            problems.append(f"{tid}: load {loads.get(tid, {}).get('held')} != {n}")
    return problems


def check_log(items: list[dict[str, Any]], log: list[Op]) -> list[str]:
    """The clients' log against the stored data: every acknowledged result is stored (in a state
    it can have reached since), and nothing is stored that no client saw acknowledged or was
    left in doubt about."""
    problems: list[str] = []
    sels = {(s["teacher_id"], s["class_id"]): s for s in items if str(s["SK"]).startswith("SEL#")}
    ops: dict[tuple[str, str], list[Op]] = defaultdict(list)
    for op in log:  # one client per teacher, sequential: log order per pair is request order
        ops[(op.teacher, op.class_id)].append(op)
    for pair, seq in ops.items():
        s = sels.get(pair)
        last = seq[-1]
        if last.in_doubt:
            continue
        acked = [o for o in seq if o.acked]
        if not acked:
            if s is not None and not any(o.in_doubt for o in seq):
                problems.append(f"{pair}: stored ({s['status']}) but never acknowledged")
            continue
        final = acked[-1]
        if s is None:
            problems.append(f"{pair}: acknowledged {final.action} but not stored")
            continue
        if final is not last and any(o.in_doubt for o in seq[seq.index(final) :]):
            continue
        got = s["status"]
        if final.action == "withdraw":
            ok = got == "withdrawn"
        elif final.body.get("status") == "waitlisted":
            ok = got in ("waitlisted", "pending", "waitlist_dropped")
        else:
            ok = got == "pending"
        if not ok:
            problems.append(f"{pair}: acknowledged {final.body.get('status')} but stored {got}")
    for pair in sels:
        if pair not in ops:
            problems.append(f"{pair}: stored but no client asked")
    return problems


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else 0.0


def run(
    n_teachers: int,
    clients: int,
    fault_rate: float,
    workers: int = 2,
    quiet: bool = False,
    hot_demand: float = 0.0,
) -> dict[str, Any]:
    """Run one rush on a fresh local stack; return the figures and the problems found.

    `hot_demand` (selections/s one popular class would get at round 1's opening): every
    transaction on a popular class's seat counter is cancelled with TransactionConflict at the
    share DynamoDB would cancel at that demand (store.hot_conflict_rate: 1 - 500/D)."""
    from functions.common import keys, store
    from local.stack import running_stack

    world = build_world(n_teachers)
    hot_rate = store.hot_conflict_rate(hot_demand) if hot_demand else 0.0
    with tempfile.TemporaryDirectory() as tmp, running_stack(Path(tmp), workers=workers) as stack:
        store.batch_write(world.items)
        previous = os.environ.get(store.FAULT_RATE_ENV)
        # Workers start on first use and inherit the environment: only they get the faults.
        os.environ[store.FAULT_RATE_ENV] = str(fault_rate)
        if hot_rate:
            hot = [keys.class_seats(c)["PK"] for c in world.popular]
            os.environ[store.HOT_ITEMS_ENV] = ",".join(hot)
            os.environ[store.HOT_RATE_ENV] = str(hot_rate)
        try:
            tokens = [stack.token(t) for t in world.teachers]
            log: list[Op] = []
            lock = threading.Lock()
            seeds = random.Random(11)
            jobs = [(tok, random.Random(seeds.getrandbits(32))) for tok in tokens]
            t0 = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(lambda j: _client(stack.url, j[0], world, j[1], log, lock), jobs))
            elapsed = time.perf_counter() - t0
        finally:
            if previous is None:
                os.environ.pop(store.FAULT_RATE_ENV, None)
            else:
                os.environ[store.FAULT_RATE_ENV] = previous
            os.environ.pop(store.HOT_ITEMS_ENV, None)
            os.environ.pop(store.HOT_RATE_ENV, None)
        items = stored(stack.table_name)
    statuses = Counter(o.status for o in log)
    codes = Counter(o.body.get("code") or o.body.get("status") for o in log)
    lat = [o.ms for o in log]
    attempts = sum(o.attempts for o in log)
    popular_ops = [o for o in log if o.class_id in world.popular]
    result = {
        "hot_demand": hot_demand,
        "hot_rate": hot_rate,
        "popular_requests": len(popular_ops),
        "popular_retried": sum(1 for o in popular_ops if o.attempts > 1),
        "popular_p50_ms": _pct([o.ms for o in popular_ops], 50),
        "popular_p99_ms": _pct([o.ms for o in popular_ops], 99),
        "popular_final": dict(Counter(o.status for o in popular_ops)),
        "teachers": n_teachers,
        "clients": clients,
        "fault_rate": fault_rate,
        "requests": len(log),
        "http_attempts": attempts,
        "seconds": elapsed,
        "throughput": len(log) / elapsed,
        "p50_ms": _pct(lat, 50),
        "p95_ms": _pct(lat, 95),
        "p99_ms": _pct(lat, 99),
        "answers_503": sum(o.busy for o in log),
        "retries": attempts - len(log),
        "mean_ms": statistics.mean(lat) if lat else 0.0,
        "statuses": dict(statuses),
        "outcomes": dict(codes),
        "server_errors": sum(n for s, n in statuses.items() if s >= 500 and s != 503),
        "in_doubt": sum(1 for o in log if o.in_doubt),
        "store_problems": check_store(items),
        "log_problems": check_log(items, log),
        "popular": {c: world.capacity[c] for c in world.popular},
        "log": log,
        "items": items,
    }
    if not quiet:
        report(result)
    return result


def report(r: dict[str, Any]) -> None:
    print(
        f"rush: {r['teachers']} teachers, {r['clients']} concurrent clients, "
        f"fault rate {r['fault_rate']:.0%} of handler DynamoDB calls"
    )
    print(
        f"  {r['requests']} logical requests ({r['http_attempts']} HTTP attempts) in "
        f"{r['seconds']:.1f} s: {r['throughput']:.0f} requests/s; latency (incl. client "
        f"retries) p50 {r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms, mean {r['mean_ms']:.0f} ms"
    )
    print(f"  final HTTP statuses {r['statuses']}; outcomes {r['outcomes']}")
    if r["hot_rate"]:
        print(
            f"  hot popular classes (demand {r['hot_demand']:.0f}/s each: "
            f"{r['hot_rate']:.0%} of their transactions conflict): {r['popular_requests']} "
            f"requests, {r['popular_retried']} answered 503 at least once and retried by the "
            f"client; final statuses {r['popular_final']}; p50 {r['popular_p50_ms']:.0f} ms, "
            f"p99 {r['popular_p99_ms']:.0f} ms (client retries included, waits ÷10)"
        )
    print(f"  popular classes (capacity): {r['popular']}")
    print(f"  5xx other than 503: {r['server_errors']}; in doubt after retries: {r['in_doubt']}")
    sp, lp = r["store_problems"], r["log_problems"]
    oversold = [p for p in sp if "capacity" in p and "counter" in p]
    lost = [p for p in lp if "but not stored" in p or "but stored" in p]
    print(
        f"  classes oversold or miscounted {len(oversold)}; acknowledged results lost "
        f"{len(lost)}; latency p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms; "
        f"503 answers {r['answers_503']}; client retries {r['retries']}"
    )
    print(f"  invariants from stored data: {'OK' if not sp else sp[:10]}")
    print(f"  acknowledged results vs stored data: {'OK' if not lp else lp[:10]}")


def main() -> None:
    args = sys.argv[2:] if sys.argv[1:2] and not sys.argv[1].isdigit() else sys.argv[1:]
    n = int(args[0]) if len(args) > 0 else 2000
    clients = int(args[1]) if len(args) > 1 else 48
    rate = float(args[2]) if len(args) > 2 else 0.1
    hot = float(args[3]) if len(args) > 3 else 2000.0
    run(n, clients, 0.0 if rate == 0 else rate, hot_demand=hot)


if __name__ == "__main__":
    main()
