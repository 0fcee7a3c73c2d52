"""Many concurrent clients race for one small class over HTTP through the local stack (gateway
worker processes, the locked DynamoDB endpoint): exactly `capacity` win (SE-4)."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from functions.common import keys, store

pytestmark = pytest.mark.e2e
RACERS = 40


def test_concurrent_clients_never_oversell_a_small_class_SE_4(stack, private_class, new_teacher):
    # A capacity-3 class of this test's own, and 40 new teachers eligible for it.
    tiny = private_class(capacity=3)
    racers = [new_teacher(like=tiny).teacher_id for _ in range(RACERS)]
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
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": f"CLASS#{tiny.class_id}"},
    )["Items"]
    assert {i["teacher_id"] for i in stored} == winners
