"""Orders handlers against the DynamoDB engine (moto): an order from a county's demand to a
published order project. Each test names the rule it proves (OD-1 … OD-5, Q-5, Q-7, AP-6,
PH-ORDER-*, PH-2)."""

from __future__ import annotations

import base64
import io
from datetime import date
from typing import Any
from urllib.parse import quote

import pytest

from functions.common import keys, records, store
from functions.common.catalog import published_projects as load_published_projects
from functions.orders import export
from functions.orders import store as order_store
from functions.orders.handler import lambda_handler
from local.demo import demo_orders, order_plan
from schemas.catalog import ClassInfo, ProjectKind
from schemas.orders import OrderForm, OrderStage, ResponseStatus
from schemas.org import Institution, Qualification, QualificationScope, QuotaCategory, School
from schemas.people import Role, Teacher, User
from tests.support.events import FakeContext, call, http_event

DEMAND = "2024-03-08 10:00"
LIST_DAY = "2024-03-10 10:00"
RESPOND = "2024-03-11 10:00"
PICK = "2024-03-13 10:00"
REVISE = "2024-03-16 10:00"
PUBLISH = "2024-03-18 10:00"
R1 = "2024-03-20 10:00"
XIHU, YINZHOU = "330106", "330212"
SUBJECTS = ("语文", "数学", "科学", "物理", "心理健康", "师德", "通识")


def _inst(iid: str, name: str, scope: QualificationScope, since: date, **kw: Any) -> Institution:
    quota = {
        QualificationScope.PROVINCE: QuotaCategory.Q2_PROVINCE_WIDE,
        QualificationScope.REMOTE: QuotaCategory.Q3_REMOTE,
        QualificationScope.LOCAL: QuotaCategory.LOCAL,
    }[scope]
    return Institution(
        institution_id=iid,
        name=name,
        short_name=name[:4],
        quota_category=kw.pop("quota", quota),
        qualification=Qualification(
            scope=scope, subject_categories=SUBJECTS, qualified_since=since, **kw
        ),
    )


INSTITUTIONS = {
    "zjnu": _inst("zjnu", "浙江师范大学", QualificationScope.PROVINCE, date(2012, 3, 1)),
    "hznu": _inst("hznu", "杭州师范大学", QualificationScope.PROVINCE, date(2012, 3, 1)),
    # qualified 2023-09-15, under one year on 2024-03-11 (PH-ORDER-RESPOND opens)
    "zjart": _inst(
        "zjart",
        "浙江艺术职业学院",
        QualificationScope.PROVINCE,
        date(2023, 9, 15),
        quota=QuotaCategory.Q5_NEW,
    ),
    "xihu-tdc": _inst(
        "xihu-tdc",
        "杭州市西湖区教师发展中心",
        QualificationScope.LOCAL,
        date(2014, 3, 1),
        region_code=XIHU,
    ),
    "zjou": _inst("zjou", "浙江开放大学", QualificationScope.REMOTE, date(2013, 9, 1)),
}
SCHOOLS = [
    School(school_id="sx", name="杭州市西湖区实验小学", region_code=XIHU, stages=("小学",)),
    School(school_id="sy", name="宁波市鄞州区实验小学", region_code=YINZHOU, stages=("小学",)),
]
TEACHERS = [
    Teacher(
        teacher_id="tx", name="王芳", school_id="sx", region_code=XIHU, stage="小学", subject="数学"
    ),
    Teacher(
        teacher_id="ty",
        name="李强",
        school_id="sy",
        region_code=YINZHOU,
        stage="小学",
        subject="数学",
    ),
]
USERS = [
    User(user_id="bureau-330106", role=Role.COUNTY_BUREAU, name="西湖区教育局", region_code=XIHU),
    User(
        user_id="bureau-330212", role=Role.COUNTY_BUREAU, name="鄞州区教育局", region_code=YINZHOU
    ),
    User(user_id="bureau-330100", role=Role.CITY_BUREAU, name="杭州市教育局", region_code="330100"),
    User(user_id="centre", role=Role.CENTRE, name="省中小学教师培训中心", region_code="330000"),
    *[
        User(user_id=f"inst-{i}", role=Role.INSTITUTION, name=f"{i}管理员", institution_id=i)
        for i in INSTITUTIONS
    ],
    *[
        User(
            user_id=t.teacher_id,
            role=Role.TEACHER,
            name=t.name,
            school_id=t.school_id,
            region_code=t.region_code,
            teacher_id=t.teacher_id,
        )
        for t in TEACHERS
    ],
]


@pytest.fixture(autouse=True)
def orders_world(ddb: None) -> None:
    items = [records.institution_item(i) for i in INSTITUTIONS.values()]
    items += [records.school_item(s) for s in SCHOOLS]
    items += [records.teacher_item(t) for t in TEACHERS]
    items += [records.user_item(u) for u in USERS]
    store.batch_write(items)


def form(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "bureau_name": "杭州市西湖区教育局",
        "contact": "周老师",
        "mobile": "13800001111",
        "title": "小学数学大单元教学设计专题培训",
        "theme": "新课标下小学数学大单元整体教学",
        "target": "西湖区小学数学教师",
        "stage": "小学",
        "subject": "数学",
        "field": "学科教学",
        "trainees": 50,
        "days": 5,
        "level": "骨干",
        "form": "面授",
        "goals": "提升教师大单元整体教学设计能力。",
        "course_requirements": "以课例研讨为主，送教下县。",
        "intended_institutions": [],
    }
    base.update(over)
    return base


def plan(order_form: dict[str, Any], iid: str, **over: Any) -> dict[str, Any]:
    p = order_plan(
        OrderForm.model_validate(order_form), INSTITUTIONS[iid], date(2024, 5, 13), key=iid
    ).model_dump(mode="json")
    p.update(over)
    return p


def api(
    method: str, path: str, sub: str, body: Any = None, **kw: Any
) -> tuple[int, dict[str, Any]]:
    route = path
    params = None
    parts = path.split("/")
    if len(parts) > 3 and parts[3] not in ("overview", "list", "export", "open"):
        params = {"order_id": parts[3]}
        route = "/".join([*parts[:3], "{order_id}", *parts[4:]])
    status, data, _ = call(
        lambda_handler,
        http_event(method, path, route=route, sub=sub, body=body, path_params=params, **kw),
    )
    return status, data


def post(sub: str = "bureau-330106", **over: Any) -> tuple[int, dict[str, Any]]:
    return api("POST", "/api/orders", sub, form(**over))


def posted_order(clock_at: Any, sub: str = "bureau-330106", **over: Any) -> dict[str, Any]:
    clock_at(DEMAND)
    status, body = post(sub, **over)
    assert status == 201, body
    return body


def open_orders(sub: str) -> list[str]:
    status, body = api("GET", "/api/orders/open", sub)
    assert status == 200, body
    return [o["order_id"] for o in body["orders"]]


def publish_list(clock_at: Any) -> dict[str, Any]:
    clock_at(LIST_DAY)
    status, body = api("POST", "/api/orders/list", "centre")
    assert status == 200, body
    return body


def respond(sub: str, order: dict[str, Any], iid: str, **over: Any) -> tuple[int, dict[str, Any]]:
    return api(
        "POST",
        f"/api/orders/{order['order_id']}/responses",
        sub,
        {"plan": plan(order["form"], iid, **over)},
    )


def listed_with_responses(clock_at: Any, *iids: str) -> dict[str, Any]:
    order = posted_order(clock_at)
    publish_list(clock_at)
    clock_at(RESPOND)
    for iid in iids:
        status, body = respond(f"inst-{iid}", order, iid)
        assert status == 201, body
    return order


def stored_stage(order_id: str) -> str:
    item = store.get_item(keys.order(order_id))
    assert item is not None
    return str(item["stage"])


# --- demand (PH-ORDER-DEMAND) ---------------------------------------------------------------


def test_county_posts_an_order_with_every_field_of_attachment_3_OD_1(clock_at):
    order = posted_order(clock_at, intended_institutions=["zjnu", "hznu"])

    assert order["stage"] == "posted" and order["county"] == XIHU
    assert order["county_name"] == "杭州市西湖区"
    status, got = api("GET", f"/api/orders/{order['order_id']}", "bureau-330106")
    assert status == 200
    assert got["form"] == {**form(), "intended_institutions": ["zjnu", "hznu"]}
    assert got["stage_text"] == "已报送，待公布清单"


@pytest.mark.parametrize(
    "over",
    [
        {"goals": "目" * 201},
        {"course_requirements": "课" * 201},
        {"intended_institutions": ["zjnu", "hznu", "zjou", "nbu"]},
        {"intended_institutions": ["zjnu", "zjnu"]},
        {"mobile": "12345"},
        {"form": "函授"},
        {"stage": "大学"},
        {"trainees": 0},
        {"contact": ""},
    ],
)
def test_a_bad_order_form_is_refused_and_nothing_is_written_OD_1(clock_at, over):
    clock_at(DEMAND)
    status, body = post(**over)

    assert (status, body["code"]) == (422, "validation_error")
    assert body["message"] == "提交的数据不符合要求"
    assert order_store.list_orders("2024H1") == []


def test_goals_of_exactly_200_characters_are_accepted_OD_1(clock_at):
    clock_at(DEMAND)
    assert post(goals="目" * 200, course_requirements="课" * 200)[0] == 201


@pytest.mark.parametrize(
    ("iid", "code"),
    [
        ("zjart", "institution_too_new"),
        ("xihu-tdc", "institution_not_province_wide"),
        ("nosuch", "unknown_institution"),
    ],
)
def test_intended_institutions_must_be_able_to_take_orders_OD_1_OD_4(clock_at, iid, code):
    clock_at(DEMAND)
    status, body = post(intended_institutions=["zjnu", iid])

    assert (status, body["code"]) == (422, "validation_error")
    assert [e["code"] for e in body["errors"]] == [code]
    assert order_store.list_orders("2024H1") == []


def test_demand_outside_its_window_is_refused_PH_ORDER_DEMAND(clock_at):
    clock_at("2024-03-10 00:00")
    status, body = post()

    assert (status, body["code"]) == (409, "outside_window")
    assert "订单" in body["message"] or "需求" in body["message"]
    assert order_store.list_orders("2024H1") == []


@pytest.mark.parametrize("sub", ["inst-zjnu", "bureau-330100", "centre", "tx"])
def test_only_a_county_bureau_posts_orders(clock_at, sub):
    clock_at(DEMAND)
    status, body = post(sub)
    assert (status, body["code"]) == (403, "forbidden")
    assert order_store.list_orders("2024H1") == []


def test_a_retried_post_with_the_same_idempotency_key_makes_one_order(clock_at):
    clock_at(DEMAND)
    headers = {"Idempotency-Key": "order-key-0001"}
    first = api("POST", "/api/orders", "bureau-330106", form(), headers=headers)
    again = api("POST", "/api/orders", "bureau-330106", form(), headers=headers)

    assert first[0] == again[0] == 201
    assert first[1]["order_id"] == again[1]["order_id"]
    assert len(order_store.list_orders("2024H1")) == 1


def test_county_page_shows_how_many_orders_are_missing_Q_7_OD_3(clock_at):
    posted_order(clock_at)
    status, mine = api("GET", "/api/orders", "bureau-330106")
    assert status == 200
    assert (mine["posted"], mine["required"], mine["missing"]) == (1, 3, 2)

    post()
    post()
    post()
    _, mine = api("GET", "/api/orders", "bureau-330106")
    assert (mine["posted"], mine["missing"]) == (4, 0)
    assert all(o["stage"] == "posted" for o in mine["orders"])


def test_centre_sees_counties_below_three_orders_Q_7(clock_at):
    posted_order(clock_at)
    for _ in range(3):
        post("bureau-330212")

    status, view = api("GET", "/api/orders/overview", "centre")
    assert status == 200
    below = {c["county"]: c for c in view["below_minimum"]}
    assert below[XIHU]["missing"] == 2 and below[XIHU]["county_name"] == "杭州市西湖区"
    assert YINZHOU not in below
    assert below["330127"]["posted"] == 0 and below["330127"]["missing"] == 3
    assert view["by_stage"]["posted"] == 4
    assert api("GET", "/api/orders/overview", "bureau-330106")[0] == 403


def test_a_county_edits_its_order_until_the_list_is_published_OD_1(clock_at):
    order = posted_order(clock_at)
    oid = order["order_id"]
    status, body = api("PUT", f"/api/orders/{oid}", "bureau-330106", form(trainees=60))
    assert status == 200 and body["form"]["trainees"] == 60
    assert api("PUT", f"/api/orders/{oid}", "bureau-330212", form())[0] == 404

    publish_list(clock_at)
    clock_at("2024-03-09 12:00")  # back in the window, but the order is listed now
    status, body = api("PUT", f"/api/orders/{oid}", "bureau-330106", form(trainees=70))
    assert (status, body["code"]) == (409, "order_stage")


# --- list (PH-ORDER-LIST) and visibility (OD-2, OD-4, Q-5) --------------------------------------


def test_orders_are_shown_to_no_institution_before_the_list_is_published_OD_2(clock_at):
    order = posted_order(clock_at)
    assert open_orders("inst-zjnu") == []
    assert api("GET", f"/api/orders/{order['order_id']}", "inst-zjnu")[0] == 404


def test_only_the_centre_publishes_the_list_and_only_on_its_day_PH_ORDER_LIST(clock_at):
    order = posted_order(clock_at)
    clock_at(LIST_DAY)
    assert api("POST", "/api/orders/list", "bureau-330106")[0] == 403
    clock_at("2024-03-11 00:00")
    status, body = api("POST", "/api/orders/list", "centre")
    assert (status, body["code"]) == (409, "outside_window")
    assert stored_stage(order["order_id"]) == "posted"

    listed = publish_list(clock_at)
    assert listed["listed"] == [order["order_id"]]
    assert {c["county"] for c in listed["below_minimum"]} >= {XIHU}
    assert stored_stage(order["order_id"]) == "listed"
    assert publish_list(clock_at)["listed"] == []  # publishing again changes nothing


@pytest.fixture
def two_orders(clock_at) -> tuple[str, str]:
    """One order naming zjnu, one naming no institution, both listed."""
    named = posted_order(clock_at, intended_institutions=["zjnu"])["order_id"]
    open_ = posted_order(clock_at)["order_id"]
    publish_list(clock_at)
    clock_at(RESPOND)
    return named, open_


def test_a_named_institution_sees_its_order_and_the_open_ones_OD_2(two_orders):
    named, open_ = two_orders
    assert sorted(open_orders("inst-zjnu")) == sorted([named, open_])
    assert api("GET", f"/api/orders/{named}", "inst-zjnu")[0] == 200


def test_an_institution_not_named_sees_only_the_open_orders_OD_2(two_orders):
    named, open_ = two_orders
    assert open_orders("inst-hznu") == [open_]
    status, body = api("GET", f"/api/orders/{named}", "inst-hznu")
    assert (status, body["code"]) == (404, "not_found")


def test_an_institution_qualified_under_one_year_sees_no_order_OD_4_Q_5(two_orders):
    named, open_ = two_orders
    status, body = api("GET", "/api/orders/open", "inst-zjart")
    assert status == 200 and body["orders"] == [] and body["qualified"] is False
    assert "满一年" in body["reason"]
    assert api("GET", f"/api/orders/{open_}", "inst-zjart")[0] == 404


def test_a_local_only_institution_sees_no_order_OD_2(two_orders):
    named, open_ = two_orders
    status, body = api("GET", "/api/orders/open", "inst-xihu-tdc")
    assert status == 200 and body["orders"] == [] and body["qualified"] is False
    assert api("GET", f"/api/orders/{open_}", "inst-xihu-tdc")[0] == 404


def test_a_remote_training_institution_counts_as_province_wide_OD_2(two_orders):
    named, open_ = two_orders
    assert open_orders("inst-zjou") == [open_]


def test_a_county_sees_only_its_own_orders(two_orders):
    named, _ = two_orders
    assert api("GET", f"/api/orders/{named}", "bureau-330212")[0] == 404
    assert api("GET", "/api/orders", "bureau-330212")[1]["orders"] == []
    assert api("GET", f"/api/orders/{named}", "centre")[0] == 200


# --- respond (PH-ORDER-RESPOND, OD-4, OD-5, AP-6) ------------------------------------------------


def test_a_response_is_a_plan_checked_with_the_submit_rules_of_projects_AP_6(clock_at):
    order = posted_order(clock_at)
    publish_list(clock_at)
    clock_at(RESPOND)
    good = plan(order["form"], "zjnu")
    weak_leader = {**good["leader"], "title": "讲师", "formal_employee": False}

    status, body = respond("inst-zjnu", order, "zjnu", leader=weak_leader, subject="美术")

    assert (status, body["code"]) == (422, "validation_error")
    rules = {e["rule"] for e in body["errors"]}
    assert {"AP-1", "AP-2", "OD-5"} <= rules
    assert order_store.get_response(order["order_id"], "zjnu") is None


def test_fee_items_over_the_provincial_standard_are_refused_AP_6_AP_8(clock_at):
    order = posted_order(clock_at)
    publish_list(clock_at)
    clock_at(RESPOND)
    fee = {"total": "99999.00", "items": [{"name": "培训费", "amount": "99999.00"}]}
    status, body = respond("inst-zjnu", order, "zjnu", fee=fee)
    assert status == 422
    assert "AP-8" in {e["rule"] for e in body["errors"]}


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ("two_classes", "classes"),
        ("capacity", "classes.0.capacity"),
        ("days", "classes.0.end_date"),
        ("form", "form"),
    ],
)
def test_a_plan_answers_its_order_alone_as_one_class_OD_5_OD_3(clock_at, over, field):
    order = posted_order(clock_at)
    publish_list(clock_at)
    clock_at(RESPOND)
    p = plan(order["form"], "zjnu")
    klass = p["classes"][0]
    change = {
        "two_classes": {"classes": [klass, {**klass, "name": "第2期"}]},
        "capacity": {"classes": [{**klass, "capacity": 49}]},
        "days": {"classes": [{**klass, "end_date": "2024-05-18"}]},
        "form": {
            "form": "线上",
            "credits_online": p["credits_total"],
            "fee": {"total": "500.00", "items": [{"name": "培训费", "amount": "500.00"}]},
        },
    }[over]
    status, body = respond("inst-zjnu", order, "zjnu", **change)
    assert status == 422
    assert field in {e["field"] for e in body["errors"] if e["rule"] in ("OD-3", "OD-5")}


def test_an_institution_answers_an_order_at_most_once_OD_5(clock_at):
    order = listed_with_responses(clock_at, "zjnu")
    status, body = respond("inst-zjnu", order, "zjnu")
    assert (status, body["code"]) == (409, "already_responded")


def test_the_second_response_loses_in_the_conditional_write_OD_5(clock_at):
    """Even past the service's checks, the store refuses a second response."""
    order = listed_with_responses(clock_at, "zjnu")
    first = order_store.get_response(order["order_id"], "zjnu")
    from functions.common.errors import AlreadyResponded

    with pytest.raises(AlreadyResponded):
        order_store.respond(first)


@pytest.mark.parametrize("iid", ["zjart", "xihu-tdc"])
def test_an_institution_that_may_not_take_orders_cannot_respond_OD_4_Q_5(clock_at, iid):
    order = posted_order(clock_at)
    publish_list(clock_at)
    clock_at(RESPOND)
    status, body = respond(f"inst-{iid}", order, "zjnu")
    assert (status, body["code"]) == (403, "order_not_qualified")
    assert order_store.list_responses(order["order_id"]) == []


def test_an_institution_not_named_cannot_respond_to_a_named_order_OD_2(clock_at):
    order = posted_order(clock_at, intended_institutions=["zjnu"])
    publish_list(clock_at)
    clock_at(RESPOND)
    assert respond("inst-hznu", order, "hznu")[0] == 404
    assert order_store.list_responses(order["order_id"]) == []


def test_responding_outside_its_window_is_refused_PH_ORDER_RESPOND(clock_at):
    order = posted_order(clock_at)
    publish_list(clock_at)
    clock_at("2024-03-15 00:00")
    status, body = respond("inst-zjnu", order, "zjnu")
    assert (status, body["code"]) == (409, "outside_window")


def test_responses_are_not_visible_to_competitors_OD_5(clock_at):
    order = listed_with_responses(clock_at, "zjnu", "hznu")
    oid = order["order_id"]

    assert api("GET", f"/api/orders/{oid}/responses", "inst-hznu")[0] == 403
    status, mine = api("GET", f"/api/orders/{oid}/response", "inst-hznu")
    assert status == 200 and mine["institution_id"] == "hznu"
    _, shown = api("GET", "/api/orders/open", "inst-hznu")
    assert shown["orders"][0]["my_response"]["institution_id"] == "hznu"
    assert "zjnu" not in str(shown)
    _, got = api("GET", f"/api/orders/{oid}", "inst-hznu")
    assert got["my_response"]["institution_id"] == "hznu" and "responses" not in got

    status, side = api("GET", f"/api/orders/{oid}/responses", "bureau-330106")
    assert status == 200
    assert sorted(r["institution_id"] for r in side["responses"]) == ["hznu", "zjnu"]
    leader = side["responses"][0]["plan"]["leader"]
    assert leader["id_number_masked"].count("*") == 10 and "id_number" not in leader
    assert api("GET", f"/api/orders/{oid}/responses", "bureau-330212")[0] == 404


# --- pick (PH-ORDER-PICK) -------------------------------------------------------------------


def test_a_county_picks_exactly_one_contractor_and_the_others_are_told(clock_at):
    order = listed_with_responses(clock_at, "zjnu", "hznu")
    oid = order["order_id"]
    clock_at(PICK)

    status, picked = api(
        "POST", f"/api/orders/{oid}/pick", "bureau-330106", {"institution_id": "zjnu"}
    )
    assert status == 200 and picked["stage"] == "picked"
    assert picked["picked_institution_id"] == "zjnu"
    statuses = {r.institution_id: r.status.value for r in order_store.list_responses(oid)}
    assert statuses == {"zjnu": "picked", "hznu": "not_picked"}
    _, told = api("GET", f"/api/orders/{oid}/response", "inst-hznu")
    assert told["status_text"] == "未中选"

    status, body = api(
        "POST", f"/api/orders/{oid}/pick", "bureau-330106", {"institution_id": "hznu"}
    )
    assert (status, body["code"]) == (409, "order_stage")
    assert stored_stage(oid) == "picked"


def test_a_stale_pick_loses_in_the_conditional_write_on_the_order(clock_at):
    order = listed_with_responses(clock_at, "zjnu", "hznu")
    oid = order["order_id"]
    clock_at(PICK)
    stale = order_store.get_order(oid)
    responses = order_store.list_responses(oid)
    assert (
        api("POST", f"/api/orders/{oid}/pick", "bureau-330106", {"institution_id": "zjnu"})[0]
        == 200
    )
    from functions.common.errors import OrderStageConflict

    hznu = next(r for r in responses if r.institution_id == "hznu")
    with pytest.raises(OrderStageConflict):
        order_store.pick(
            stale.model_copy(update={"stage": OrderStage.PICKED, "picked_institution_id": "hznu"}),
            hznu,
            [],
        )
    assert order_store.get_order(oid).picked_institution_id == "zjnu"


def test_pick_checks_county_window_and_a_responding_institution(clock_at):
    order = listed_with_responses(clock_at, "zjnu")
    oid = order["order_id"]
    clock_at(PICK)
    assert (
        api("POST", f"/api/orders/{oid}/pick", "bureau-330212", {"institution_id": "zjnu"})[0]
        == 404
    )
    assert api("POST", f"/api/orders/{oid}/pick", "inst-zjnu", {"institution_id": "zjnu"})[0] == 403
    assert (
        api("POST", f"/api/orders/{oid}/pick", "bureau-330106", {"institution_id": "hznu"})[0]
        == 404
    )
    clock_at("2024-03-16 00:00")
    status, body = api(
        "POST", f"/api/orders/{oid}/pick", "bureau-330106", {"institution_id": "zjnu"}
    )
    assert (status, body["code"]) == (409, "outside_window")
    assert stored_stage(oid) == "listed"


def test_no_response_after_the_pick(clock_at):
    order = listed_with_responses(clock_at, "zjnu")
    clock_at(PICK)
    api(
        "POST", f"/api/orders/{order['order_id']}/pick", "bureau-330106", {"institution_id": "zjnu"}
    )
    status, body = respond("inst-hznu", order, "hznu")
    assert (status, body["code"]) == (409, "order_stage")


# --- revise, publish (PH-ORDER-REVISE, PH-ORDER-PUBLISH, PH-2) --------------------------------


def picked_order(clock_at: Any) -> dict[str, Any]:
    order = listed_with_responses(clock_at, "zjnu", "hznu")
    clock_at(PICK)
    assert (
        api(
            "POST",
            f"/api/orders/{order['order_id']}/pick",
            "bureau-330106",
            {"institution_id": "zjnu"},
        )[0]
        == 200
    )
    return order


def revise(
    sub: str, order: dict[str, Any], iid: str, submit: bool, **over: Any
) -> tuple[int, dict[str, Any]]:
    return api(
        "PUT",
        f"/api/orders/{order['order_id']}/response",
        sub,
        {"plan": plan(order["form"], iid, **over), "submit": submit},
    )


def test_only_the_picked_institution_revises_in_its_window_PH_ORDER_REVISE(clock_at):
    order = picked_order(clock_at)
    clock_at(REVISE)
    assert revise("inst-hznu", order, "hznu", True)[0] == 403
    clock_at("2024-03-18 00:00")
    assert revise("inst-zjnu", order, "zjnu", True)[1]["code"] == "outside_window"
    assert stored_stage(order["order_id"]) == "picked"


def test_the_contractor_saves_a_revision_then_formally_submits_AP_6(clock_at):
    order = picked_order(clock_at)
    oid = order["order_id"]
    clock_at(REVISE)

    status, saved = revise("inst-zjnu", order, "zjnu", False, title="修订中的方案")
    assert status == 200 and saved["status"] == "picked"
    assert saved["plan"]["title"] == "修订中的方案"

    status, body = revise("inst-zjnu", order, "zjnu", True, instructors=[])
    assert (status, body["code"]) == (422, "validation_error")
    assert stored_stage(oid) == "picked"

    status, done = revise("inst-zjnu", order, "zjnu", True, title="小学数学大单元教学（修订稿）")
    assert status == 200 and done["status"] == "submitted"
    assert stored_stage(oid) == "submitted"
    leader = done["plan"]["leader"]
    resp = order_store.get_response(oid, "zjnu")
    leader_id = resp.plan.leader.id_number
    # AP-3 / AP-4 / AP-7 are held the way a project submission holds them
    assert store.get_item(keys.leader_load(leader_id, "2024H1"))["classes"] == 1
    assert store.get_item(keys.leader_registration(leader_id))["institution_id"] == "zjnu"
    assert store.get_item(keys.person(leader_id)) is not None
    assert leader["id_number_masked"].startswith("330")
    assert revise("inst-zjnu", order, "zjnu", True)[1]["code"] == "order_stage"


def test_a_leader_of_another_institution_is_refused_at_formal_submission_AP_6_AP_4(clock_at):
    order = picked_order(clock_at)
    clock_at(REVISE)
    p = plan(order["form"], "zjnu")
    store.put_item({**keys.leader_registration(p["leader"]["id_number"]), "institution_id": "hznu"})
    status, body = revise("inst-zjnu", order, "zjnu", True)
    assert (status, body["code"]) == (422, "validation_error")
    assert "AP-4" in {e["rule"] for e in body["errors"]}
    assert stored_stage(order["order_id"]) == "picked"


def submitted_order(clock_at: Any) -> dict[str, Any]:
    order = picked_order(clock_at)
    clock_at(REVISE)
    assert revise("inst-zjnu", order, "zjnu", True)[0] == 200
    return order


def test_the_county_publishes_an_order_project_of_the_county_PH_ORDER_PUBLISH(clock_at):
    order = submitted_order(clock_at)
    oid = order["order_id"]
    clock_at("2024-03-17 12:00")
    assert api("POST", f"/api/orders/{oid}/publish", "bureau-330106")[1]["code"] == "outside_window"
    clock_at(PUBLISH)
    assert api("POST", f"/api/orders/{oid}/publish", "bureau-330212")[0] == 404

    status, body = api("POST", f"/api/orders/{oid}/publish", "bureau-330106")

    assert status == 200 and body["stage"] == "published"
    published = {p.project_id: p for p in load_published_projects("2024H1")}
    project = published[body["project_id"]]
    assert project.kind == ProjectKind.ORDER and project.order_county == XIHU
    assert project.target.region_codes == (XIHU,)
    assert project.institution_id == "zjnu" and len(project.classes) == 1
    assert project.bureau_region == XIHU  # the responsible bureau, decided at publication
    klass = project.classes[0]
    assert (
        ClassInfo.model_validate_json(records.get_class_doc(klass.class_id) or "").bureau_region
        == XIHU
    )
    assert klass.capacity == 50
    assert store.get_item(keys.class_seats(klass.class_id))["held"] == 0
    assert order_store.get_response(oid, "zjnu").status.value == "published"
    again = api("POST", f"/api/orders/{oid}/publish", "bureau-330106")
    assert (again[0], again[1]["code"]) == (409, "order_stage")


def test_an_order_class_is_selectable_only_by_the_county_teachers_PH_2(clock_at):
    from functions.selection.handler import lambda_handler as selection

    order = submitted_order(clock_at)
    clock_at(PUBLISH)
    _, body = api("POST", f"/api/orders/{order['order_id']}/publish", "bureau-330106")
    class_id = load_published_projects("2024H1")[0].classes[0].class_id
    clock_at(R1)

    def select(sub: str) -> tuple[int, dict[str, Any]]:
        status, data, _ = call(
            selection, http_event("POST", "/api/selections", sub=sub, body={"class_id": class_id})
        )
        return status, data

    assert select("ty")[1]["code"] == "not_eligible"
    assert select("tx")[0] == 201


def test_the_ordering_county_decides_the_order_projects_changes_and_expansions_CH_3_SE_3(
    clock_at,
):
    """One responsible bureau, decided when the county publishes: the county (not the province,
    although the contractor is province-wide) approves its change requests (CH-3) and accepts
    its expansions (SE-3); its city may act on the expansion too, the province bureau sees the
    change request no more."""
    from functions.projects.handler import lambda_handler as projects
    from functions.selection.handler import lambda_handler as selection

    province = User(
        user_id="bureau-330000", role=Role.PROVINCE_BUREAU, name="省教育厅", region_code="330000"
    )
    store.batch_write([records.user_item(province)])
    order = submitted_order(clock_at)
    clock_at(PUBLISH)
    _, body = api("POST", f"/api/orders/{order['order_id']}/publish", "bureau-330106")
    pid = body["project_id"]
    class_id = load_published_projects("2024H1")[0].classes[0].class_id

    def call_(handler: Any, method: str, path: str, sub: str, body: Any = None) -> Any:
        status, data, _ = call(handler, http_event(method, path, sub=sub, body=body))
        return status, data

    clock_at(R1)
    change = {
        "kind": "place",
        "class_id": class_id,
        "place": "西湖区教师发展中心二楼",
        "what": "改地点",
        "why": "场地维修",
    }
    status, c = call_(projects, "POST", f"/api/projects/{pid}/changes", "inst-zjnu", change)
    assert (status, c["bureau_region"]) == (201, XIHU)
    assert call_(projects, "GET", "/api/changes", "bureau-330000")[1]["changes"] == []
    listed = call_(projects, "GET", "/api/changes", "bureau-330106")[1]["changes"]
    assert [x["change_id"] for x in listed] == [c["change_id"]]
    path = f"/api/changes/{pid}/{c['change_id']}/decision"
    assert call_(projects, "POST", path, "bureau-330000", {"approve": True})[0] == 403
    assert call_(projects, "POST", path, "bureau-330106", {"approve": True})[0] == 200

    clock_at("2024-03-28 10:00")  # PH-EXPAND-APPLY
    req = {"class_id": class_id, "extra": 10, "reason": "报名踊跃"}
    status, exp = call_(selection, "POST", "/api/institution/expansions", "inst-zjnu", req)
    assert (status, exp["bureau_region"]) == (201, XIHU)
    for sub, sees in (("bureau-330106", True), ("bureau-330100", True), ("bureau-330212", False)):
        shown = call_(selection, "GET", "/api/bureau/expansions", sub)[1]["expansions"]
        assert bool(shown) is sees, sub


# --- export and overview ----------------------------------------------------------------------


def test_centre_exports_every_order_in_the_attachment_3_layout(clock_at):
    from openpyxl import load_workbook

    posted_order(clock_at, intended_institutions=["zjnu"])
    post("bureau-330212", bureau_name="宁波市鄞州区教育局")
    resp = lambda_handler(http_event("GET", "/api/orders/export", sub="centre"), FakeContext())

    assert resp["statusCode"] == 200 and resp["isBase64Encoded"] is True
    headers = {k.lower(): v for k, v in resp["headers"].items()}
    assert headers["content-type"] == export_xlsx()
    name = quote("2024H1订单式培训项目订单.xlsx", safe="")
    assert f"filename*=UTF-8''{name}" in headers["content-disposition"]
    wb = load_workbook(io.BytesIO(base64.b64decode(resp["body"])))
    rows = list(wb["订单汇总"].iter_rows(values_only=True))
    assert rows[0] == export.HEADERS
    assert {r[1] for r in rows[1:]} == {"杭州市西湖区", "宁波市鄞州区"}
    xihu = next(r for r in rows[1:] if r[1] == "杭州市西湖区")
    assert "浙江师范大学" in xihu[-3] and xihu[-2] == "已报送，待公布清单"
    form_sheet = wb["订单1"]
    assert form_sheet["A1"].value == "主题式培训项目订单"
    labels = [r[0] for r in form_sheet.iter_rows(min_row=3, values_only=True)]
    assert labels[:3] == ["项目名称", "培训主题", "参训对象"]
    assert api("GET", "/api/orders/export", "bureau-330106")[0] == 403


def export_xlsx() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_centre_overview_shows_every_county_and_stage(clock_at):
    posted_order(clock_at)
    post("bureau-330212")
    publish_list(clock_at)
    status, view = api("GET", "/api/orders/overview", "centre")
    assert status == 200
    assert {o["county"] for o in view["orders"]} == {XIHU, YINZHOU}
    assert {o["stage_text"] for o in view["orders"]} == {"已公布，待机构响应"}


# --- demo data ------------------------------------------------------------------------------


def test_demo_orders_cover_every_stage_and_their_plans_pass_the_rules(clock_at):
    from functions.orders import service
    from local.demo import demo_data

    store.batch_write([records.institution_item(i) for i in demo_data().institutions])
    orders, responses = demo_orders()
    assert {o.stage for o in orders} == set(OrderStage)
    assert orders == demo_orders()[0]  # deterministic
    insts = {i.institution_id: i for i in demo_data().institutions}
    by_id = {o.order_id: o for o in orders}
    now = clock_at(RESPOND)
    for r in responses:
        if r.status.value != "published":
            assert service.check_plan(insts[r.institution_id], by_id[r.order_id], r.plan, now) == []
    published_projects = {p.project_id for p in demo_data().projects}
    assert all(
        o.project_id in published_projects for o in orders if o.stage == OrderStage.PUBLISHED
    )


def test_the_formal_submission_transaction_holds_AP_4_even_after_the_checks_AP_6(clock_at):
    """A leader registered elsewhere between the check and the write: the transaction refuses
    and leaves order and response as they were."""
    from functions.common.errors import LeaderOtherInstitution

    order = picked_order(clock_at)
    oid = order["order_id"]
    o, r = order_store.get_order(oid), order_store.get_response(oid, "zjnu")
    assert r is not None
    leader = r.plan.leader.id_number or ""
    store.put_item({**keys.leader_registration(leader), "institution_id": "hznu"})
    with pytest.raises(LeaderOtherInstitution):
        order_store.submit_revision(
            o.model_copy(update={"stage": OrderStage.SUBMITTED}),
            r.model_copy(update={"status": ResponseStatus.SUBMITTED}),
            leader_id=leader,
            classes=1,
            leader_room=3,
            people=[],
        )
    assert stored_stage(oid) == "picked"
    assert store.get_item(keys.leader_load(leader, "2024H1")) is None
