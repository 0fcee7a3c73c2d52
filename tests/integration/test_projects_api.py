"""Projects handlers against the DynamoDB engine (moto): application (PH-APPLY), review
(PH-REVIEW), publication (PH-PUBLISH) and changes (CH-*). Each test names the rule it proves."""

from __future__ import annotations

import io
from typing import Any

import pytest

from functions.common import catalog, keys, store
from functions.common.settings import settings
from functions.projects import store as pstore
from functions.projects.handler import lambda_handler
from functions.selection.handler import lambda_handler as selection_handler
from tests.integration.projects_world import APPLY, PUBLISH, R1, REVIEW, draft, idno, seed
from tests.support.events import FakeContext, call, http_event


@pytest.fixture(autouse=True)
def pworld(world: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # A running e2e stack names its site worker; publishing here must not start it.
    monkeypatch.delenv("ZJT_SITE_FUNCTION", raising=False)
    settings.cache_clear()
    seed()


def api(
    method: str, path: str, sub: str, body: Any = None, query: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    status, data, _ = call(
        lambda_handler, http_event(method, path, sub=sub, body=body, query=query)
    )
    return status, data


def create(sub: str = "inst-zjnu", **kw: Any) -> dict[str, Any]:
    body = kw.pop("body", None) or draft(**kw)
    status, data = api("POST", "/api/projects", sub, body)
    assert status == 201, data
    return data


def submit(rec: dict[str, Any], sub: str = "inst-zjnu") -> tuple[int, dict[str, Any]]:
    return api(
        "POST", f"/api/projects/{rec['project_id']}/submit", sub, {"version": rec["version"]}
    )


def submitted(clock_at: Any, sub: str = "inst-zjnu", **kw: Any) -> dict[str, Any]:
    clock_at(APPLY)
    status, data = submit(create(sub, **kw), sub)
    assert status == 200, data
    return data


def codes(body: dict[str, Any]) -> set[str]:
    return {e["code"] for e in body.get("errors", [])}


def fields(body: dict[str, Any]) -> set[str]:
    return {e["field"] for e in body.get("errors", [])}


def approve(rec: dict[str, Any], clock_at: Any, sub: str = "bureau-330000") -> dict[str, Any]:
    clock_at(REVIEW)
    pid = rec["project_id"]
    s, rec = api("POST", f"/api/reviews/{pid}/spot-check/draw", sub, {"version": rec["version"]})
    assert s == 200, rec
    s, rec = api(
        "POST",
        f"/api/reviews/{pid}/spot-check",
        sub,
        {"version": rec["version"], "outcome": "pass", "note": "资料齐全"},
    )
    assert s == 200, rec
    s, rec = api(
        "POST",
        f"/api/reviews/{pid}/decision",
        sub,
        {"version": rec["version"], "action": "approve"},
    )
    assert s == 200, rec
    return rec


def published(clock_at: Any, **kw: Any) -> str:
    rec = approve(submitted(clock_at, **kw), clock_at)
    clock_at(PUBLISH)
    s, body = api("POST", "/api/reviews/publish", "bureau-330000")
    assert s == 200 and rec["project_id"] in body["published"], body
    return str(rec["project_id"])


# --- application -----------------------------------------------------------------------------


def test_incomplete_draft_saves_and_submit_reports_every_problem_at_once(clock_at):
    clock_at(APPLY)
    rec = create(body={"title": "半成品"})
    assert rec["status"] == "draft"
    status, body = submit(rec)
    assert status == 422 and body["code"] == "validation_error"
    assert {
        "stage",
        "subject",
        "form",
        "credits_total",
        "fee.total",
        "leader.name",
        "leader.id_number",
        "instructors",
        "classes",
    } <= fields(body)
    assert all(e["message"] and e["code"] for e in body["errors"])
    again = pstore.get_record(rec["project_id"])
    assert again.status.value == "draft" and again.version == 1
    assert pstore.quota_used("zjnu", "2024H1") in (None, 5)


def test_saving_a_draft_needs_the_current_version(clock_at):
    clock_at(APPLY)
    rec = create()
    pid = rec["project_id"]
    ok, saved = api(
        "PUT",
        f"/api/projects/{pid}",
        "inst-zjnu",
        {"version": 1, "draft": draft(title="改过的名称研修")},
    )
    assert ok == 200 and saved["version"] == 2
    stale, body = api("PUT", f"/api/projects/{pid}", "inst-zjnu", {"version": 1, "draft": draft()})
    assert (stale, body["code"]) == (409, "stale_version")


def test_a_value_outside_the_vocabularies_is_refused_naming_its_field(clock_at):
    clock_at(APPLY)
    before = len(pstore.list_for_institution("zjnu", "2024H1"))
    status, body = api("POST", "/api/projects", "inst-zjnu", draft(field="作业设计"))
    assert (status, body["code"]) == (422, "validation_error")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("field", "not_in_vocabulary")]
    assert body["errors"][0]["message"].startswith("培训领域“作业设计”不在培训领域目录中")
    assert len(pstore.list_for_institution("zjnu", "2024H1")) == before
    rec = create()
    bad = draft(subject="书法", target={"stages": ["小学"], "subjects": ["书法"]})
    status, body = api(
        "PUT", f"/api/projects/{rec['project_id']}", "inst-zjnu", {"version": 1, "draft": bad}
    )
    assert status == 422 and fields(body) == {"subject", "target.subjects.0"}
    assert pstore.get_record(rec["project_id"]).version == 1


def test_a_saved_step_reports_what_submitting_would_report_and_submits_nothing(clock_at):
    clock_at(APPLY)
    status, rec = api(
        "POST", "/api/projects", "inst-zjnu", {"title": "半成品"}, query={"check": "true"}
    )
    assert status == 201 and rec["status"] == "draft"
    assert {"stage", "leader.name", "classes"} <= {p["field"] for p in rec["problems"]}
    assert all(p["message"] for p in rec["problems"])
    pid = rec["project_id"]
    status, saved = api(
        "PUT", f"/api/projects/{pid}", "inst-zjnu", {"version": 1, "draft": draft()}, {"check": "1"}
    )
    assert status == 200 and saved["problems"] == [] and saved["status"] == "draft"
    status, plain = api(
        "PUT", f"/api/projects/{pid}", "inst-zjnu", {"version": 2, "draft": draft()}
    )
    assert status == 200 and "problems" not in plain
    assert pstore.get_record(pid).status.value == "draft"


def test_submit_outside_the_apply_window_is_refused_PH_APPLY(clock_at):
    clock_at(APPLY)
    rec = create()
    clock_at("2024-03-12 00:00")
    status, body = submit(rec)
    assert (status, body["code"]) == (409, "outside_window")
    assert pstore.get_record(rec["project_id"]).status.value == "draft"


def test_bad_input_is_a_422_and_writes_nothing(clock_at):
    clock_at(APPLY)
    status, body = api("POST", "/api/projects", "inst-zjnu", {"title": "x", "nonsense": 1})
    assert status == 422 and body["code"] == "validation_error"
    assert pstore.list_for_institution("zjnu", "2024H1") == [
        i for i in pstore.list_for_institution("zjnu", "2024H1") if "app" not in i
    ]
    status, body = api("POST", "/api/projects", "bureau-330000", draft())
    assert (status, body["code"]) == (403, "forbidden")


def test_subject_outside_qualification_is_refused_AP_1(clock_at):
    clock_at(APPLY)
    status, body = submit(create(subject="物理"))
    assert status == 422 and "outside_qualification" in codes(body)
    assert "subject" in fields(body)


def test_leader_must_be_formal_employee_with_associate_senior_title_AP_2(clock_at):
    clock_at(APPLY)
    d = draft()
    d["leader"] = {**d["leader"], "title": "讲师", "formal_employee": False}
    d["instructors"][0] = d["leader"]
    status, body = submit(create(body=d))
    assert status == 422
    assert {"leader_title_too_low", "leader_not_employee"} <= codes(body)
    d["leader"] = {**d["leader"], "title": "副教授", "formal_employee": True}
    d["instructors"][0] = d["leader"]
    assert submit(create(body=d))[0] == 200


def test_leader_leads_at_most_4_classes_in_the_term_AP_3(clock_at):
    submitted(clock_at, leader=7, classes=3)
    assert pstore.leader_classes(idno(7), "2024H1") == 3
    status, body = submit(create(leader=7, classes=2))
    assert status == 422 and "leader_class_limit" in codes(body)
    assert pstore.leader_classes(idno(7), "2024H1") == 3
    assert submit(create(leader=7, classes=1))[0] == 200
    assert pstore.leader_classes(idno(7), "2024H1") == 4


def test_leader_limit_is_enforced_in_the_write_AP_3(clock_at, monkeypatch):
    """Even if the advisory read is wrong (a concurrent submit), the transaction refuses."""
    submitted(clock_at, leader=8, classes=4)
    monkeypatch.setattr(pstore, "leader_classes", lambda *_: 0)
    status, body = submit(create(leader=8, classes=1))
    assert (status, body["code"]) == (409, "leader_class_limit")


def test_leader_is_registered_at_one_institution_by_id_number_AP_4(clock_at):
    submitted(clock_at, leader=9)
    d = draft(inst="hznu", leader=9)
    status, body = submit(create("inst-hznu", body=d), "inst-hznu")
    assert status == 422 and "leader_other_institution" in codes(body)
    item = store.get_item(keys.leader_registration(idno(9)))
    assert item["institution_id"] == "zjnu"


def test_person_records_are_keyed_by_id_number_and_reused_AP_7(clock_at):
    submitted(clock_at, leader=10)
    status, p = api("GET", f"/api/people/{idno(110)}", "inst-hznu")
    assert status == 200 and p["name"] == "讲师甲" and "id_number" not in p
    assert p["id_number_masked"].startswith("330") and idno(110) not in str(p)
    # the same ID number entered with another name is refused, nothing written
    d = draft(leader=11)
    d["instructors"].append({**d["instructors"][1], "id_number": idno(110), "name": "别人"})
    d["instructors"][1]["id_number"] = idno(111)
    status, body = submit(create(body=d))
    assert (status, body["code"]) == (409, "person_mismatch")
    assert pstore.get_person(idno(110)).name == "讲师甲"
    bad = draft(leader=12)
    bad["instructors"][2]["id_number"] = "330106198001010000"
    status, body = submit(create(body=bad))
    assert status == 422 and "bad_id_number" in codes(body)


def test_a_record_shows_id_numbers_to_its_institution_and_only_masked_to_bureaus_AP_7(
    clock_at,
):
    rec = submitted(clock_at, leader=13)
    pid = rec["project_id"]
    mine = api("GET", f"/api/projects/{pid}", "inst-zjnu")[1]["draft"]
    assert mine["leader"]["id_number"] == idno(13)  # to edit it
    assert mine["leader"]["id_number_masked"].count("*") == 10
    clock_at(REVIEW)
    theirs = api("GET", f"/api/projects/{pid}", "bureau-330000")[1]
    listed = api("GET", "/api/reviews", "bureau-330000")[1]
    version = {"version": rec["version"]}
    drawn = api("POST", f"/api/reviews/{pid}/spot-check/draw", "bureau-330000", version)[1]
    for view in (theirs, next(p for p in listed["projects"] if p["project_id"] == pid), drawn):
        people = [view["draft"]["leader"], *view["draft"]["instructors"]]
        assert all("id_number" not in p and p["id_number_masked"] for p in people), people
        assert idno(13) not in str(view)
    # a person without a number yet has no masked one either (the key is absent, not null)
    clock_at(APPLY)
    blank = create(body={"title": "负责人待定", "leader": {"name": "待定"}})["draft"]["leader"]
    assert blank["id_number"] is None and "id_number_masked" not in blank


def _lookup(sub: str, id_number: str) -> tuple[int, dict[str, Any]]:
    event = http_event(
        "GET",
        f"/api/people/{id_number}",
        route="/api/people/{id_number}",
        sub=sub,
        path_params={"id_number": id_number},
        headers={"X-Zjt-Page": "/apply/"},
    )
    status, data, _ = call(lambda_handler, event)
    return status, data


def test_people_lookup_answers_only_what_the_application_form_needs_AP_7(clock_at):
    submitted(clock_at, leader=14)  # zjnu's application names idno(114), 讲师甲
    # While applications are open, any institution may reuse a record by its exact ID number.
    assert _lookup("inst-hznu", idno(114))[1]["name"] == "讲师甲"
    clock_at(REVIEW)
    # Afterwards only the institution whose applications name the person.
    status, body = _lookup("inst-hznu", idno(114))
    assert (status, body["code"]) == (403, "lookup_not_allowed"), body
    assert "讲师甲" not in str(body)
    status, body = _lookup("inst-zjnu", idno(114))
    assert status == 200 and body["name"] == "讲师甲"
    # Bureaus enter no plans: they search experts with masked numbers instead.
    assert _lookup("bureau-330000", idno(114))[0] == 403


def test_each_people_lookup_is_audited_with_the_id_number_masked_AP_7(clock_at):
    from functions.common import pi_audit
    from schemas.privacy import mask_id_number

    submitted(clock_at, leader=15)
    now = clock_at(APPLY)
    assert _lookup("inst-hznu", idno(115))[0] == 200
    assert _lookup("inst-hznu", idno(999))[0] == 404  # looked up, nothing found: audited too
    reads = [
        r
        for r in pi_audit.reads_on(now.date().isoformat())
        if r["reader"] == "inst-hznu" and r["route"] == "GET /api/people/{id_number}"
    ]
    # One item per lookup (the fixed test clock gives both the same instant: order by content).
    subjects = sorted((r["subjects"] for r in reads), key=str)
    assert subjects == sorted(
        [
            [{"id_masked": mask_id_number(idno(115)), "name": "讲师甲"}],
            [{"id_masked": mask_id_number(idno(999))}],
        ],
        key=str,
    )
    assert all(r["page"] == "/apply/" for r in reads)
    assert idno(115) not in str(reads)


def test_expert_search_is_for_bureaus_and_masks_id_numbers_AP_7(clock_at):
    submitted(clock_at, leader=13)
    status, body = api("GET", "/api/experts", "bureau-330000", query={"q": "专家"})
    assert status == 200 and {e["name"] for e in body["experts"]} >= {"专家乙", "专家丙"}
    assert all("id_number" not in e for e in body["experts"])
    assert api("GET", "/api/experts", "inst-zjnu")[0] == 403


def test_a_project_holds_at_most_150_credits(clock_at):
    # CR-1 caps a teacher's school-based credits per cycle (tests/integration/
    # test_credits_school_based.py), not a project: a project's limit is what it may publish.
    clock_at(APPLY)
    status, body = submit(create(field="校本研修", subject="通识", credits_total=160))
    assert status == 422 and "credits_too_high" in codes(body)
    assert "school_based_cap" not in codes(body)


def test_90_credit_project_may_run_in_segments_across_semesters_CR_2(clock_at):
    clock_at(APPLY)
    segs = [
        {"name": "第一段", "semester": "2024H1", "credits": 48},
        {"name": "第二段", "semester": "2024H2", "credits": 30},
    ]
    status, body = submit(create(credits_total=90, segments=segs))
    assert status == 422 and "segments_sum" in codes(body)
    status, body = submit(create(credits_total=48, segments=segs))
    assert "segments_not_allowed" in codes(body)
    segs[1]["credits"] = 42
    assert submit(create(credits_total=90, segments=segs))[0] == 200


def test_blended_project_keeps_online_credits_within_30_percent_CR_3(clock_at):
    clock_at(APPLY)
    status, body = submit(create(form="混合", credits_total=30, credits_online=10))
    assert status == 422 and "online_share_too_high" in codes(body)
    assert submit(create(form="混合", credits_total=30, credits_online=9))[0] == 200


def test_blended_host_must_hold_a_qualification_CR_4(clock_at):
    clock_at(APPLY)
    d = draft(inst="future", form="混合", credits_total=30, credits_online=6)
    status, body = submit(create("inst-future", body=d), "inst-future")
    assert status == 422 and "blended_host_unqualified" in codes(body)


def test_fee_items_sum_to_the_total_within_the_standard_AP_8(clock_at):
    clock_at(APPLY)
    status, body = submit(
        create(
            fee={
                "total": "1300",
                "items": [{"name": "住宿费", "amount": "400"}, {"name": "伙食费", "amount": "300"}],
            }
        )
    )
    assert status == 422 and "fee_items_sum" in codes(body)
    status, body = submit(
        create(
            fee={
                "total": "3000",
                "items": [
                    {"name": "培训费", "amount": "2000"},
                    {"name": "礼品费", "amount": "1000"},
                ],
            }
        )
    )
    assert {"fee_over_standard", "fee_item_over_standard", "fee_item_not_allowed"} <= codes(body)
    status, body = submit(create(fee={"total": "1200", "items": []}))
    assert "fee_items_missing" in codes(body)


def test_quota_of_a_new_institution_is_5_and_enforced_Q_5(clock_at):
    for i in range(5):
        submitted(clock_at, "inst-newinst", inst="newinst", leader=20 + i)
    status, body = submit(create("inst-newinst", inst="newinst", leader=30), "inst-newinst")
    assert status == 422 and "quota_exceeded" in codes(body)
    assert pstore.quota_used("newinst", "2024H1") == 5


def test_quota_is_enforced_in_the_write_Q_1(clock_at, monkeypatch):
    for i in range(5):
        submitted(clock_at, "inst-newinst", inst="newinst", leader=40 + i)
    monkeypatch.setattr(pstore, "quota_used", lambda *_: 0)
    status, body = submit(create("inst-newinst", inst="newinst", leader=50), "inst-newinst")
    assert (status, body["code"]) == (409, "quota_exceeded")


def test_b_certificate_projects_are_outside_the_quota_Q_4(clock_at):
    for i in range(5):
        submitted(clock_at, "inst-newinst", inst="newinst", leader=60 + i)
    rec = create("inst-newinst", inst="newinst", leader=70, b_certificate=True)
    assert submit(rec, "inst-newinst")[0] == 200
    assert pstore.quota_used("newinst", "2024H1") == 5


def test_seeded_projects_count_against_the_quota_Q_1(clock_at):
    """The counter is backfilled from the projects already in the table (world: 5 published)."""
    submitted(clock_at, leader=80)
    assert pstore.quota_used("zjnu", "2024H1") == 6
    s, mine = api("GET", "/api/projects", "inst-zjnu")
    assert s == 200 and mine["quota"] == {"cap": 40, "used": 6}


# --- review ----------------------------------------------------------------------------------


def test_review_list_shows_every_rule_check_in_the_bureaus_scope(clock_at):
    rec = submitted(clock_at, leader=81)
    local = submitted(clock_at, "inst-xihu", inst="xihu", leader=82)
    clock_at(REVIEW)
    s, body = api("GET", "/api/reviews", "bureau-330000")
    ids = {p["project_id"] for p in body["projects"]}
    assert rec["project_id"] in ids and local["project_id"] not in ids
    row = next(p for p in body["projects"] if p["project_id"] == rec["project_id"])
    rules = {c["rule"] for c in row["checks"]}
    assert {"AP-1", "AP-2", "AP-3", "AP-4", "AP-8", "CR-2", "CR-3", "CR-4"} <= rules
    assert "CR-1" not in rules  # a teacher's cap, not a project's
    assert all(c["ok"] for c in row["checks"])
    assert idno(81) not in str(body)
    s, county = api("GET", "/api/reviews", "bureau-330106")
    assert [p["project_id"] for p in county["projects"]] == [local["project_id"]]
    s, err = api(
        "POST",
        f"/api/reviews/{rec['project_id']}/decision",
        "bureau-330106",
        {"version": rec["version"], "action": "approve"},
    )
    assert s == 403


def _listed_pick(pid: str) -> list[str]:
    _, listed = api("GET", "/api/reviews", "bureau-330000")
    return list(next(p for p in listed["projects"] if p["project_id"] == pid)["spot_check_pick"])


def test_spot_check_is_drawn_at_review_time_once_and_recorded_with_its_outcome_AP_5(clock_at):
    rec = submitted(clock_at, leader=83)
    pid = rec["project_id"]
    clock_at(REVIEW)
    # Nothing is picked before a reviewer draws: no one can know the pick in advance.
    assert _listed_pick(pid) == []
    s, body = api(
        "POST",
        f"/api/reviews/{pid}/spot-check",
        "bureau-330000",
        {"version": rec["version"], "outcome": "pass"},
    )
    assert s == 409 and "请先随机抽取" in body["message"]

    s, drawn = api(
        "POST", f"/api/reviews/{pid}/spot-check/draw", "bureau-330000", {"version": rec["version"]}
    )
    assert s == 200, drawn
    check = drawn["spot_check"]
    names = {p["name"] for p in rec["draft"]["instructors"]}
    assert len(check["picked"]) == 2 and set(check["picked"]) <= names
    assert check["pool"] == len(names)
    assert check["drawn_by"] == "bureau-330000" and check["drawn_at"].startswith("2024-")
    assert check["outcome"] is None
    assert _listed_pick(pid) == check["picked"]

    # A second draw is refused, whatever version it carries: the pick cannot be re-rolled.
    for version in (rec["version"], drawn["version"]):
        s, body = api(
            "POST", f"/api/reviews/{pid}/spot-check/draw", "bureau-330000", {"version": version}
        )
        assert (s, body["code"]) == (409, "spot_check_drawn"), body

    s, after = api(
        "POST",
        f"/api/reviews/{pid}/spot-check",
        "bureau-330000",
        {"version": drawn["version"], "outcome": "pass", "note": "电话核实"},
    )
    assert s == 200
    assert after["spot_check"]["picked"] == check["picked"]
    assert after["spot_check"]["drawn_at"] == check["drawn_at"]
    assert after["spot_check"]["outcome"] == "pass" and after["spot_check"]["by"]
    assert _listed_pick(pid) == check["picked"]


def test_approve_needs_a_recorded_spot_check_AP_5(clock_at):
    rec = submitted(clock_at, leader=84)
    clock_at(REVIEW)
    s, body = api(
        "POST",
        f"/api/reviews/{rec['project_id']}/decision",
        "bureau-330000",
        {"version": rec["version"], "action": "approve"},
    )
    assert s == 409 and "授课教师抽查" in body["message"]


def test_two_reviewers_cannot_both_win_and_the_stale_one_is_told(clock_at):
    rec = submitted(clock_at, leader=85)
    clock_at(REVIEW)
    pid, v = rec["project_id"], rec["version"]
    first = api(
        "POST",
        f"/api/reviews/{pid}/decision",
        "bureau-330000",
        {"version": v, "action": "return", "reason": "课程安排不合理"},
    )
    second = api(
        "POST",
        f"/api/reviews/{pid}/decision",
        "bureau-330000-b",
        {"version": v, "action": "return", "reason": "重复退回"},
    )
    assert first[0] == 200 and first[1]["status"] == "returned"
    assert (second[0], second[1]["code"]) == (409, "stale_version")
    assert "刷新" in second[1]["message"]


def test_return_needs_a_reason_and_gives_back_quota_and_leader_classes(clock_at):
    rec = submitted(clock_at, leader=86, classes=2)
    used = pstore.quota_used("zjnu", "2024H1")
    clock_at(REVIEW)
    pid = rec["project_id"]
    s, body = api(
        "POST",
        f"/api/reviews/{pid}/decision",
        "bureau-330000",
        {"version": rec["version"], "action": "return"},
    )
    assert s == 422
    s, body = api(
        "POST",
        f"/api/reviews/{pid}/decision",
        "bureau-330000",
        {"version": rec["version"], "action": "return", "reason": "负责人材料不全"},
    )
    assert s == 200 and body["return_reason"] == "负责人材料不全"
    assert pstore.quota_used("zjnu", "2024H1") == used - 1
    assert pstore.leader_classes(idno(86), "2024H1") == 0
    clock_at(APPLY)
    assert submit(body)[0] == 200  # fixed and resubmitted
    assert pstore.quota_used("zjnu", "2024H1") == used


# --- publication ------------------------------------------------------------------------------


def test_publish_writes_the_catalog_items_and_drafts_stay_unpublished_PH_PUBLISH(clock_at):
    clock_at(APPLY)
    draft_rec = create(title="仍在草稿中的项目")
    pid = published(clock_at, leader=87)
    ids = {p.project_id for p in catalog.published_projects("2024H1")}
    assert pid in ids and draft_rec["project_id"] not in ids
    doc = store.get_item(keys.project_catalog(pid))["doc"]
    assert idno(87) not in doc and "id_number" not in doc
    assert "doc" not in store.get_item(keys.project(pid))  # the record and the document apart
    seats = store.get_item(keys.class_seats(f"{pid}-c1"))
    assert (seats["capacity"], seats["held"]) == (40, 0)
    assert store.get_item(keys.class_meta(f"{pid}-c1")) is not None


def test_publish_outside_its_window_is_refused(clock_at):
    rec = approve(submitted(clock_at, leader=88), clock_at)
    s, body = api("POST", "/api/reviews/publish", "bureau-330000")
    assert (s, body["code"]) == (409, "outside_window")
    assert pstore.get_record(rec["project_id"]).status.value == "approved"


# --- after publication --------------------------------------------------------------------------


def test_published_project_is_locked_CH_1(clock_at):
    pid = published(clock_at, leader=89)
    clock_at(APPLY)
    s, body = api("PUT", f"/api/projects/{pid}", "inst-zjnu", {"version": 5, "draft": draft()})
    assert (s, body["code"]) == (409, "project_locked")


def test_face_to_face_to_online_always_needs_approval_CH_2(clock_at):
    pid = published(clock_at, leader=90)
    s, c = api(
        "POST",
        f"/api/projects/{pid}/changes",
        "inst-zjnu",
        {"kind": "form", "form": "线上", "what": "改为线上直播", "why": "场地维修"},
    )
    assert s == 201 and c["status"] == "pending"
    doc = catalog.published_projects("2024H1")
    assert next(p for p in doc if p.project_id == pid).form.value == "面授"
    s, d = api(
        "POST",
        f"/api/changes/{pid}/{c['change_id']}/decision",
        "bureau-330000",
        {"approve": True, "note": "同意"},
    )
    assert s == 200 and d["status"] == "approved"
    doc = catalog.published_projects("2024H1")
    assert next(p for p in doc if p.project_id == pid).form.value == "线上"


def test_minor_change_is_applied_at_once_and_recorded_CH_1(clock_at):
    pid = published(clock_at, leader=91)
    s, c = api(
        "POST",
        f"/api/projects/{pid}/changes",
        "inst-zjnu",
        {
            "kind": "instructors",
            "instructors": ["负责人91", "专家乙"],
            "what": "调整授课教师",
            "why": "专家丙出差",
        },
    )
    assert s == 201 and c["status"] == "applied"
    doc = next(p for p in catalog.published_projects("2024H1") if p.project_id == pid)
    assert [p.name for p in doc.instructors] == ["负责人91", "专家乙"]
    # The institution's list carries them, for the next change of instructors to pick from.
    mine = next(
        p for p in api("GET", "/api/projects", "inst-zjnu")[1]["projects"] if p["project_id"] == pid
    )
    assert [p["name"] for p in mine["instructors"]] == ["负责人91", "专家乙"]


def test_approved_major_change_opens_withdrawal_rights_for_enrolled_teachers_CH_3(clock_at):
    pid = published(clock_at, leader=92)
    clock_at(R1)
    s, _, _ = call(
        selection_handler,
        http_event("POST", "/api/selections", sub="t1", body={"class_id": f"{pid}-c1"}),
    )
    assert s == 201
    s, c = api(
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
    assert s == 201 and c["major"] and c["status"] == "pending"
    assert store.get_item(keys.withdrawal_right("t1", "2024H1", pid)) is None
    s, d = api(
        "POST", f"/api/changes/{pid}/{c['change_id']}/decision", "bureau-330000", {"approve": True}
    )
    assert s == 200 and d["rights_opened"] == 1
    right = store.get_item(keys.withdrawal_right("t1", "2024H1", pid))
    assert right and "班期推迟一周" in right["reason"]
    meta = store.get_item(keys.class_meta(f"{pid}-c1"))
    assert "2024-05-20" in meta["doc"]
    assert int(store.get_item(keys.class_seats(f"{pid}-c1"))["held"]) == 1
    again = api(
        "POST", f"/api/changes/{pid}/{c['change_id']}/decision", "bureau-330000", {"approve": False}
    )
    assert again[0] == 409
    # The right lets the teacher withdraw after the selection windows have closed.
    clock_at("2024-04-05 10:00")
    s, body, _ = call(
        selection_handler,
        http_event(
            "DELETE",
            f"/api/selections/{pid}-c1",
            route="/api/selections/{class_id}",
            sub="t1",
            path_params={"class_id": f"{pid}-c1"},
        ),
    )
    assert (s, body["status"]) == (200, "withdrawn"), body
    assert int(store.get_item(keys.class_seats(f"{pid}-c1"))["held"]) == 0


def test_refused_change_changes_nothing_CH_3(clock_at):
    pid = published(clock_at, leader=93)
    s, c = api(
        "POST",
        f"/api/projects/{pid}/changes",
        "inst-zjnu",
        {
            "kind": "place",
            "class_id": f"{pid}-c1",
            "place": "杭州",
            "what": "改到杭州",
            "why": "交通",
        },
    )
    s, d = api(
        "POST",
        f"/api/changes/{pid}/{c['change_id']}/decision",
        "bureau-330000",
        {"approve": False, "note": "不同意"},
    )
    assert d["status"] == "refused"
    doc = next(p for p in catalog.published_projects("2024H1") if p.project_id == pid)
    assert doc.classes[0].place == "金华"


def test_timetable_is_published_at_least_5_days_before_the_class_CH_4(clock_at):
    d = draft(leader=94, classes=2)
    for c in d["classes"]:
        c["timetable"] = []
    pid = published(clock_at, body=d)
    clock_at("2024-05-04 10:00")  # class 1 opens 05-10: 6 days ahead; class 2 opens 05-14
    s, risks = api("GET", "/api/timetable-risks", "inst-zjnu")
    mine = [r for r in risks["classes"] if r["project_id"] == pid]
    assert [r["class_id"] for r in mine] == [f"{pid}-c1", f"{pid}-c2"]
    session = {"day": "2024-05-10", "start": "09:00", "end": "11:00", "topic": "开班"}
    s, _ = api(
        "POST",
        f"/api/projects/{pid}/classes/{pid}-c1/timetable",
        "inst-zjnu",
        {"sessions": [session]},
    )
    assert s == 200
    clock_at("2024-05-10 08:00")  # class 2 opens in 4 days: too late for a first publication
    s, body = api(
        "POST",
        f"/api/projects/{pid}/classes/{pid}-c2/timetable",
        "inst-zjnu",
        {"sessions": [{**session, "day": "2024-05-14"}]},
    )
    assert (s, body["code"]) == (409, "timetable_too_late")
    _, risks = api("GET", "/api/timetable-risks", "bureau-330000")
    late = [r for r in risks["classes"] if r["class_id"] == f"{pid}-c2"]
    assert late and late[0]["late"]


def test_every_change_is_kept_per_project_and_institution_and_exported_CH_5(clock_at):
    from openpyxl import load_workbook

    pid = published(clock_at, leader=95)
    api(
        "POST",
        f"/api/projects/{pid}/changes",
        "inst-zjnu",
        {"kind": "other", "what": "更换联系人", "why": "人事调整"},
    )
    s, body = api("GET", "/api/audit", "bureau-330000", query={"project_id": pid})
    events = [e["event"] for e in body["entries"]]
    assert events == [
        "created",
        "submitted",
        "spot_check_drawn",
        "spot_check",
        "approved",
        "published",
        "change_requested",
    ]
    s, inst = api("GET", "/api/audit", "bureau-330000", query={"institution_id": "zjnu"})
    assert {e["project_id"] for e in inst["entries"]} >= {pid}
    assert api("GET", "/api/audit", "inst-hznu", query={"institution_id": "zjnu"})[0] == 403
    resp = lambda_handler(
        http_event(
            "GET", "/api/audit", sub="bureau-330000", query={"project_id": pid, "format": "xlsx"}
        ),
        FakeContext(),
    )
    assert resp["statusCode"] == 200 and resp["isBase64Encoded"]
    import base64

    wb = load_workbook(io.BytesIO(base64.b64decode(resp["body"])))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][0] == "时间" and len(rows) == 8 and rows[6][4] == "发布"


def test_a_seeded_published_project_takes_changes_too_CH_1(clock_at):
    """Catalog items loaded in bulk (no status/version attributes) are changed the same way."""
    s, c = api(
        "POST",
        "/api/projects/p1/changes",
        "inst-zjnu",
        {
            "kind": "instructors",
            "instructors": ["张教授"],
            "what": "调整授课教师",
            "why": "原授课教师出差",
        },
    )
    assert s == 201 and c["status"] == "applied"
    s, c = api(
        "POST",
        "/api/projects/p1/changes",
        "inst-zjnu",
        {"kind": "place", "class_id": "p1-c2", "place": "杭州", "what": "改地点", "why": "场地"},
    )
    s, d = api(
        "POST", f"/api/changes/p1/{c['change_id']}/decision", "bureau-330000", {"approve": True}
    )
    assert s == 200
    doc = next(p for p in catalog.published_projects("2024H1") if p.project_id == "p1")
    assert doc.classes[1].place == "杭州"
    assert (
        api(
            "POST",
            "/api/projects/p2/changes",
            "inst-hznu",
            {"kind": "other", "what": "别人的项目", "why": "越权"},
        )[0]
        == 404
    )


def test_published_segments_are_one_project_and_enrolment_CR_2(clock_at):
    segs = [
        {"name": "第一段", "semester": "2024H1", "credits": 48},
        {"name": "第二段", "semester": "2024H2", "credits": 42},
    ]
    pid = published(clock_at, leader=96, credits_total=90, segments=segs)
    doc = next(p for p in catalog.published_projects("2024H1") if p.project_id == pid)
    assert [(s.semester, s.credits) for s in doc.segments] == [("2024H1", 48), ("2024H2", 42)]
    assert len(doc.classes) == 1  # one enrolment: teachers select the project's class once


# --- local caps (Q-6) ------------------------------------------------------------------------


def put_cap(sub: str, region: str, body: Any) -> tuple[int, dict[str, Any]]:
    return api("PUT", f"/api/projects/quotas/local/{region}", sub, body)


def caps(sub: str) -> dict[str, dict[str, Any]]:
    s, body = api("GET", "/api/projects/quotas/local", sub)
    assert s == 200, body
    return {r["region_code"]: r for r in body["regions"]}


def test_a_county_bureau_sets_its_cap_and_its_institution_submits_exactly_that_many_Q_6(
    clock_at,
):
    clock_at(APPLY)
    s, row = put_cap("bureau-330106", "330106", {"cap": 2})
    assert s == 200, row
    assert (row["cap"], row["source"], row["file_cap"], row["changed"]) == (2, "override", 12, True)
    assert row["override"]["set_by"] == "bureau-330106" and row["override"]["set_at"]
    mine = caps("bureau-330106")
    assert list(mine) == ["330106"] and mine["330106"]["cap"] == 2 and mine["330106"]["may_edit"]
    assert [i["institution_id"] for i in mine["330106"]["institutions"]] == ["xihu"]
    assert api("GET", "/api/projects", "inst-xihu")[1]["quota"] == {"cap": 2, "used": 0}
    for n in range(2):
        submitted(clock_at, "inst-xihu", inst="xihu", leader=110 + n)
    status, body = submit(create("inst-xihu", inst="xihu", leader=112), "inst-xihu")
    assert status == 422 and "quota_exceeded" in codes(body)
    assert pstore.quota_used("xihu", "2024H1") == 2


def test_the_submission_transaction_guards_the_stored_cap_Q_6(clock_at, monkeypatch):
    clock_at(APPLY)
    assert put_cap("bureau-330106", "330106", {"cap": 1})[0] == 200
    submitted(clock_at, "inst-xihu", inst="xihu", leader=120)
    monkeypatch.setattr(pstore, "quota_used", lambda *_: 0)  # the pre-check sees room
    status, body = submit(create("inst-xihu", inst="xihu", leader=121), "inst-xihu")
    assert (status, body["code"]) == (409, "quota_exceeded") and "1 个" in body["message"]


def test_a_cap_changed_after_it_was_read_cancels_the_submission_Q_6(clock_at, monkeypatch):
    """The submission re-checks, in its transaction, the stored cap it was computed from."""
    clock_at(APPLY)
    assert put_cap("bureau-330106", "330106", {"cap": 1})[0] == 200
    submitted(clock_at, "inst-xihu", inst="xihu", leader=130)
    rec = create("inst-xihu", inst="xihu", leader=131)
    with monkeypatch.context() as m:
        m.setattr(pstore, "quota_used", lambda *_: 0)
        m.setattr(pstore, "get_local_cap", lambda *_: None)  # read before the cap was set: 12
        status, body = submit(rec, "inst-xihu")
    assert (status, body["code"]) == (409, "conflict")
    assert pstore.get_record(rec["project_id"]).status.value == "draft"
    assert pstore.quota_used("xihu", "2024H1") == 1


def test_a_bureau_sets_only_its_own_regions_cap_Q_6(clock_at):
    clock_at(APPLY)
    s, body = put_cap("bureau-330106", "330212", {"cap": 3})
    assert (s, body["code"]) == (403, "outside_scope")
    s, body = put_cap("bureau-330100", "330106", {"cap": 3})  # its county's: not its own
    assert (s, body["code"]) == (403, "outside_scope")
    s, body = put_cap("inst-xihu", "330106", {"cap": 3})
    assert (s, body["code"]) == (403, "forbidden")
    assert pstore.list_local_caps("2024H1") == {}
    assert pstore.audit_for_region("2024H1", "330106") == []
    assert pstore.audit_for_region("2024H1", "330212") == []
    s, row = put_cap("bureau-330000", "330212", {"cap": 3})  # the province: any region
    assert s == 200 and row["override"]["set_by"] == "bureau-330000"
    assert caps("bureau-330212")["330212"]["cap"] == 3
    city = caps("bureau-330100")
    assert list(city)[0] == "330100" and city["330100"]["may_edit"]
    assert {"330106", "330127"} <= set(city) and "330212" not in city
    assert not city["330106"]["may_edit"]
    province = caps("bureau-330000")
    assert {"330106", "330212", "330127", "331100"} <= set(province)
    assert all(r["may_edit"] for r in province.values()) and "330000" not in province
    assert (province["330212"]["source"], province["330127"]["source"]) == ("override", "file")


@pytest.mark.parametrize(
    ("region", "body"),
    [
        ("330106", {"cap": -1}),
        ("330106", {"cap": 201}),
        ("330106", {"cap": "5"}),
        ("330106", {"cap": 2.5}),
        ("330106", {}),
        ("330106", {"cap": 5, "set_by": "someone"}),
        ("33010", {"cap": 5}),
        ("339999", {"cap": 5}),  # no such region
        ("330000", {"cap": 5}),  # the province itself has no local cap
    ],
)
def test_bad_cap_input_is_a_4xx_with_a_code_and_writes_nothing_Q_6(clock_at, region, body):
    clock_at(APPLY)
    s, err = put_cap("bureau-330000", region, body)
    assert (s, err["code"]) == (422, "validation_error") and err["message"]
    assert pstore.list_local_caps("2024H1") == {}
    assert (
        store.table().scan(
            FilterExpression="begins_with(PK, :p)", ExpressionAttributeValues={":p": "QUOTA#"}
        )["Items"]
        == []
    )


def test_lowering_a_cap_below_what_is_held_is_reported_audited_and_then_refused_Q_6(clock_at):
    from openpyxl import load_workbook

    for n in range(3):
        submitted(clock_at, "inst-xihu", inst="xihu", leader=140 + n)
    s, row = put_cap("bureau-330106", "330106", {"cap": 2})
    assert s == 200 and row["cap"] == 2
    assert "已申报 3 个" in row["warning"]
    assert [(i["institution_id"], i["used"], i["over_cap"]) for i in row["institutions"]] == [
        ("xihu", 3, True)
    ]
    assert pstore.quota_used("xihu", "2024H1") == 3  # what is held is kept
    status, body = submit(create("inst-xihu", inst="xihu", leader=143), "inst-xihu")
    assert status == 422 and "quota_exceeded" in codes(body)
    s, again = put_cap("bureau-330106", "330106", {"cap": 2})  # a retry changes nothing
    assert s == 200 and again["changed"] is False
    s, hist = api("GET", "/api/audit", "bureau-330106", query={"region_code": "330106"})
    assert s == 200 and [e["event"] for e in hist["entries"]] == ["local_cap_set"]
    entry = hist["entries"][0]
    assert "12 → 2" in entry["detail"] and "西湖区教育局" in entry["actor"]
    assert entry["event_name"] == "设置本地项目申报上限" and entry["at_text"]
    s, err = api("GET", "/api/audit", "bureau-330212", query={"region_code": "330106"})
    assert (s, err["code"]) == (403, "outside_scope")
    resp = lambda_handler(
        http_event(
            "GET",
            "/api/audit",
            sub="bureau-330000",
            query={"region_code": "330106", "format": "xlsx"},
        ),
        FakeContext(),
    )
    import base64

    rows = list(
        load_workbook(io.BytesIO(base64.b64decode(resp["body"]))).active.iter_rows(values_only=True)
    )
    assert len(rows) == 2 and rows[1][1] == "330106" and "12 → 2" in rows[1][6]


def test_two_bureaus_changing_one_cap_at_once_one_is_told_Q_6(clock_at, monkeypatch):
    clock_at(APPLY)
    assert put_cap("bureau-330106", "330106", {"cap": 5})[0] == 200
    with monkeypatch.context() as m:
        m.setattr(pstore, "get_local_cap", lambda *_: None)  # the province read before it
        s, body = put_cap("bureau-330000", "330106", {"cap": 8})
    assert (s, body["code"]) == (409, "conflict")
    assert (pstore.get_local_cap("2024H1", "330106") or pytest.fail()).cap == 5
    assert len(pstore.audit_for_region("2024H1", "330106")) == 1


# --- one responsible bureau (PH-REVIEW, CH-3, SE-3) ------------------------------------------


def expand(sub: str, class_id: str) -> tuple[int, dict[str, Any]]:
    body = {"class_id": class_id, "extra": 5, "reason": "报名人数多"}
    s, data, _ = call(
        selection_handler, http_event("POST", "/api/institution/expansions", sub=sub, body=body)
    )
    return s, data


def expansions(sub: str) -> list[str]:
    s, data, _ = call(selection_handler, http_event("GET", "/api/bureau/expansions", sub=sub))
    assert s == 200, data
    return [e["class_id"] for e in data["expansions"]]


def test_a_local_project_has_one_responsible_bureau_from_review_to_expansion_SE_3(clock_at):
    """西湖区's bureau reviews the 西湖区 institution's project, publishes it with its region
    stored on the classes, and the expansion goes to it; another county's bureau does none."""
    from functions.common import records
    from schemas.catalog import ClassInfo

    rec = submitted(clock_at, "inst-xihu", inst="xihu", leader=150)
    pid = rec["project_id"]
    clock_at(REVIEW)
    body = {"version": rec["version"], "outcome": "pass", "note": ""}
    assert api("POST", f"/api/reviews/{pid}/spot-check", "bureau-330000", body)[0] == 403
    approve(rec, clock_at, sub="bureau-330106")
    clock_at(PUBLISH)
    assert api("POST", "/api/reviews/publish", "bureau-330000")[1]["published"] == []
    assert api("POST", "/api/reviews/publish", "bureau-330106")[1]["published"] == [pid]
    doc = next(p for p in catalog.published_projects("2024H1") if p.project_id == pid)
    assert doc.bureau_region == "330106"
    info = ClassInfo.model_validate_json(records.get_class_doc(f"{pid}-c1") or "")
    assert info.bureau_region == "330106"
    clock_at("2024-03-28 10:00")  # PH-EXPAND-APPLY
    s, exp = expand("inst-xihu", f"{pid}-c1")
    assert (s, exp["bureau_region"]) == (201, "330106")
    assert expansions("bureau-330106") == [f"{pid}-c1"]
    assert expansions("bureau-330212") == []


def test_a_province_wide_project_for_one_county_stays_the_provinces_SE_3(clock_at):
    """The target no longer decides: a province-wide institution's project for 西湖区 teachers is
    the province bureau's, for its expansions as for its review (SE-3 used to give it to 西湖区)."""
    target = {"description": "西湖区小学语文教师", "region_codes": ["330106"], "stages": ["小学"]}
    pid = published(clock_at, leader=151, target=target)
    clock_at("2024-03-28 10:00")
    s, exp = expand("inst-zjnu", f"{pid}-c1")
    assert (s, exp["bureau_region"]) == (201, "330000")
    assert expansions("bureau-330106") == []
    assert expansions("bureau-330000") == [f"{pid}-c1"]
