"""Events of the projects context write their message with the change (outbox): a project
returned (with the reason), approved, published; an approved CH-3 change told to every enrolled
teacher with a withdrawal right (one fan-out item in the change's transaction). Each test also
fails the message's write and finds neither change nor message."""

from __future__ import annotations

from typing import Any

import pytest

from functions.common import keys, outbox, store
from functions.projects import store as pstore
from functions.selection.handler import lambda_handler as selection_handler
from schemas.notify import institution_party, teacher_party
from tests.integration import test_projects_api as projects
from tests.integration.projects_world import R1, REVIEW
from tests.support.events import call, http_event
from tests.support.notify import failing_messages, messages

# A project every primary-school teacher of the world may select (t1 语文, t2 数学).
ANY_SUBJECT = {"description": "全省小学教师", "stages": ["小学"], "subjects": []}

# --- projects (PH-REVIEW, PH-PUBLISH, CH-3) --------------------------------------------------


@pytest.fixture
def pworld(world: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZJT_SITE_FUNCTION", raising=False)  # never start an e2e stack's worker
    projects.seed()


def _decision(rec: dict[str, Any], body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return projects.api(
        "POST",
        f"/api/reviews/{rec['project_id']}/decision",
        "bureau-330000",
        {"version": rec["version"], **body},
    )


@pytest.mark.usefixtures("pworld")
def test_a_returned_project_tells_the_institution_the_reason_and_the_dates(clock_at):
    rec = projects.submitted(clock_at, leader=120)
    clock_at(REVIEW)
    with failing_messages() as failed:
        status, _ = _decision(rec, {"action": "return", "reason": "负责人材料不全"})
    assert failed and status >= 400
    assert pstore.get_record(rec["project_id"]).status.value == "submitted"
    assert messages() == []
    status, body = _decision(rec, {"action": "return", "reason": "负责人材料不全"})
    assert status == 200, body
    [msg] = messages(institution_party("zjnu"))
    assert msg.kind == "project_returned" and msg.critical
    assert "原因：负责人材料不全" in msg.body and "3月12日（周二）至3月17日（周日）" in msg.body
    assert msg.link == "apply/"


@pytest.mark.usefixtures("pworld")
def test_approval_and_publication_each_tell_the_institution_once(clock_at):
    pid = projects.published(clock_at, leader=121)
    kinds = [m.kind.value for m in messages(institution_party("zjnu"))]
    assert kinds == ["project_approved", "project_published"]
    published = messages(institution_party("zjnu"))[-1]
    assert published.link == f"projects/{pid}/" and "3月19日（周二）" in published.body


@pytest.mark.usefixtures("pworld")
def test_a_publication_whose_message_fails_publishes_nothing(clock_at):
    rec = projects.approve(projects.submitted(clock_at, leader=122), clock_at)
    clock_at(projects.PUBLISH)
    with failing_messages() as failed:
        status, _ = projects.api("POST", "/api/reviews/publish", "bureau-330000")
    assert failed and status >= 400
    assert pstore.get_record(rec["project_id"]).status.value == "approved"
    assert store.get_item(keys.class_seats(f"{rec['project_id']}-c1")) is None
    assert [m.kind.value for m in messages()] == ["project_approved"]


def _major_change(pid: str) -> dict[str, Any]:
    status, change = projects.api(
        "POST",
        f"/api/projects/{pid}/changes",
        "inst-zjnu",
        {
            "kind": "dates",
            "class_id": f"{pid}-c1",
            "start_date": "2024-05-20",
            "end_date": "2024-05-22",
            "what": "班期推迟一周",
            "why": "与期中考试冲突",
        },
    )
    assert status == 201 and change["major"], change
    return change


def _enrol(pid: str, *teachers: str) -> None:
    for t in teachers:
        status, _, _ = call(
            selection_handler,
            http_event("POST", "/api/selections", sub=t, body={"class_id": f"{pid}-c1"}),
        )
        assert status == 201


@pytest.mark.usefixtures("pworld")
def test_an_approved_major_change_tells_each_enrolled_teacher_with_a_withdrawal_right_CH_3(
    clock_at,
):
    pid = projects.published(clock_at, leader=123, target=ANY_SUBJECT)
    clock_at(R1)
    _enrol(pid, "t1", "t2")
    change = _major_change(pid)
    before = len(messages())
    status, body = projects.api(
        "POST",
        f"/api/changes/{pid}/{change['change_id']}/decision",
        "bureau-330000",
        {"approve": True},
    )
    assert status == 200 and body["rights_opened"] == 2, body
    for t in ("t1", "t2"):
        [msg] = messages(teacher_party(t))
        assert msg.kind == "class_changed" and msg.critical
        assert "班期推迟一周" in msg.body and "原因：与期中考试冲突" in msg.body
        assert "退选" in msg.body
        assert store.get_item(keys.withdrawal_right(t, "2024H1", pid)) is not None
    assert len(messages()) == before + 2
    assert outbox.pending_fanouts() == []  # completed right after the commit


@pytest.mark.usefixtures("pworld")
def test_a_change_whose_fan_out_fails_is_not_applied_CH_3(clock_at, monkeypatch):
    pid = projects.published(clock_at, leader=124)
    clock_at(R1)
    _enrol(pid, "t1")
    change = _major_change(pid)

    def poison(params: dict[str, Any], **_: Any) -> None:
        for op in params.get("TransactItems", []):
            put = op.get("Put")
            if put and str(put["Item"].get("PK", "")).startswith("FANOUT#"):
                put["ConditionExpression"] = "attribute_exists(PK)"

    events = store.client().meta.events
    events.register_first("before-parameter-build.dynamodb.TransactWriteItems", poison)
    try:
        status, _ = projects.api(
            "POST",
            f"/api/changes/{pid}/{change['change_id']}/decision",
            "bureau-330000",
            {"approve": True},
        )
    finally:
        events.unregister("before-parameter-build.dynamodb.TransactWriteItems", poison)
    assert status >= 400
    assert "2024-05-20" not in store.get_item(keys.class_meta(f"{pid}-c1"))["doc"]
    assert messages(teacher_party("t1")) == []
    assert store.get_item(keys.withdrawal_right("t1", "2024H1", pid)) is None


@pytest.mark.usefixtures("pworld")
def test_a_fan_out_left_by_a_dead_writer_is_completed_once_by_the_sweep_CH_3(clock_at, monkeypatch):
    pid = projects.published(clock_at, leader=125, target=ANY_SUBJECT)
    clock_at(R1)
    _enrol(pid, "t1", "t2")
    change = _major_change(pid)
    monkeypatch.setattr(outbox, "complete_pending", lambda ops: None)  # the writer dies
    status, _ = projects.api(
        "POST",
        f"/api/changes/{pid}/{change['change_id']}/decision",
        "bureau-330000",
        {"approve": True},
    )
    assert status == 200
    assert messages(teacher_party("t1")) == []
    [fan] = outbox.pending_fanouts()
    assert outbox.complete(fan) == 2
    assert outbox.complete(fan) == 0  # run twice: each message once
    assert len(messages(teacher_party("t1"))) == len(messages(teacher_party("t2"))) == 1
    assert outbox.pending_fanouts() == []
