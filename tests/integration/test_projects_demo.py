"""The demo applications show the rules: 浙江师范大学 is one project short of its quota and its
leader 周立群 leads 3 of 4 class periods; the bureaus have submitted projects to review."""

from __future__ import annotations

from typing import Any

import pytest

from functions.common import records, store
from functions.projects import store as pstore
from functions.projects.handler import lambda_handler
from local import demo
from local.seed import application_items
from tests.support.events import call, http_event


@pytest.fixture
def demo_world(ddb: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZJT_SITE_DIR", raising=False)
    data = demo.demo_data()
    items: list[dict[str, Any]] = [records.institution_item(i) for i in data.institutions]
    items += [records.user_item(u) for u in data.users if u.role.value != "teacher"]
    for p in data.projects:
        if p.institution_id in ("zjnu", "hznu", "xihu-tdc"):
            items += pstore.project_items(p)
    items += application_items()
    store.batch_write(items)


def api(method: str, path: str, sub: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    status, data, _ = call(lambda_handler, http_event(method, path, sub=sub, body=body))
    return status, data


def test_demo_applications_are_deterministic_and_not_published() -> None:
    apps = demo.demo_applications()
    assert apps == demo.demo_applications()
    assert {a.status.value for a in apps} == {"draft", "submitted"}
    published = {p.project_id for p in demo.projects()}
    assert not published & {a.project_id for a in apps}


@pytest.mark.usefixtures("demo_world")
def test_demo_institution_near_quota_and_leader_near_limit_show_the_errors(clock_at) -> None:
    clock_at("2024-03-08 10:00")
    s, mine = api("GET", "/api/projects", "inst-zjnu")
    assert mine["quota"] == {"cap": 40, "used": 39}
    statuses = {p["project_id"]: p["status"] for p in mine["projects"]}
    assert statuses["2024H1-zjnu-a01"] == "submitted" and statuses["2024H1-zjnu-a02"] == "draft"
    assert pstore.leader_classes(demo.demo_applications()[0].draft.leader.id_number, "2024H1") == 3
    s, ok = api("POST", "/api/projects/2024H1-zjnu-a02/submit", "inst-zjnu", {"version": 1})
    assert s == 200, ok
    s, bad = api("POST", "/api/projects/2024H1-zjnu-a03/submit", "inst-zjnu", {"version": 1})
    assert s == 422
    assert {"quota_exceeded", "leader_class_limit"} <= {e["code"] for e in bad["errors"]}
    s, bad = api("POST", "/api/projects/2024H1-zjnu-a04/submit", "inst-zjnu", {"version": 1})
    assert {
        "leader_title_too_low",
        "leader_not_employee",
        "online_share_too_high",
        "fee_items_sum",
    } <= {e["code"] for e in bad["errors"]}


@pytest.mark.usefixtures("demo_world")
def test_demo_bureaus_have_submitted_projects_to_review(clock_at) -> None:
    clock_at("2024-03-13 10:00")
    _, prov = api("GET", "/api/reviews", "bureau-330000")
    assert {p["project_id"] for p in prov["projects"]} == {"2024H1-zjnu-a01", "2024H1-hznu-a01"}
    _, county = api("GET", "/api/reviews", "bureau-330106")
    assert [p["project_id"] for p in county["projects"]] == ["2024H1-xihu-tdc-a01"]
    assert all(c["ok"] for p in prov["projects"] for c in p["checks"])
