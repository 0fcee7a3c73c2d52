"""Two clerks submitting at once over HTTP through the local stack (gateway worker processes,
the locked DynamoDB endpoint): the quota (Q-1) and the leader's class limit (AP-3) hold, because
both are conditions of the one submitting transaction."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from functions.projects import store as pstore
from tests.integration.projects_world import draft, idno

pytestmark = pytest.mark.e2e
APPLY = "2024-03-08T10:00:00+08:00"


def _create(api: Any, user: str, body: dict[str, Any]) -> dict[str, Any]:
    r = api("POST", "/api/projects", user=user, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _race(api: Any, pairs: list[tuple[str, dict[str, Any]]]) -> list[tuple[int, dict[str, Any]]]:
    start = threading.Barrier(len(pairs))

    def go(pair: tuple[str, dict[str, Any]]) -> tuple[int, dict[str, Any]]:
        user, rec = pair
        start.wait()
        r = api(
            "POST",
            f"/api/projects/{rec['project_id']}/submit",
            user=user,
            json={"version": rec["version"]},
        )
        return r.status_code, r.json()

    with ThreadPoolExecutor(len(pairs)) as pool:
        return list(pool.map(go, pairs))


def _codes(body: dict[str, Any]) -> set[str]:
    return {body.get("code", "")} | {e["code"] for e in body.get("errors", [])}


def test_two_clerks_submitting_at_once_cannot_exceed_the_quota_Q_1(stack, api, set_clock):
    set_clock(APPLY)
    quota = api("GET", "/api/projects", user="inst-zjnu").json()["quota"]
    room = quota["cap"] - quota["used"]
    assert room >= 1
    for i in range(room - 1):  # leave exactly one slot
        rec = _create(api, "inst-zjnu", draft(leader=700 + i))
        ok = api(
            "POST",
            f"/api/projects/{rec['project_id']}/submit",
            user="inst-zjnu",
            json={"version": rec["version"]},
        )
        assert ok.status_code == 200, ok.text
    a = _create(api, "inst-zjnu", draft(leader=801))
    b = _create(api, "inst-zjnu", draft(leader=802))
    results = _race(api, [("inst-zjnu", a), ("inst-zjnu", b)])

    assert sorted(s for s, _ in results) in ([200, 409], [200, 422]), results
    loser = next(body for s, body in results if s != 200)
    assert "quota_exceeded" in _codes(loser), loser
    assert pstore.quota_used("zjnu", "2024H1") == quota["cap"]
    statuses = {pstore.get_record(r["project_id"]).status.value for r in (a, b)}
    assert statuses == {"submitted", "draft"}


def test_two_submissions_at_once_cannot_give_one_leader_a_fifth_class_AP_3(stack, api, set_clock):
    set_clock(APPLY)
    leader = 950
    first = _create(api, "inst-hznu", draft(inst="hznu", leader=leader, classes=3))
    r = api(
        "POST",
        f"/api/projects/{first['project_id']}/submit",
        user="inst-hznu",
        json={"version": first["version"]},
    )
    assert r.status_code == 200, r.text
    assert pstore.leader_classes(idno(leader), "2024H1") == 3
    a = _create(api, "inst-hznu", draft(inst="hznu", leader=leader, title="第二个项目研修班"))
    b = _create(api, "inst-hznu", draft(inst="hznu", leader=leader, title="第三个项目研修班"))
    results = _race(api, [("inst-hznu", a), ("inst-hznu", b)])

    assert sorted(s for s, _ in results) in ([200, 409], [200, 422]), results
    loser = next(body for s, body in results if s != 200)
    assert "leader_class_limit" in _codes(loser), loser
    assert pstore.leader_classes(idno(leader), "2024H1") == 4
