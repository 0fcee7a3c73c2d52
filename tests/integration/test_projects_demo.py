"""The demo applications show the rules: 浙江师范大学 is one project short of its quota and its
leader 周立群 leads 3 of 4 class periods; a 杭州师范大学 draft is led by a published leader who
already leads 4; 西湖区教师发展中心 is one short of its Q-6 cap; the bureaus have submitted
projects to review. The seeded counters (quota per institution, classes per leader ID number)
equal a recount of what the table holds."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from functions.common import keys, records, store
from functions.projects import rules as prules
from functions.projects import store as pstore
from functions.projects.handler import lambda_handler
from local import demo
from local.seed import HOLDING_PLANS, order_items, project_groups
from schemas.catalog import ClassInfo, ProjectKind
from schemas.orders import OrderResponse
from schemas.projects import ProjectRecord
from tests.support.events import call, http_event

TERM = "2024H1"
SHOWN = ("zjnu", "hznu", "xihu-tdc")


def _world(institutions: tuple[str, ...] | None) -> None:
    """Institutions, staff accounts and the projects side of the demo as `local.seed` writes it:
    published projects (of `institutions`, or all), every application and order response, and
    the counters all of them hold."""
    data = demo.demo_data()
    _, responses = demo.demo_orders()
    projects = [
        p for p in data.projects if institutions is None or p.institution_id in institutions
    ]
    items: list[dict[str, Any]] = [records.institution_item(i) for i in data.institutions]
    items += [records.user_item(u) for u in data.users if u.role.value != "teacher"]
    groups = project_groups(projects, demo.demo_applications(), responses)
    items += [item for group in groups.values() for item in group]
    items += order_items()["responses"]
    store.batch_write(items)


@pytest.fixture
def demo_world(ddb: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZJT_SITE_FUNCTION", raising=False)  # never start an e2e stack's worker
    _world(SHOWN)


@pytest.fixture
def whole_world(ddb: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZJT_SITE_FUNCTION", raising=False)  # never start an e2e stack's worker
    _world(None)


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
    assert pstore.quota_used("zjnu", TERM) == 39  # seeded, not backfilled on first use
    s, mine = api("GET", "/api/projects", "inst-zjnu")
    assert mine["quota"] == {"cap": 40, "used": 39}
    statuses = {p["project_id"]: p["status"] for p in mine["projects"]}
    assert statuses["2024H1-zjnu-a01"] == "submitted" and statuses["2024H1-zjnu-a02"] == "draft"
    assert statuses["2024H1-zjnu-001"] == "published"
    near_limit = demo.demo_applications()[0].draft.leader.id_number or ""
    assert pstore.leader_classes(near_limit, TERM) == 3
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
def test_a_published_leader_at_4_classes_cannot_lead_another_AP_3(clock_at) -> None:
    """The hznu draft's leader leads 4 class periods of published (seeded) projects: counted by
    ID number, so a fifth is refused although none of the four was entered on the platform."""
    clock_at("2024-03-08 10:00")
    draft = next(a for a in demo.demo_applications() if a.project_id == "2024H1-hznu-a02")
    leader = draft.draft.leader
    assert pstore.leader_classes(leader.id_number or "", TERM) == 4
    assert leader.name in {p.leader.name for p in demo.projects() if p.institution_id == "hznu"}
    s, bad = api("POST", "/api/projects/2024H1-hznu-a02/submit", "inst-hznu", {"version": 1})
    assert s == 422
    limit = [e for e in bad["errors"] if e["code"] == "leader_class_limit"]
    assert limit and "已负责 4 个班期" in limit[0]["message"]
    assert pstore.leader_classes(leader.id_number or "", TERM) == 4


@pytest.mark.usefixtures("demo_world")
def test_demo_local_institution_is_one_short_of_its_Q_6_cap(clock_at) -> None:
    clock_at("2024-03-08 10:00")
    s, mine = api("GET", "/api/projects", "inst-xihu-tdc")
    assert s == 200 and mine["quota"] == {"cap": 12, "used": 11}


@pytest.mark.usefixtures("demo_world")
def test_demo_bureaus_have_submitted_projects_to_review(clock_at) -> None:
    clock_at("2024-03-13 10:00")
    _, prov = api("GET", "/api/reviews", "bureau-330000")
    assert {p["project_id"] for p in prov["projects"]} == {"2024H1-zjnu-a01", "2024H1-hznu-a01"}
    _, county = api("GET", "/api/reviews", "bureau-330106")
    assert [p["project_id"] for p in county["projects"]] == ["2024H1-xihu-tdc-a01"]
    assert all(c["ok"] for p in prov["projects"] for c in p["checks"])


def _scan() -> list[dict[str, Any]]:
    table = store.table()
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {}
    while True:
        resp = table.scan(**kwargs)
        items += resp["Items"]
        if "LastEvaluatedKey" not in resp:
            return items
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


@pytest.mark.usefixtures("whole_world")
def test_seeded_counters_equal_a_recount_of_the_table_Q_1_AP_3_AP_4() -> None:
    """Every counter the seed wrote equals what the platform would count from the stored
    projects (application records in a counted status) and formally submitted order plans; no
    published regular project lacks the record its leader's ID number is read from."""
    items = _scan()
    counted = {"submitted", "approved", "published"}
    used: Counter[str] = Counter()
    load: Counter[str] = Counter()
    employer: dict[str, set[str]] = {}
    for i in items:
        if str(i["PK"]).startswith("PROJECT#") and i["SK"] == keys.META:
            if "app" not in i:
                # only order projects are stored without an application record
                assert i["kind"] == ProjectKind.ORDER.value
                continue
            rec = ProjectRecord.model_validate_json(i["app"])
            if i["status"] in counted:
                used[rec.institution_id] += int(rec.counted_quota)
                leader = rec.draft.leader.id_number or ""
                load[leader] += rec.leader_classes
                employer.setdefault(leader, set()).add(rec.institution_id)
        elif str(i["SK"]).startswith(keys.RESPONSE_PREFIX):
            resp = OrderResponse.model_validate_json(i["doc"])
            if resp.status in HOLDING_PLANS:
                leader = resp.plan.leader.id_number or ""
                load[leader] += len(resp.plan.classes)
                employer.setdefault(leader, set()).add(resp.institution_id)
    quota = {
        str(i["PK"]).removeprefix("INST#"): int(i["used"])
        for i in items
        if i["SK"] == f"QUOTA#{TERM}"
    }
    loads = {
        str(i["PK"]).removeprefix("LEADER#"): int(i["classes"])
        for i in items
        if i["SK"] == f"TERM#{TERM}" and str(i["PK"]).startswith("LEADER#")
    }
    regs = {
        str(i["PK"]).removeprefix("LEADER#"): i["institution_id"] for i in items if i["SK"] == "REG"
    }
    assert quota == dict(used)
    assert loads == dict(load)
    assert all(len(e) == 1 for e in employer.values())  # AP-4
    assert regs == {leader: next(iter(e)) for leader, e in employer.items()}
    assert max(loads.values()) == 4 and "" not in loads
    assert quota["zjnu"] == 39 and quota["xihu-tdc"] == 11
    assert len(quota) == len({p.institution_id for p in demo.projects()})


@pytest.mark.usefixtures("whole_world")
def test_every_seeded_class_carries_its_projects_responsible_bureau_SE_3() -> None:
    """The one rule (functions/projects/rules.py) decided every seeded project's bureau, and the
    class items the selection context reads carry it."""
    insts = {i.institution_id: i for i in demo.demo_data().institutions}
    for p in demo.projects():
        expected = prules.responsible_bureau_region(insts[p.institution_id], p.order_county)
        assert p.bureau_region == expected
        info = ClassInfo.model_validate_json(records.get_class_doc(p.classes[0].class_id) or "")
        assert info.bureau_region == expected
    by_kind = {p.kind: p for p in demo.projects()}
    assert by_kind[ProjectKind.ORDER].bureau_region == by_kind[ProjectKind.ORDER].order_county
