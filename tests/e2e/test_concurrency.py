"""Many concurrent clients race for one small class over HTTP through the local stack (gateway
worker processes, the locked DynamoDB endpoint): exactly `capacity` win (SE-4)."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from boto3.dynamodb.conditions import Key

from functions.common import keys, store
from functions.common.errors import NotEligible
from functions.selection.rules import check_eligible
from local.demo import demo_data
from schemas.catalog import ClassInfo
from schemas.regions import region_tree

pytestmark = pytest.mark.e2e
RACERS = 40


def test_concurrent_clients_never_oversell_a_small_class_SE_4(stack):
    data = demo_data()
    # A capacity-3 class nobody else in the e2e session touches, and 40 teachers eligible for it.
    tiny = [ClassInfo.of(p, c) for p in data.projects for c in p.classes if c.capacity <= 3][-1]
    racers = []
    for t in data.teachers:
        try:
            check_eligible(t, tiny, region_tree())
        except NotEligible:
            continue
        racers.append(t.teacher_id)
    racers = racers[:RACERS]
    assert len(racers) > tiny.capacity * 3
    tokens = {t: stack.token(t) for t in racers}
    start = threading.Barrier(len(racers))

    def race(teacher_id: str) -> tuple[str, int, dict]:
        start.wait()
        r = requests.post(
            f"{stack.url}/api/selections",
            json={"class_id": tiny.class_id},
            headers={
                "Authorization": f"Bearer {tokens[teacher_id]}",
                "Idempotency-Key": str(uuid.uuid4()),
            },
            timeout=60,
        )
        return teacher_id, r.status_code, r.json()

    with ThreadPoolExecutor(len(racers)) as pool:
        results = list(pool.map(race, racers))

    winners = {t for t, status, _ in results if status == 201}
    losers = [body["code"] for _, status, body in results if status != 201]
    assert len(winners) == tiny.capacity
    assert set(losers) == {"class_full"}, losers
    # The stored data agrees with what the clients were told.
    seats = store.get_item(keys.class_seats(tiny.class_id))
    assert int(seats["held"]) == tiny.capacity
    stored = store.table().query(
        IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq(f"CLASS#{tiny.class_id}")
    )["Items"]
    assert {i["teacher_id"] for i in stored} == winners
