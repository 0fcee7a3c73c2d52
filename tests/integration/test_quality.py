"""Quality against the DynamoDB engine (issue 14): 满意度测评 once per attending teacher,
anonymous, shown from 5 answers; spot checks and quality monitoring (QA-1) recorded by the
centre and the monitor, answered by the institution, on the review page; the term's report by
county and institution, scoped to the bureau's region."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.common import keys, store
from functions.quality.handler import lambda_handler
from tests.integration.test_credits_ledger import END, decide, enrol
from tests.integration.test_selection_workflow import more_people  # noqa: F401 (autouse)
from tests.integration.test_training_api import inst
from tests.support import world as w
from tests.support.events import FakeContext, call, http_event

TEACHERS = ["t1", "t2", "t4", "t5", "t6", "t7"]
DAY1 = "2024-05-06 10:00"


@pytest.fixture(autouse=True)
def monitors(more_people: None) -> None:  # noqa: F811
    w.add_users(w.MONITOR, w.CENTRE, w.COUNTY_BUREAU)


def api(method: str, path: str, sub: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
    status, data, _ = call(lambda_handler, http_event(method, path, sub=sub, body=body, **kw))
    return status, data


def attend(clock_at: Any, teachers: list[str]) -> None:
    enrol(clock_at, TEACHERS)
    clock_at(DAY1)
    s, body = inst(
        "POST",
        "/attendance",
        {
            "session": "2024-05-06T0900",
            "items": [{"teacher_id": t, "mark": "present"} for t in teachers],
        },
        cid="p1-c2",
    )
    assert s == 200 and all(r["ok"] for r in body["results"]), body


def evaluate(tid: str, score: int = 4, comment: str = "") -> tuple[int, Any]:
    return api(
        "POST",
        "/api/quality/evaluations",
        tid,
        {
            "class_id": "p1-c2",
            "overall": score,
            "content": score,
            "instructors": 5,
            "organisation": 3,
            "comment": comment,
        },
    )


def result(sub: str) -> tuple[int, Any]:
    return api(
        "GET",
        "/api/quality/evaluations/p1-c2",
        sub,
        route="/api/quality/evaluations/{class_id}",
        path_params={"class_id": "p1-c2"},
    )


def test_an_attending_teacher_evaluates_a_class_once_after_it_ends(clock_at):
    attend(clock_at, ["t1", "t2"])
    s, body = evaluate("t1")
    assert (s, body["code"]) == (409, "outside_window")  # the class has not ended
    clock_at(END)
    s, mine = api("GET", "/api/quality/evaluations/mine", "t1")
    assert [(c["class_id"], c["open"]) for c in mine["classes"]] == [("p1-c2", True)]
    assert evaluate("t1")[0] == 201
    s, body = evaluate("t1")
    assert (s, body["code"]) == (409, "already_evaluated")
    s, body = evaluate("t4")  # confirmed but never attended
    assert s == 403
    assert api("GET", "/api/quality/evaluations/mine", "t4")[1]["classes"] == []
    assert api("GET", "/api/quality/evaluations/mine", "t1")[1]["classes"][0]["done"]
    clock_at("2024-06-08 10:00")  # 31 days after the last day
    assert evaluate("t2")[1]["code"] == "outside_window"


def test_answers_are_anonymous_and_shown_only_from_five(clock_at):
    attend(clock_at, TEACHERS)
    clock_at(END)
    for i, t in enumerate(TEACHERS[:4]):
        assert evaluate(t, score=4 + (i % 2), comment=f"很好{i}")[0] == 201
    s, r = result("inst-zjnu")
    assert s == 200 and r["answers"] == 4 and not r["shown"]
    assert r["questions"] == [] and r["comments"] == []
    evaluate(TEACHERS[4], score=2, comment="场地太远")
    s, r = result("inst-zjnu")
    assert r["answers"] == 5 and r["shown"]
    overall = next(q for q in r["questions"] if q["key"] == "overall")
    assert overall["average"] == pytest.approx((4 + 5 + 4 + 5 + 2) / 5)
    assert overall["distribution"] == [0, 1, 0, 2, 2]
    assert sorted(r["comments"]) == sorted(["很好0", "很好1", "很好2", "很好3", "场地太远"])
    # No answer names its teacher, and the answers carry no time to match the markers with.
    answers = [
        i
        for i in store.table().scan()["Items"]
        if str(i["SK"]).startswith(keys.EVAL_PREFIX) and i["PK"] == "CLASS#p1-c2"
    ]
    assert len(answers) == 5
    assert not any(t in json.dumps(a, default=str) for a in answers for t in TEACHERS)
    assert not any(k in a for a in answers for k in ("at", "created_at", "teacher_id"))
    # The responsible bureau and the monitor read it; another institution does not.
    assert result("bureau-330000")[0] == 200 and result("monitor")[0] == 200
    assert result("inst-other")[0] == 404
    assert result("t1")[0] == 403  # a teacher reads no class's results, her own included


def check(sub: str, follow_up: bool = True, **kw: Any) -> tuple[int, Any]:
    body = {
        "class_id": "p1-c2",
        "checked_on": "2024-05-07",
        "method": "现场检查",
        "items": ["学员考勤与纪律", "食宿与安全"],
        "findings": "部分学员迟到，签到表不完整",
        "rating": "pass",
        "follow_up": follow_up,
        **kw,
    }
    return api("POST", "/api/quality/checks", sub, body)


def cpath(c: dict[str, Any], action: str) -> dict[str, Any]:
    iid, cid = c["institution_id"], c["check_id"]
    return {
        "path": f"/api/quality/checks/{iid}/{cid}/{action}",
        "route": f"/api/quality/checks/{{institution_id}}/{{check_id}}/{action}",
        "path_params": {"institution_id": iid, "check_id": cid},
    }


def test_spot_checks_are_recorded_answered_and_closed_QA_1(clock_at):
    clock_at(END)
    assert check("bureau-330000")[0] == 403  # only the centre and the monitor record
    assert check("inst-zjnu")[0] == 403
    s, c = check("monitor")
    assert s == 201 and c["status"] == "open" and c["status_text"] == "待机构整改"
    assert c["institution_id"] == "zjnu" and c["project_id"] == "p1"
    s, quiet = check("centre", follow_up=False)
    assert quiet["status"] == "recorded"
    # The institution sees its findings and is told about the one to follow up.
    s, mine = api("GET", "/api/quality/checks", "inst-zjnu")
    assert {x["check_id"] for x in mine["checks"]} == {c["check_id"], quiet["check_id"]}
    assert api("GET", "/api/quality/checks", "inst-other")[1]["checks"] == []
    msgs = [json.loads(i["doc"]) for i in store.table().scan()["Items"] if i.get("kind") == "other"]
    assert [m["party"] for m in msgs] == ["I:zjnu"] and "整改" in msgs[0]["title"]

    p = cpath(c, "close")
    assert api("POST", p.pop("path"), "monitor", {"note": ""}, **p)[1]["code"] == "conflict"
    p = cpath(c, "answer")
    path = p.pop("path")
    assert api("POST", path, "inst-other", {"answer": "已整改"}, **p)[0] == 404
    s, answered = api("POST", path, "inst-zjnu", {"answer": "已补齐签到表，加强考勤"}, **p)
    assert s == 200 and answered["status"] == "answered"
    p = cpath(c, "close")
    path = p.pop("path")
    assert api("POST", path, "inst-zjnu", {"note": ""}, **p)[0] == 403
    s, closed = api("POST", path, "monitor", {"note": "整改到位"}, **p)
    assert s == 200 and closed["status"] == "closed" and closed["closed_by_name"]
    # A record the monitor checks again: the review page shows it for the institution's next
    # applications, with its evaluation ratings.
    s, panel = api(
        "GET",
        "/api/quality/institutions/zjnu",
        "bureau-330000",
        route="/api/quality/institutions/{institution_id}",
        path_params={"institution_id": "zjnu"},
    )
    assert s == 200 and len(panel["checks"]) == 2 and panel["open_checks"] == 0
    assert api("GET", "/api/quality/institutions/zjnu", "inst-zjnu")[0] == 403


def test_the_records_export_as_xlsx_QA_1(clock_at):
    import base64
    import io

    from openpyxl import load_workbook

    clock_at(END)
    check("monitor")
    resp = lambda_handler(
        http_event("GET", "/api/quality/checks/export", sub="monitor"), FakeContext()
    )
    assert resp["statusCode"] == 200
    ws = load_workbook(io.BytesIO(base64.b64decode(resp["body"]))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("检查日期", "培训机构", "项目") and rows[1][1] == "浙江师范大学"


def test_the_term_report_by_county_and_institution_for_the_bureaus_region(clock_at):
    from functions.common import clock
    from functions.quality import reports

    attend(clock_at, TEACHERS)
    clock_at(END)
    for t in TEACHERS[:5]:
        evaluate(t, score=4)
    decide("t1", "pass", "")
    decide("t2", "fail", "缺勤")
    reports.aggregate_term("2024H1", clock.now())
    s, county = api("GET", "/api/quality/reports", "bureau-330106")
    assert s == 200, county
    summary = county["summary"]
    assert (summary["confirmed"], summary["passed"], summary["failed"]) == (6, 1, 1)
    assert summary["credits"] == 24 and summary["completion_rate"] == pytest.approx(16.7)
    [zjnu] = county["by_institution"]
    assert zjnu["name"] == "浙江师范大学" and zjnu["overall"] == 4.0 and zjnu["answers"] == 5
    s, province = api("GET", "/api/quality/reports", "monitor")
    hz = next(r for r in province["by_region"] if r["code"] == "330100")
    assert hz["confirmed"] == 6
    s, other = api("GET", "/api/quality/reports", "bureau-330200")
    assert other["summary"]["confirmed"] == 0
    assert api("GET", "/api/quality/reports", "bureau-330200", query={"region": "330106"})[0] == 403
    assert api("GET", "/api/quality/reports", "inst-zjnu")[0] == 403


def test_the_records_export_writes_what_people_typed_as_text_never_a_formula(clock_at):
    """A finding or an answer typed as "=HYPERLINK(…)" reaches the xlsx as those characters
    (functions/common/xlsx neutralises it; OWASP CSV injection)."""
    from tests.integration.test_xlsx_exports import HOSTILE, assert_no_formula, download

    clock_at(END)
    s, c = check("monitor", findings=HOSTILE[0])
    assert s == 201, c
    p = cpath(c, "answer")
    path = p.pop("path")
    assert api("POST", path, "inst-zjnu", {"answer": HOSTILE[1]}, **p)[0] == 200
    data = download(lambda_handler, "/api/quality/checks/export", "monitor")
    assert_no_formula(data, HOSTILE[0], HOSTILE[1])
