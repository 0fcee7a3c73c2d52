"""Deadline reminders for 100,000 teachers (`python -m bench.bench_reminders [teachers]`).

Starts `local.ddb` in-process (no persistence) with the demo schools and `teachers` teachers
spread over them (a tenth holding a selection already), then fires round 1's reminder
(`r1-teachers`) the way the phase job does: `remind.start` splits the counties into batches and
each batch runs as its own worker run (here: threads, as Lambda runs them in parallel). Then it
fires it again (a retried job: nothing is written twice) and runs the send worker over the
outbox once (no addresses left: each email settles as 'nobody'). Prints time, DynamoDB calls
by operation and request units, and projects the cost per firing and per term at 600,000.

Prices (on-demand, USD list prices of us-east-1; a China region's are in CNY and of the same
order; the deployment guide uses the same): DynamoDB $0.625 per million write and $0.125 per
million read request units; Lambda
$0.20 per million requests and $0.0000166667 per GB-second.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from functions.common import records, store
from functions.common.log import logger
from functions.common.settings import settings
from functions.common.table_def import create_table_kwargs
from functions.notify import remind, send
from local import ddb
from local.demo import schools
from local.stack import configure_environment, restore_environment
from schemas.calendar import term_calendar
from schemas.people import Teacher

WRU_PRICE = 0.625 / 1e6
RRU_PRICE = 0.125 / 1e6
LAMBDA_GB_S = 0.0000166667
PROVINCE = 600_000


class Meter:
    """Counts DynamoDB calls and the request units they consume (ReturnConsumedCapacity)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.wru = 0.0
        self.rru = 0.0

    def before(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls[model.name] += 1
        if model.name in ("PutItem", "UpdateItem", "DeleteItem", "Query", "GetItem"):
            params.setdefault("ReturnConsumedCapacity", "TOTAL")
        if model.name in ("TransactWriteItems", "BatchGetItem", "BatchWriteItem"):
            params.setdefault("ReturnConsumedCapacity", "TOTAL")

    def after(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        caps = parsed.get("ConsumedCapacity") if isinstance(parsed, dict) else None
        for c in caps if isinstance(caps, list) else [caps] if caps else []:
            units = float(c.get("CapacityUnits", 0))
            if model.name in ("Query", "GetItem", "BatchGetItem"):
                self.rru += units
            else:
                self.wru += units

    def install(self) -> None:
        events = store.client().meta.events
        events.register("provide-client-params.dynamodb.*", self.before)
        events.register("after-call.dynamodb.*", self.after)

    def reset(self) -> tuple[Counter[str], float, float]:
        out = (self.calls, self.wru, self.rru)
        self.calls, self.wru, self.rru = Counter(), 0.0, 0.0
        return out


def seed(n: int) -> None:
    ss = schools()
    teachers = [
        Teacher(
            teacher_id=f"b{i:06d}",
            name=f"教师{i:06d}",
            school_id=ss[i % len(ss)].school_id,
            region_code=ss[i % len(ss)].region_code,
            stage="小学",
            subject="语文",
        )
        for i in range(n)
    ]
    items = [records.school_item(s) for s in ss] + [records.teacher_item(t) for t in teachers]
    # A tenth already selected: their school's selection index holds them.
    items += [
        {
            "PK": f"TEACHER#{t.teacher_id}",
            "SK": "SEL#2024H1#bench-c1",
            "GSI2PK": f"SCHOOL#{t.school_id}#2024H1",
            "GSI2SK": f"SEL#bench-c1#{t.teacher_id}",
            "teacher_id": t.teacher_id,
            "status": "pending",
        }
        for t in teachers[::10]
    ]
    for i in range(0, len(items), 2000):  # one writer: the local endpoint holds one lock anyway
        store.batch_write(items[i : i + 2000])


def fire(rid: str) -> tuple[float, int, int]:
    cal = term_calendar("2024H1")
    at = cal.reminder(rid).fire_times(cal)[0]
    batches: list[list[str]] = []
    runs = remind.start("2024H1", rid, at, lambda ev: batches.append(list(ev["parts"])))  # type: ignore[arg-type]
    t0 = time.perf_counter()

    def one(parts: list[str]) -> int:
        return remind.run("2024H1", rid, at, parts, lambda: 900.0, lambda rest: None).messages

    with ThreadPoolExecutor(min(8, runs)) as pool:
        written = sum(pool.map(one, batches))
    return time.perf_counter() - t0, runs, written


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    logger.setLevel("WARNING")
    with ddb.start_server("127.0.0.1", 0, None) as server:
        previous = configure_environment(server.url, "bench-remind")
        try:
            store.client().create_table(**create_table_kwargs(settings().table_name))
            t0 = time.perf_counter()
            seed(n)
            print(
                f"seeded {n:,} teachers in {len(schools())} schools: {time.perf_counter() - t0:.0f} s"
            )
            meter = Meter()
            meter.install()

            seconds, runs, written = fire("r1-teachers")
            calls, wru, rru = meter.reset()
            print(
                f"first firing: {written:,} reminders in {seconds:.0f} s over {runs} worker runs "
                f"({written / seconds:,.0f}/s); calls {dict(calls)}; {wru:,.0f} WRU, {rru:,.0f} RRU"
            )
            again_s, _, again = fire("r1-teachers")
            calls2, wru2, rru2 = meter.reset()
            print(
                f"fired again (a retried job): {again} written in {again_s:.1f} s; "
                f"calls {dict(calls2)}"
            )
            t1 = time.perf_counter()
            total = send.SendResult()
            while True:
                r = send.run(datetime.fromisoformat("2024-03-24T09:01:00+08:00"), lambda: 900.0, [])
                total.nobody += r.nobody
                if r.nobody == 0:
                    break
            send_s = time.perf_counter() - t1
            calls3, wru3, rru3 = meter.reset()
            print(
                f"send worker: {total.nobody:,} emails settled in {send_s:.0f} s "
                f"({total.nobody / max(send_s, 1e-9):,.0f}/s); calls {dict(calls3)}; "
                f"{wru3:,.0f} WRU, {rru3:,.0f} RRU"
            )
            scale = PROVINCE / n
            per_msg_w = (wru + wru3) / max(written, 1)
            per_msg_r = (rru + rru3) / max(written, 1)
            cost = scale * ((wru + wru3) * WRU_PRICE + (rru + rru3) * RRU_PRICE)
            lam = scale * (seconds + send_s) * 1.0 * LAMBDA_GB_S  # 1 GB, time as measured here
            print(
                f"per reminder: {per_msg_w:.1f} WRU + {per_msg_r:.2f} RRU (write, outbox, send "
                f"worker); projected at {PROVINCE:,} teachers (all reminded): "
                f"DynamoDB ${cost:,.2f}, Lambda ≤ ${lam:,.2f} per firing"
            )
        finally:
            restore_environment(previous)


if __name__ == "__main__":
    main()
