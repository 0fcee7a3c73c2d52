"""A season stepped through with the dev clock (the local gateway firing the phase function at
every boundary it crosses, in order) ends clean: no pending seat, no open waitlist, and no
teacher holding days of a class they left (SE-1, SE-4, CH-3, PH-TRAIN)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from functions.common import clock, records, store
from local.gateway import InProcessInvoker, RunningGateway, serve
from schemas.catalog import ClassInfo
from schemas.selection import WithdrawalRight
from tests.integration.test_selection_workflow import STAFF, more_people  # noqa: F401
from tests.support import world as w

HOLDING = {"pending", "school_approved", "confirmed"}


@pytest.fixture
def gw(world: None, tmp_path: Path) -> Iterator[RunningGateway]:
    """The gateway over the moto table, running the real handlers and phase function here."""
    users = [*w.USERS, *STAFF]
    running = serve(
        tmp_path / "site",
        tmp_path / "data",
        port=0,
        quiet=True,
        invoker=InProcessInvoker(),
        phase_invoker=InProcessInvoker(timeout_seconds=900),
        accounts=lambda: users,
    )
    yield running
    running.stop()
    clock.set_source(None)


class Client:
    def __init__(self, gw: RunningGateway) -> None:
        self.gw = gw

    def clock(self, at: str) -> dict[str, Any]:
        r = requests.post(f"{self.gw.url}/api/dev/clock", json={"now": at}, timeout=120)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        assert not [f for f in body["fired"] if "error" in f], body
        return body

    def call(self, method: str, path: str, user: str, body: Any = None) -> requests.Response:
        token = self.gw.app.idp.issue(user)
        return requests.request(
            method,
            self.gw.url + path,
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )


def _days(start: str, end: str) -> set[str]:
    a, b = date.fromisoformat(start), date.fromisoformat(end)
    return {(a + timedelta(days=i)).isoformat() for i in range((b - a).days + 1)}


def test_a_season_stepped_through_with_the_dev_clock_ends_clean(gw: RunningGateway) -> None:
    c = Client(gw)
    c.clock("2024-03-19T09:00:00+08:00")
    c.clock("2024-03-20T10:00:00+08:00")
    sel = "/api/selections"
    for t, cid in (
        ("t1", "p1-c1"),
        ("t2", "p1-c1"),
        ("t6", "p2-c1"),
        ("t7", "p4-c1"),
        ("t8", "p4-c1"),
    ):
        assert c.call("POST", sel, t, {"class_id": cid}).status_code == 201
    for t in ("t4", "t5"):
        r = c.call("POST", sel, t, {"class_id": "p1-c1", "waitlist": True})
        assert r.json()["status"] == "waitlisted"
    assert c.call("DELETE", f"{sel}/p2-c1", "t6").status_code == 200

    c.clock("2024-03-27T10:00:00+08:00")
    items = [{"teacher_id": "t1", "class_id": "p1-c1"}]
    assert c.call("POST", "/api/school/reviews", "p-s1", {"items": items, "decision": "approve"}).ok
    fired = c.clock("2024-03-28T10:00:00+08:00")["fired"]
    closing = next(f for f in fired if f["phase"] == "PH-R1-SCHOOL" and f["action"] == "close")
    assert closing["closing"]["counts"] == {"school_approved": 3}  # t2, t7, t8: not reviewed

    c.clock("2024-03-30T10:00:00+08:00")
    body = {"items": [{"teacher_id": "t1", "class_id": "p1-c1"}], "decision": "confirm"}
    assert c.call("POST", "/api/institution/rechecks", "inst-zjnu", body).ok
    body = {
        "items": [{"teacher_id": "t2", "class_id": "p1-c1"}],
        "decision": "reject",
        "reason": "名额调整",
    }
    assert c.call("POST", "/api/institution/rechecks", "inst-zjnu", body).ok  # promotes t4

    c.clock("2024-03-31T10:00:00+08:00")
    assert c.call("POST", sel, "t6", {"class_id": "p5-c1"}).status_code == 201  # took part in R1

    # CH-3 in round 2: p4-c1 moves onto p5-c1's days, which t8 holds too (a clash, told); t8
    # leaves p5-c1 and keeps every day of p4-c1 (the days held are the classes' days).
    assert c.call("POST", sel, "t8", {"class_id": "p5-c1"}).status_code == 201
    change = {
        "kind": "dates",
        "class_id": "p4-c1",
        "start_date": "2024-07-15",
        "end_date": "2024-07-17",
        "what": "班期推迟两周",
        "why": "场地检修",
    }
    r = c.call("POST", "/api/projects/p4/changes", "inst-zjnu", change)
    assert r.status_code == 201, r.text
    r = c.call(
        "POST",
        f"/api/changes/p4/{r.json()['change_id']}/decision",
        "bureau-330000",
        {"approve": True},
    )
    assert r.status_code == 200, r.text
    mine = {v["class_id"]: v for v in c.call("GET", sel, "t8").json()["selections"]}
    assert mine["p4-c1"]["clash_with"] and mine["p4-c1"]["may_withdraw"]
    assert c.call("DELETE", f"{sel}/p5-c1", "t8").status_code == 200

    fired = c.clock("2024-04-04T10:00:00+08:00")["fired"]
    last = next(f for f in fired if f["phase"] == "PH-R2-RECHECK" and f["action"] == "close")
    assert last["closing"]["counts"]["waitlist_closed"] == 1  # t5

    # CH-3 during training: a withdrawal right lets t7 leave; nobody is promoted any more.
    store.put_item(
        {
            "PK": "TEACHER#t7",
            "SK": "RIGHT#2024H1#p4",
            **WithdrawalRight(
                teacher_id="t7",
                term="2024H1",
                project_id="p4",
                change_id="c1",
                reason="培训地点变更",
                granted_at=clock.now(),
            ).model_dump(mode="json"),
        }
    )
    c.clock("2024-04-20T10:00:00+08:00")
    assert c.call("DELETE", f"{sel}/p4-c1", "t7").status_code == 200
    fired = c.clock("2024-09-30T10:00:00+08:00")["fired"]
    # QA-2: the last completion sweep crossed settles every class past its deadline.
    (settled,) = [f for f in fired if f["action"] == "settle"]
    assert settled["at"] == "2024-09-16T00:05:00+08:00" and settled["settled"]["done"]

    items_ = store.table().scan()["Items"]
    records.clear_cache()  # read the classes as they are now, not as this process cached them
    sels = [i for i in items_ if i["SK"].startswith("SEL#")]
    assert not [s for s in sels if s["status"] in ("pending", "school_approved", "waitlisted")]
    assert not [i for i in items_ if i["SK"].startswith("WAIT#")]
    assert all(int(i.get("wl_len", 0)) == 0 for i in items_ if i["SK"] == "SEATS")
    for load in (i for i in items_ if i["PK"].startswith("TEACHER#") and i["SK"] == "TERM#2024H1"):
        tid = load["PK"].removeprefix("TEACHER#")
        held_ = [s for s in sels if s["teacher_id"] == tid and s["status"] in HOLDING]
        held: set[str] = set()
        for s in held_:
            info = ClassInfo.model_validate_json(records.get_class_doc(s["class_id"]) or "")
            # A selection's dates are its class's (an approved date change moved them).
            assert (s["start_date"], s["end_date"]) == (
                info.start_date.isoformat(),
                info.end_date.isoformat(),
            ), (tid, s["class_id"])
            held |= _days(s["start_date"], s["end_date"])
        assert set(load.get("days", set())) == held, tid
        assert int(load.get("held", 0)) == len(held_), tid
    # Nobody confirmed in a finished class is left without a completion (QA-2).
    done = {(i["teacher_id"], i["class_id"]) for i in items_ if i["SK"].startswith("DONE#")}
    undecided = {
        (s["teacher_id"], s["class_id"]) for s in sels if s["status"] == "confirmed"
    } - done
    assert not undecided and done
    status = {(s["teacher_id"], s["class_id"]): s["status"] for s in sels}
    assert status[("t4", "p1-c1")] == "confirmed" and status[("t5", "p1-c1")] == "waitlist_closed"
    assert status[("t7", "p4-c1")] == "withdrawn" and status[("t6", "p5-c1")] == "confirmed"
    assert status[("t8", "p4-c1")] == "confirmed" and status[("t8", "p5-c1")] == "withdrawn"
