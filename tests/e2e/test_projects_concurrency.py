"""Two clerks submitting at once over HTTP through the local stack (gateway worker processes,
the locked DynamoDB endpoint): the quota (Q-1) and the leader's class limit (AP-3) hold, because
both are conditions of the one submitting transaction."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from functions.projects import store as pstore
from local.demo import demo_data
from tests.e2e.conftest import serial
from tests.integration.projects_world import NAMES, draft, idno

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


def _fresh_leader() -> int:
    """A leader number (`idno`) no other test registers at another institution (AP-4)."""
    return 100_000 + serial()


def _institution_with_room(api: Any, room: int) -> tuple[str, str]:
    """A demo institution with at least `room` free quota slots (other tests submit too),
    taken from the end of the list, where no other test submits: (id, name)."""
    for inst in reversed(demo_data().institutions):
        if inst.qualification.scope.value != "province":
            continue
        quota = api("GET", "/api/projects", user=f"inst-{inst.institution_id}").json()["quota"]
        if quota["cap"] - quota["used"] >= room:
            return inst.institution_id, inst.name
    raise AssertionError(f"no institution has {room} free quota slots")


def _draft_of(inst: str, name: str, **kw: Any) -> dict[str, Any]:
    """`draft` for any demo institution: its people work there."""
    d = draft(inst="hznu", **kw)
    for person in [d["leader"], *d["instructors"]]:
        if person["organisation"] == NAMES["hznu"]:
            person["organisation"] = name
    return d


def _codes(body: dict[str, Any]) -> set[str]:
    return {body.get("code", "")} | {e["code"] for e in body.get("errors", [])}


def test_two_clerks_submitting_at_once_cannot_exceed_the_quota_Q_1(stack, api, set_clock):
    set_clock(APPLY)
    quota = api("GET", "/api/projects", user="inst-zjnu").json()["quota"]
    room = quota["cap"] - quota["used"]
    assert room >= 1
    for _ in range(room - 1):  # leave exactly one slot
        rec = _create(api, "inst-zjnu", draft(leader=_fresh_leader()))
        ok = api(
            "POST",
            f"/api/projects/{rec['project_id']}/submit",
            user="inst-zjnu",
            json={"version": rec["version"]},
        )
        assert ok.status_code == 200, ok.text
    a = _create(api, "inst-zjnu", draft(leader=_fresh_leader()))
    b = _create(api, "inst-zjnu", draft(leader=_fresh_leader()))
    results = _race(api, [("inst-zjnu", a), ("inst-zjnu", b)])

    assert sorted(s for s, _ in results) in ([200, 409], [200, 422]), results
    loser = next(body for s, body in results if s != 200)
    assert "quota_exceeded" in _codes(loser), loser
    assert pstore.quota_used("zjnu", "2024H1") == quota["cap"]
    statuses = {pstore.get_record(r["project_id"]).status.value for r in (a, b)}
    assert statuses == {"submitted", "draft"}


def test_two_submissions_at_once_cannot_give_one_leader_a_fifth_class_AP_3(stack, api, set_clock):
    set_clock(APPLY)
    leader = _fresh_leader()
    # Room for the first project and the race's winner, so only AP-3 can refuse the loser.
    iid, name = _institution_with_room(api, 2)
    user = f"inst-{iid}"
    first = _create(api, user, _draft_of(iid, name, leader=leader, classes=3))
    r = api(
        "POST",
        f"/api/projects/{first['project_id']}/submit",
        user=user,
        json={"version": first["version"]},
    )
    assert r.status_code == 200, r.text
    assert pstore.leader_classes(idno(leader), "2024H1") == 3
    a = _create(api, user, _draft_of(iid, name, leader=leader, title="第二个项目研修班"))
    b = _create(api, user, _draft_of(iid, name, leader=leader, title="第三个项目研修班"))
    results = _race(api, [(user, a), (user, b)])

    assert sorted(s for s, _ in results) in ([200, 409], [200, 422]), results
    loser = next(body for s, body in results if s != 200)
    assert "leader_class_limit" in _codes(loser), loser
    assert pstore.leader_classes(idno(leader), "2024H1") == 4
