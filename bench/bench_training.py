"""The training weeks at class and institution scale (`python -m bench training`).

Runs the real handlers and the training worker in this process over moto's DynamoDB (the
engine the integration tests use), and prints:
- a class of 200 checking in by QR code: wall time for all 200 (sequential: the worst case for
  one warm function) against the 5-minute goal, p50/p95 per check-in, DynamoDB calls and
  capacity per check-in;
- attendance of 10,000 teachers (50 classes × 200) imported in one workbook through the
  training worker: wall time, rows per second, calls and write capacity per attendance row.

Capacity follows DynamoDB's rules: a TransactWriteItems item costs 2 WCU per started KB, an
UpdateItem 1 WCU per started KB of the larger image, an eventually consistent GetItem 0.5 RCU
per 4 KB, a strongly consistent read 1 RCU per 4 KB, a Query the same per 4 KB returned.
"""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from typing import Any

os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

from bench.bench_selection import item_size  # noqa: E402
from schemas.calendar import SHANGHAI  # noqa: E402

CLASS_SIZE = 200
CLASSES = 50
DAY1 = date(2024, 5, 13)


def _project(pid: str, n_classes: int) -> Any:
    from schemas.catalog import (
        Fee,
        Person,
        Project,
        ProjectStatus,
        Session,
        TrainingClass,
        TrainingForm,
    )

    sessions = tuple(
        Session(day=DAY1 + timedelta(days=d), start=dtime(h), end=dtime(h + 3), topic=f"专题{d}{h}")
        for d in range(3)
        for h in (8, 14)
    )
    return Project(
        project_id=pid,
        term="2024H1",
        status=ProjectStatus.PUBLISHED,
        institution_id="zjnu",
        institution_name="浙江师范大学",
        title="大单元教学设计",
        stage="小学",
        subject="语文",
        field="学科教学",
        level="骨干",
        form=TrainingForm.FACE_TO_FACE,
        credits_total=24,
        fee=Fee(total=Decimal("0")),
        leader=Person(name="张教授"),
        classes=tuple(
            TrainingClass(
                class_id=f"{pid}-c{i}",
                name=f"第{i}期",
                start_date=DAY1,
                end_date=DAY1 + timedelta(days=2),
                place="金华",
                capacity=CLASS_SIZE,
                timetable=sessions,
            )
            for i in range(1, n_classes + 1)
        ),
    )


def _seed(project: Any) -> list[tuple[str, str]]:
    """Confirmed teachers in every class of `project`; returns (teacher, class) pairs."""
    from functions.common import catalog, keys, records, store
    from schemas.people import Role, Teacher, User

    items = catalog.seed_items(project, with_project_item=True)
    items.append(
        records.user_item(
            User(user_id="inst-zjnu", role=Role.INSTITUTION, name="机构", institution_id="zjnu")
        )
    )
    pairs = []
    for k in project.classes:
        for j in range(CLASS_SIZE):
            tid = f"B{k.class_id[-3:].replace('-', '')}{j:04d}"
            pairs.append((tid, k.class_id))
            t = Teacher(
                teacher_id=tid,
                name=f"教师{j}",
                school_id="s1",
                region_code="330106",
                stage="小学",
                subject="语文",
            )
            items.append(records.teacher_item(t))
            items.append(
                records.user_item(
                    User(
                        user_id=tid,
                        role=Role.TEACHER,
                        name=t.name,
                        school_id="s1",
                        region_code="330106",
                        teacher_id=tid,
                    )
                )
            )
            items.append(
                {
                    **keys.selection(tid, "2024H1", k.class_id),
                    **keys.selection_by_class(k.class_id, tid),
                    **keys.selection_by_school("s1", "2024H1", k.class_id, tid),
                    "term": "2024H1",
                    "teacher_id": tid,
                    "class_id": k.class_id,
                    "project_id": project.project_id,
                    "project_title": project.title,
                    "class_name": k.name,
                    "institution_name": project.institution_name,
                    "start_date": k.start_date.isoformat(),
                    "end_date": k.end_date.isoformat(),
                    "school_id": "s1",
                    "region_code": "330106",
                    "round": 1,
                    "status": "confirmed",
                    "reason": "",
                    "created_at": "2024-03-20T02:00:00+00:00",
                    "updated_at": "2024-03-30T02:00:00+00:00",
                    "request_key": "",
                    "history": [{"event": "selected", "at": "2024-03-20T02:00:00+00:00"}],
                }
            )
    store.batch_write(items)
    return pairs


class Meter:
    """Counts DynamoDB calls and their capacity by the rules above (moto reports none)."""

    def __init__(self) -> None:
        from functions.common import store

        self.calls: Counter[str] = Counter()
        self.wcu = 0.0
        self.rcu = 0.0
        self.on = False
        ev = store.client().meta.events
        ev.register("provide-client-params.dynamodb.*", self._before)
        ev.register("after-call.dynamodb.*", self._after)
        self._pending: dict[str, Any] = {}

    def _before(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if self.on:
            self.calls[model.name] += 1
            self._pending = {"op": model.name, "params": dict(params)}

    def _after(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if not self.on:
            return
        p = self._pending.get("params", {})
        name = model.name
        if name == "TransactWriteItems":
            for it in p.get("TransactItems", []):
                body = next(iter(it.values()))
                item = body.get("Item") or body.get("Key") or {}
                self.wcu += 2 * max(1, -(-max(item_size(item), 700) // 1024))
        elif name in ("UpdateItem", "PutItem"):
            item = p.get("Item") or p.get("Key") or {}
            self.wcu += max(1, -(-max(item_size(item), 400) // 1024))
        elif name == "GetItem":
            size = item_size(parsed.get("Item") or {})
            self.rcu += (1 if p.get("ConsistentRead") else 0.5) * max(1, -(-size // 4096))
        elif name == "Query":
            size = sum(item_size(i) for i in parsed.get("Items", []))
            self.rcu += (1 if p.get("ConsistentRead") else 0.5) * max(1, -(-size // 4096))
        elif name == "BatchWriteItem":
            for reqs in p.get("RequestItems", {}).values():
                for r in reqs:
                    item = r.get("PutRequest", {}).get("Item", {})
                    self.wcu += max(1, -(-item_size(item) // 1024))

    def reset(self) -> None:
        self.calls.clear()
        self.wcu = self.rcu = 0.0


def _checkins(meter: Meter, pairs: list[tuple[str, str]], cid: str) -> None:
    from functions.common import clock
    from functions.training.handler import lambda_handler
    from tests.support.events import FakeContext, call, http_event

    at = datetime.combine(DAY1, dtime(8, 30), tzinfo=SHANGHAI)
    clock.set_source(lambda: at)
    s, _, _ = call(
        lambda_handler,
        http_event(
            "POST",
            f"/api/training/classes/{cid}/checkin",
            route="/api/training/classes/{class_id}/checkin",
            path_params={"class_id": cid},
            sub="inst-zjnu",
            body={"open": True},
        ),
    )
    assert s == 200
    times: list[float] = []
    started = time.perf_counter()
    meter.reset()
    meter.on = True
    for n, (tid, _c) in enumerate(pairs):
        # The 200 arrive over 5 minutes: the clock moves 1.5 s per check-in (10 code steps).
        now = at + timedelta(seconds=1.5 * n)
        clock.set_source(lambda now=now: now)
        s, _, _ = call(
            lambda_handler,
            http_event(
                "GET",
                f"/api/training/classes/{cid}/checkin/code",
                route="/api/training/classes/{class_id}/checkin/code",
                path_params={"class_id": cid},
                sub="inst-zjnu",
            ),
        )
        meter.on = False  # the QR screen's own reads are not the check-in's
        code = _code(cid, now)
        meter.on = True
        t0 = time.perf_counter()
        s, body, _ = call(
            lambda_handler,
            http_event(
                "POST", "/api/training/checkin", sub=tid, body={"class_id": cid, "code": code}
            ),
        )
        times.append(time.perf_counter() - t0)
        assert s == 200 and body["first_time"], body
    meter.on = False
    wall = time.perf_counter() - started
    n = len(pairs)
    calls = {k: round(v / n, 2) for k, v in sorted(meter.calls.items())}
    print(
        f"check-in: {n} teachers in {wall:.1f} s of compute (goal: within 5 min = 300 s) | "
        f"per check-in p50 {statistics.median(times) * 1000:.1f} ms, "
        f"p95 {sorted(times)[int(0.95 * n)] * 1000:.1f} ms"
    )
    print(
        f"check-in: calls per check-in {calls} (the check-in state is read once per 30 s code "
        f"step by a warm function; the caller's account once per cache TTL) | "
        f"{meter.wcu / n:.1f} WCU and {meter.rcu / n:.2f} RCU per check-in"
    )
    del FakeContext


def _code(cid: str, now: datetime) -> str:
    from functions.training import rules, store

    state = store.checkin_state(cid, consistent=True)
    assert state is not None
    raw = state["secret"]
    secret = bytes(raw.value) if hasattr(raw, "value") else bytes(raw)
    return rules.checkin_code(secret, cid, rules.code_step(now, 30))


def _workbook(project: Any, pairs: list[tuple[str, str]]) -> bytes:
    from functions.training import files
    from functions.training.rules import sessions_of
    from schemas.calendar import term_calendar

    tr = term_calendar("2024H1").training
    by_class: dict[str, list[str]] = {}
    for tid, cid in pairs:
        by_class.setdefault(cid, []).append(tid)
    marks = ("出勤", "出勤", "出勤", "迟到", "请假：病假", "缺勤")
    sheets = []
    for k in project.classes:
        sessions = sessions_of(k, tr)
        rows = [
            (
                tid,
                f"教师{j}",
                "实验小学",
                {s.key: marks[(j + i) % 6] for i, s in enumerate(sessions)},
            )
            for j, tid in enumerate(by_class[k.class_id])
        ]
        sheets.append(files.SheetSpec(k.class_id, f"{project.title}{k.name}", sessions, rows))
    return files.attendance_workbook(sheets)


class WorkerContext:
    """The training worker's Lambda context: its 15-minute timeout (a run that nears it hands
    over to a new one; this file fits in one)."""

    function_name = "zjtrain-training-import"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:zjtrain-training-import"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


def _attendance_import(meter: Meter, project: Any, pairs: list[tuple[str, str]]) -> None:
    from functions.common import clock
    from functions.training import service, store, worker
    from schemas.training import ImportKind, ImportStatus, TrainingImport

    at = datetime.combine(DAY1 + timedelta(days=3), dtime(9), tzinfo=SHANGHAI)
    clock.set_source(lambda: at)
    content = _workbook(project, pairs)
    job = TrainingImport(
        job_id="b" * 32,
        kind=ImportKind.ATTENDANCE,
        institution_id="zjnu",
        uploaded_by="inst-zjnu",
        file_name="考勤.xlsx",
        parts=1,
        status=ImportStatus.QUEUED,
        created_at=at,
    )
    store.create_import(job, content)
    meter.reset()
    meter.on = True
    t0 = time.perf_counter()
    out = worker.lambda_handler({"job_id": job.job_id}, WorkerContext())  # type: ignore[arg-type]
    wall = time.perf_counter() - t0
    meter.on = False
    done = store.get_import(job.job_id)
    assert done is not None and done.status == ImportStatus.DONE, out
    rows = done.total
    calls = {k: round(v / rows, 3) for k, v in sorted(meter.calls.items())}
    print(
        f"attendance import: {rows} rows ({CLASSES} classes × {CLASS_SIZE}, 6 sessions each, "
        f"{len(content) / 1e6:.2f} MB xlsx) through the worker in {wall:.1f} s "
        f"({rows / wall:.0f} rows/s), accepted {done.accepted}, rejected {done.rejected}"
    )
    print(
        f"attendance import: calls per row {calls} | {meter.wcu / rows:.2f} WCU and "
        f"{meter.rcu / rows:.3f} RCU per row (rosters are read once per class)"
    )
    del service


def main() -> None:
    from moto import mock_aws

    from functions.common import records, store
    from functions.common.settings import settings
    from functions.common.table_def import create_table_kwargs

    os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    with mock_aws():
        import boto3

        store.reset_clients()
        records.clear_cache()
        boto3.client("dynamodb").create_table(**create_table_kwargs(settings().table_name))
        meter = Meter()
        one = _project("benchqr", 1)
        pairs = _seed(one)
        _checkins(meter, pairs, one.classes[0].class_id)
        many = _project("benchatt", CLASSES)
        t0 = time.perf_counter()
        pairs = _seed(many)
        print(f"(seeded {len(pairs)} confirmed teachers in {time.perf_counter() - t0:.1f} s)")
        _attendance_import(meter, many, pairs)
        store.reset_clients()


if __name__ == "__main__":
    main()
