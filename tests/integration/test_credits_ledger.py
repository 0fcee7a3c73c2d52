"""The credit ledger against the DynamoDB engine (issue 14): a 合格 completion posts the class's
credits in the decision's own write, a correction reverses or adjusts with another entry (never
an overwrite), posting twice changes nothing, a segmented project posts each segment when it is
completed and carries the enrolment into the next (CR-2), certificates verify and are revoked
by a revision; 我的学分 and the 培训档案 read the ledger."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest

from functions.common import catalog, keys, ledger, store
from functions.credits.handler import lambda_handler as credits_handler
from schemas.catalog import Segment
from tests.integration.test_selection_workflow import (
    R1,
    R1_RECHECK,
    R1_SCHOOL,
    more_people,  # noqa: F401 (autouse fixture: the extra teachers and staff)
    recheck,
    review,
    select,
)
from tests.integration.test_training_api import inst
from tests.support import world as w
from tests.support.events import FakeContext, call, http_event
from tests.support.notify import failing_messages, messages

END = "2024-05-08 18:00"  # p1-c2 runs 05-06 … 05-08: completion may be decided
CYCLE = "2021-2025"


def credits_api(
    method: str, path: str, sub: str | None, body: Any = None, **kw: Any
) -> tuple[int, Any]:
    status, data, headers = call(
        credits_handler, http_event(method, path, sub=sub, body=body, **kw)
    )
    return status, data


def enrol(clock_at: Any, teachers: list[str], cid: str = "p1-c2") -> None:
    clock_at(R1)
    for t in teachers:
        assert select(t, cid)[0] == 201
    clock_at(R1_SCHOOL)
    review("p-s1", [(t, cid) for t in teachers], "approve")
    clock_at(R1_RECHECK)
    recheck("inst-zjnu", [(t, cid) for t in teachers], "confirm")


def decide(tid: str, outcome: str, reason: str = "补课已完成", cid: str = "p1-c2") -> dict:
    s, body = inst(
        "POST",
        "/completion",
        {"items": [{"teacher_id": tid, "outcome": outcome, "reason": reason}]},
        cid=cid,
    )
    assert s == 200, body
    return dict(body["results"][0])


def entries(tid: str) -> list[dict[str, Any]]:
    items = store.table().query(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={":pk": f"TEACHER#{tid}", ":p": keys.ledger_prefix(CYCLE)},
        ConsistentRead=True,
    )["Items"]
    return sorted((json.loads(i["doc"]) for i in items), key=lambda e: e["posted_at"])


def totals(tid: str) -> dict[str, int]:
    item = store.get_item(keys.credit_totals(tid, CYCLE), consistent=True) or {}
    return {k: int(item.get(k, 0)) for k in ("total", "online", "offline", "entries")}


def test_a_pass_posts_the_class_credits_in_the_decisions_own_write_QA_2(clock_at):
    enrol(clock_at, ["t1"])
    clock_at(END)
    assert decide("t1", "pass")["ok"]
    [e] = entries("t1")
    assert (e["source"], e["class_id"], e["offline"], e["online"]) == ("training", "p1-c2", 24, 0)
    assert e["on"] == "2024-05-08" and e["posted_by"] == "inst-zjnu"
    assert totals("t1") == {"total": 24, "online": 0, "offline": 24, "entries": 1}
    done = store.get_item(keys.completion("p1-c2", "t1"), consistent=True)
    assert done["credit_entry"] == e["entry_id"] and done["certificate"]
    # One message tells the teacher both: the decision and the credits posted.
    msgs = [
        json.loads(i["doc"])
        for i in store.table().scan()["Items"]
        if i.get("kind") == "completion_decided"
    ]
    assert len(msgs) == 1 and "24 学分" in msgs[0]["body"] and msgs[0]["link"] == "credits/"


def test_the_decision_its_credits_and_its_message_commit_together_or_not_at_all_QA_2(clock_at):
    """ "Completion decided and credits posted" is one outbox message written in the decision's
    own transaction: when the message cannot be written, neither the decision nor the credits
    are; the retry posts all three once."""
    enrol(clock_at, ["t1"])
    clock_at(END)
    with failing_messages() as failed:
        s, body = inst(
            "POST",
            "/completion",
            {"items": [{"teacher_id": "t1", "outcome": "pass", "reason": "补课已完成"}]},
            cid="p1-c2",
        )
    assert failed and (s != 200 or not body["results"][0]["ok"])
    assert entries("t1") == [] and totals("t1")["total"] == 0
    assert store.get_item(keys.completion("p1-c2", "t1"), consistent=True) is None
    assert [m for m in messages("T:t1") if m.kind == "completion_decided"] == []
    assert decide("t1", "pass")["ok"]
    assert totals("t1")["total"] == 24
    [m] = [m for m in messages("T:t1") if m.kind == "completion_decided"]
    assert "已为你登记 24 学分" in m.body and m.link == "credits/"


def test_a_correction_reverses_or_adjusts_with_new_entries_never_an_overwrite_QA_2(clock_at):
    enrol(clock_at, ["t1"])
    clock_at(END)
    decide("t1", "pass")
    assert decide("t1", "fail", "补课材料不实")["ok"]
    assert decide("t1", "pass", "复核后补课材料属实")["ok"]
    got = entries("t1")
    assert [e["offline"] for e in got] == [24, -24, 24]
    assert [e["entry_id"] for e in got] == ["C#p1-c2#v1", "C#p1-c2#v2", "C#p1-c2#v3"]
    # Each correction names the entry it corrects.
    assert [e["adjusts"] for e in got] == ["", "C#p1-c2#v1", "C#p1-c2#v2"]
    assert totals("t1") == {"total": 24, "online": 0, "offline": 24, "entries": 3}


def test_posting_the_same_decision_twice_changes_nothing_QA_2(clock_at):
    from functions.training import store as training_store
    from schemas.projects import AuditEntry
    from schemas.training import Completion

    enrol(clock_at, ["t1"])
    clock_at(END)
    decide("t1", "pass")
    assert decide("t1", "pass")["ok"]  # the same decision again: nothing new
    # The decision's write replayed as it was (a retry after a lost answer) is refused whole.
    done = Completion.model_validate(
        store.get_item(keys.completion("p1-c2", "t1"), consistent=True)
    )
    first = done.model_copy(update={"version": 1, "credit_entry": "", "certificate": ""})
    audit = AuditEntry(
        at=done.decided_at,
        project_id="p1",
        institution_id="zjnu",
        term="2024H1",
        event="completion_decided",
        actor="x",
        detail="x",
    )
    items = training_store.completion_items(first, None, audit)
    with pytest.raises(Exception, match="已被他人修改"):
        training_store.write_completion(items)
    assert totals("t1")["total"] == 24 and len(entries("t1")) == 1


def test_a_segmented_project_posts_each_segment_and_carries_the_enrolment_CR_2(clock_at):
    seg = w.project("p9", [("p9-c1", date(2024, 5, 6), date(2024, 5, 8), 30)]).model_copy(
        update={
            "credits_total": 90,
            "segments": (
                Segment(name="第一段", semester="2024H1", credits=48),
                Segment(name="第二段", semester="2024H2", credits=42),
            ),
        }
    )
    store.batch_write(catalog.seed_items(seg, with_project_item=True))
    enrol(clock_at, ["t1", "t2"], "p9-c1")
    clock_at(END)
    assert decide("t1", "pass", cid="p9-c1")["ok"]
    assert decide("t2", "fail", "缺勤过多", cid="p9-c1")["ok"]
    # The first segment's credits, not the project's 90.
    assert [e["offline"] for e in entries("t1")] == [48] and entries("t2") == []

    s, roster = credits_api(
        "GET",
        "/api/credits/segments/p9/2",
        "inst-zjnu",
        route="/api/credits/segments/{project_id}/{segment}",
        path_params={"project_id": "p9", "segment": "2"},
    )
    assert s == 200, roster
    # Carried without selecting again: only who completed the first segment.
    assert [r["teacher_id"] for r in roster["rows"]] == ["t1"] and not roster["may_decide"]

    def decide2(tid: str, outcome: str, reason: str = "") -> tuple[int, Any]:
        return credits_api(
            "POST",
            "/api/credits/segments/p9/2/completion",
            "inst-zjnu",
            {"items": [{"teacher_id": tid, "outcome": outcome, "reason": reason}]},
            route="/api/credits/segments/{project_id}/{segment}/completion",
            path_params={"project_id": "p9", "segment": "2"},
        )

    s, body = decide2("t1", "pass")
    assert (s, body["code"]) == (409, "outside_window")  # the second segment is 2024H2
    clock_at("2024-09-20 10:00")
    s, body = decide2("t2", "pass")
    assert body["results"][0]["code"] == "not_carried"
    s, body = decide2("t1", "pass")
    assert body["results"][0]["ok"], body
    assert [e["offline"] for e in entries("t1")] == [48, 42]
    assert totals("t1")["total"] == 90
    assert decide2("t1", "pass")[1]["results"][0]["ok"]  # twice: nothing new
    assert totals("t1")["total"] == 90 and len(entries("t1")) == 2


def test_certificate_verifies_with_a_masked_name_and_a_revision_revokes_it(clock_at):
    enrol(clock_at, ["t1"])
    clock_at(END)
    decide("t1", "pass")
    s, mine = credits_api("GET", "/api/credits/certificates", "t1")
    [cert] = mine["certificates"]
    code = cert["code"]
    params = {"route": "/api/credits/certificates/{code}", "path_params": {"code": code}}
    s, full = credits_api("GET", f"/api/credits/certificates/{code}", "t1", **params)
    assert s == 200 and full["valid"] and full["teacher_name"] == "王芳"
    assert full["credits"] == 24 and full["hours"] == 2.5 and full["qr_svg"].startswith("<svg")
    assert f"verify/?c={code}" in full["verify_url"]
    assert credits_api("GET", f"/api/credits/certificates/{code}", "t2", **params)[0] == 404

    vparams = {"route": "/api/verify/{code}", "path_params": {"code": code}}
    s, public = credits_api("GET", f"/api/verify/{code}", None, **vparams)
    assert s == 200 and public["valid"] and public["teacher_name"] == "王*"
    assert public["qr_svg"] == "" and "王芳" not in json.dumps(public, ensure_ascii=False)
    lower = code.lower().replace("-", "")
    assert credits_api(
        "GET", f"/api/verify/{lower}", None, route="/api/verify/{code}", path_params={"code": lower}
    )[1]["valid"]

    decide("t1", "fail", "补课材料不实")
    s, public = credits_api("GET", f"/api/verify/{code}", None, **vparams)
    assert s == 200 and not public["valid"] and "撤销" in public["status_text"]
    assert credits_api("GET", "/api/credits/certificates", "t1")[1]["certificates"] == []
    decide("t1", "pass", "复核后属实")
    [again] = credits_api("GET", "/api/credits/certificates", "t1")[1]["certificates"]
    assert again["code"] != code  # the old code stays revoked
    assert not credits_api("GET", f"/api/verify/{code}", None, **vparams)[1]["valid"]
    bad = {"route": "/api/verify/{code}", "path_params": {"code": "AAAA-BBBB-CCCC"}}
    assert credits_api("GET", "/api/verify/AAAA-BBBB-CCCC", None, **bad)[0] == 404


def test_my_credits_shows_the_cycle_against_its_requirement(clock_at):
    store.transact_write(ledger.post(_opening("t1", 100)))
    enrol(clock_at, ["t1"])
    clock_at(END)
    decide("t1", "pass")
    s, mine = credits_api("GET", "/api/credits/mine", "t1")
    assert s == 200, mine
    assert mine["cycle"]["cycle_id"] == CYCLE and mine["required"] == 360
    assert mine["totals"]["total"] == 124 and mine["remaining"] == 236
    assert mine["percent"] == pytest.approx(34.4)
    assert mine["school_based_room"] == 150
    # Steady pace: 1,223 of the cycle's 1,826 days have passed (360 × 1223 / 1826 = 241.1).
    assert mine["expected_by_now"] == 241 and mine["behind"]
    assert [e["source_text"] for e in mine["entries"]] == ["培训项目", "往期学分结转"]
    assert credits_api("GET", "/api/credits/mine", "p-s1")[0] == 403


def test_the_archive_xlsx_lists_every_entry_and_completion(clock_at):
    import base64

    from openpyxl import load_workbook

    enrol(clock_at, ["t1"])
    clock_at(END)
    decide("t1", "pass")
    resp = credits_handler(http_event("GET", "/api/credits/archive", sub="t1"), FakeContext())
    assert resp["statusCode"] == 200
    body = base64.b64decode(resp["body"]) if resp.get("isBase64Encoded") else resp["body"]
    ws = load_workbook(io.BytesIO(body)).active
    rows = [[c for c in r] for r in ws.iter_rows(values_only=True)]
    assert rows[0][:4] == ["学分周期", "日期", "类别", "内容"]
    assert any(r[2] == "培训项目" and r[7] == "24" for r in rows)
    assert any(r[0] == "结业记录" for r in rows) and any(r[2] == "合格" for r in rows)


def _opening(tid: str, n: int) -> Any:
    from tests.support.credits import entry

    return entry(tid, n)


def test_the_archive_writes_what_people_typed_as_text_never_a_formula():
    """A school-based title or note typed as a formula reaches 培训档案's xlsx as text."""
    from functions.credits import store as credits_store
    from tests.integration.test_xlsx_exports import HOSTILE, assert_no_formula, download
    from tests.support.credits import entry

    typed = entry("t1", 6).model_copy(update={"title": HOSTILE[0], "note": HOSTILE[3]})
    assert credits_store.post_entry(typed)
    data = download(credits_handler, "/api/credits/archive", "t1")
    assert_no_formula(data, HOSTILE[0], HOSTILE[3])
