"""The world the authorization matrix (`test_authz_matrix.py`) probes: one account per role in a
home scope and one per role in each other scope, and one resource of every kind the routes act on,
each owned by the home scope.

Home: school s1 in 杭州市西湖区 (330106), its teachers t1 and t2, institution 浙江师范大学 (zjnu,
province-wide) and 西湖区教师发展中心 (xihu, local to 330106). Other scopes: school s2 (same
county), 拱墅区 (330105, same city), 鄞州区 (330212, other city), 宁波市 (330200), 杭州师范大学
(hznu, another institution).

Seeded records are written with the items helpers that own their layout; every state after that
(applications, orders at each stage, selections, expansions, changes, an import job) is reached
through the API as the owners would, moving the clock through the term's phases.
"""

from __future__ import annotations

import importlib
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from functions.common import catalog, clock, records, store
from functions.common.routes import ROUTES
from functions.orders import store as order_store
from functions.records import store as records_store
from local.demo import order_plan
from schemas.calendar import SHANGHAI
from schemas.catalog import (
    Fee,
    FeeItem,
    Person,
    Project,
    ProjectStatus,
    Session,
    Target,
    TrainingClass,
    TrainingForm,
)
from schemas.orders import Order, OrderForm, OrderStage
from schemas.org import Institution, Qualification, QualificationScope, QuotaCategory, School
from schemas.people import Role, Teacher, User
from schemas.projects import id_check_digit
from schemas.records import Anomaly, AnomalyKind, ResolveAction
from tests.support.events import call, http_event

TERM = "2024H1"
HOME_COUNTY, SAME_CITY_COUNTY, OTHER_CITY_COUNTY = "330106", "330105", "330212"

# When each phase's writes are open (Asia/Shanghai; data/terms/2024H1.yaml).
APPLY = "2024-03-08 10:00"
RECORDS = "2024-03-08 10:00"  # PH-1, the records window
ORDER_DEMAND = "2024-03-08 10:00"
ORDER_LIST = "2024-03-10 10:00"
ORDER_RESPOND = "2024-03-11 10:00"
REVIEW = "2024-03-13 10:00"
ORDER_PICK = "2024-03-13 10:00"
ORDER_REVISE = "2024-03-16 10:00"
PUBLISH = "2024-03-18 10:00"
R1 = "2024-03-20 10:00"
R1_SCHOOL = "2024-03-27 10:00"
EXPAND_APPLY = "2024-03-28 10:00"
EXPAND_ACCEPT = "2024-03-29 10:00"
R1_RECHECK = "2024-03-30 10:00"
TRAIN = "2024-04-20 10:00"


def _inst(iid: str, name: str, scope: QualificationScope, region: str | None = None) -> Institution:
    return Institution(
        institution_id=iid,
        name=name,
        short_name=name[:4],
        quota_category=(
            QuotaCategory.LOCAL
            if scope == QualificationScope.LOCAL
            else QuotaCategory.Q1_NORMAL_UNIVERSITY
        ),
        qualification=Qualification(
            scope=scope,
            region_code=region,
            subject_categories=("语文", "数学", "校本研修"),
            qualified_since=date(2012, 3, 1),
        ),
    )


INSTITUTIONS = [
    _inst("zjnu", "浙江师范大学", QualificationScope.PROVINCE),
    _inst("hznu", "杭州师范大学", QualificationScope.PROVINCE),
    _inst("xihu", "杭州市西湖区教师发展中心", QualificationScope.LOCAL, HOME_COUNTY),
]
SCHOOLS = [
    School(school_id="s1", name="杭州市西湖区实验小学", region_code=HOME_COUNTY, stages=("小学",)),
    School(school_id="s2", name="杭州市西湖区第二小学", region_code=HOME_COUNTY, stages=("小学",)),
    School(
        school_id="s3", name="杭州市拱墅区实验小学", region_code=SAME_CITY_COUNTY, stages=("小学",)
    ),
    School(
        school_id="s4", name="宁波市鄞州区实验小学", region_code=OTHER_CITY_COUNTY, stages=("小学",)
    ),
]


def idno(n: int) -> str:
    """A valid resident ID number of a woman born 1985-01-01 (GB 11643 check digit)."""
    first = f"33010619850101{2 * n:03d}"
    return first + id_check_digit(first)


def _teacher(tid: str, name: str, school: School, n: int) -> Teacher:
    return Teacher(
        teacher_id=tid,
        name=name,
        school_id=school.school_id,
        region_code=school.region_code,
        stage="小学",
        subject="语文",
        id_number=idno(n),
        gender="女",
        birth_date=date(1985, 1, 1),
        source="school",
    )


TEACHERS = [
    _teacher("t1", "王芳", SCHOOLS[0], 1),
    _teacher("t2", "李强", SCHOOLS[0], 2),
    _teacher("t3", "陈静", SCHOOLS[1], 3),
]

# identity name -> account; "anonymous" has no token, "unknown" a valid token and no account.
ACCOUNTS: dict[str, User] = {
    "teacher": User(
        user_id="t1",
        role=Role.TEACHER,
        name="王芳",
        school_id="s1",
        region_code=HOME_COUNTY,
        teacher_id="t1",
    ),
    "teacher.other_school": User(
        user_id="t3",
        role=Role.TEACHER,
        name="陈静",
        school_id="s2",
        region_code=HOME_COUNTY,
        teacher_id="t3",
    ),
    "principal": User(
        user_id="p-s1", role=Role.PRINCIPAL, name="赵校长", school_id="s1", region_code=HOME_COUNTY
    ),
    "principal.other_school": User(
        user_id="p-s2", role=Role.PRINCIPAL, name="钱校长", school_id="s2", region_code=HOME_COUNTY
    ),
    "school_admin": User(
        user_id="a-s1",
        role=Role.SCHOOL_ADMIN,
        name="孙老师",
        school_id="s1",
        region_code=HOME_COUNTY,
    ),
    "school_admin.other_school": User(
        user_id="a-s2",
        role=Role.SCHOOL_ADMIN,
        name="李老师",
        school_id="s2",
        region_code=HOME_COUNTY,
    ),
    "county_bureau": User(
        user_id="bureau-330106",
        role=Role.COUNTY_BUREAU,
        name="西湖区教育局",
        region_code=HOME_COUNTY,
    ),
    "county_bureau.other_county": User(
        user_id="bureau-330105",
        role=Role.COUNTY_BUREAU,
        name="拱墅区教育局",
        region_code=SAME_CITY_COUNTY,
    ),
    "county_bureau.other_city": User(
        user_id="bureau-330212",
        role=Role.COUNTY_BUREAU,
        name="鄞州区教育局",
        region_code=OTHER_CITY_COUNTY,
    ),
    "city_bureau": User(
        user_id="bureau-330100", role=Role.CITY_BUREAU, name="杭州市教育局", region_code="330100"
    ),
    "city_bureau.other_city": User(
        user_id="bureau-330200", role=Role.CITY_BUREAU, name="宁波市教育局", region_code="330200"
    ),
    "province_bureau": User(
        user_id="bureau-330000",
        role=Role.PROVINCE_BUREAU,
        name="浙江省教育厅",
        region_code="330000",
    ),
    "institution": User(
        user_id="inst-zjnu", role=Role.INSTITUTION, name="周老师", institution_id="zjnu"
    ),
    "institution.other": User(
        user_id="inst-hznu", role=Role.INSTITUTION, name="吴老师", institution_id="hznu"
    ),
    "institution.local": User(
        user_id="inst-xihu", role=Role.INSTITUTION, name="郑老师", institution_id="xihu"
    ),
    "centre": User(
        user_id="centre", role=Role.CENTRE, name="省中小学教师培训中心", region_code="330000"
    ),
    # The 省教师教育质量监控中心 (issue 14, QA-1): province-wide, read-only outside its records.
    "monitor": User(user_id="monitor", role=Role.MONITOR, name="省教师教育质量监控中心"),
    # Disabled: a province bureau account, the most powerful one there is.
    "disabled": User(
        user_id="bureau-330000-off",
        role=Role.PROVINCE_BUREAU,
        name="已停用的省厅账号",
        region_code="330000",
        disabled=True,
        disabled_by="bureau-330000",
        disabled_reason="离职",
    ),
}
UNKNOWN_SUB = "ghost"


def _published(pid: str, inst: Institution, bureau_region: str, starts: list[date]) -> Project:
    return Project(
        project_id=pid,
        term=TERM,
        status=ProjectStatus.PUBLISHED,
        institution_id=inst.institution_id,
        institution_name=inst.name,
        title=f"小学语文大单元教学设计（{inst.name}）",
        stage="小学",
        subject="语文",
        field="学科教学",
        level="骨干",
        form=TrainingForm.FACE_TO_FACE,
        credits_total=24,
        fee=Fee(total=Decimal("1200"), items=(FeeItem(name="培训费", amount=Decimal("1200")),)),
        leader=Person(name="张教授", title="教授"),
        target=Target(),
        bureau_region=bureau_region,
        classes=tuple(
            TrainingClass(
                class_id=f"{pid}-c{i + 1}",
                name=f"第{i + 1}期",
                start_date=s,
                end_date=date(s.year, s.month, s.day + 2),
                place="金华",
                capacity=30,
                # The second class has no timetable yet: CH-4 publishes one.
                timetable=(
                    (Session(day=s, start=time(9), end=time(11, 30), topic="开班讲座"),)
                    if i == 0
                    else ()
                ),
            )
            for i, s in enumerate(starts)
        ),
    )


PUBLISHED = [
    _published("pz", INSTITUTIONS[0], "330000", [date(2024, 5, 6), date(2024, 6, 3)]),
    _published("px", INSTITUTIONS[2], HOME_COUNTY, [date(2024, 5, 13), date(2024, 6, 10)]),
]


def _at(text: str) -> None:
    t = datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)
    clock.set_source(lambda: t)


def api(
    sub: str | None,
    method: str,
    route: str,
    params: dict[str, str] | None = None,
    body: Any = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Call the function that serves `route` (a routes.py path template) as `sub`."""
    path = route
    for k, v in (params or {}).items():
        path = path.replace("{" + k + "}", v)
    event = http_event(
        method,
        path,
        route=route,
        sub=sub,
        body=body,
        query=query,
        headers=headers,
        path_params=params,
    )
    return call(handler_for(method, route), event)


def handler_for(method: str, route: str) -> Any:
    """The Lambda handler routes.py names for `method route`."""
    found = [r for r in ROUTES if (r.method, r.path) == (method, route)]
    assert found, f"{method} {route} is not in functions/common/routes.py"
    return importlib.import_module(f"functions.{found[0].function}.handler").lambda_handler


def _ok(result: tuple[int, dict[str, Any], dict[str, str]], *expected: int) -> dict[str, Any]:
    status, body, _ = result
    assert status in expected, body
    return body


def _person(n: int, name: str, title: str, org: str, employee: bool = False) -> dict[str, Any]:
    return {
        "id_number": idno(n),
        "name": name,
        "title": title,
        "organisation": org,
        "formal_employee": employee,
    }


def draft(inst: Institution, leader: int) -> dict[str, Any]:
    """A complete, valid 24-credit face-to-face draft (3-day class in May)."""
    lead = _person(leader, f"负责人{leader}", "教授", inst.name, employee=True)
    return {
        "title": "小学语文大单元教学设计研修",
        "theme": "新课标背景下的大单元教学",
        "target": {"description": "小学语文骨干教师", "stages": ["小学"], "subjects": ["语文"]},
        "stage": "小学",
        "subject": "语文",
        "field": "学科教学",
        "level": "骨干",
        "form": "面授",
        "credits_total": 24,
        "credits_online": 0,
        "fee": {
            "total": "1200",
            "items": [
                {"name": "住宿费", "amount": "400"},
                {"name": "伙食费", "amount": "300"},
                {"name": "培训费", "amount": "500"},
            ],
        },
        "leader": lead,
        "instructors": [
            lead,
            _person(leader + 100, "讲师甲", "副教授", inst.name),
            _person(leader + 200, "专家乙", "正高级教师", "杭州市教育科学研究院"),
            _person(leader + 300, "专家丙", "高级教师", "金华市第一中学"),
        ],
        "classes": [
            {
                "name": "第1期",
                "start_date": "2024-05-20",
                "end_date": "2024-05-22",
                "place": "金华",
                "capacity": 40,
                "timetable": [
                    {
                        "day": "2024-05-20",
                        "start": "09:00",
                        "end": "11:30",
                        "topic": "开班讲座",
                        "instructor": lead["name"],
                    }
                ],
            }
        ],
    }


ORDER_FORM: dict[str, Any] = {
    "bureau_name": "杭州市西湖区教育局",
    "contact": "周老师",
    "mobile": "13800001111",
    "title": "小学语文大单元教学设计专题培训",
    "theme": "新课标下小学语文大单元整体教学",
    "target": "西湖区小学语文教师",
    "stage": "小学",
    "subject": "语文",
    "field": "学科教学",
    "trainees": 50,
    "days": 5,
    "level": "骨干",
    "form": "面授",
    "goals": "提升教师大单元整体教学设计能力。",
    "course_requirements": "以课例研讨为主，送教下县。",
    "intended_institutions": [],
}


def order_plan_for(iid: str, key: str) -> dict[str, Any]:
    inst = next(i for i in INSTITUTIONS if i.institution_id == iid)
    plan = order_plan(OrderForm.model_validate(ORDER_FORM), inst, date(2024, 5, 13), key=key)
    return plan.model_dump(mode="json")


class World:
    """What the builder made: ids of the resources the matrix rows name."""

    draft_id = ""  # zjnu's draft, incomplete (PH-APPLY)
    ready_id = ""  # zjnu's complete draft, not yet submitted
    submitted_id = ""  # zjnu's submitted application (reviewed by the province bureau)
    local_submitted_id = ""  # xihu's submitted application (reviewed by 西湖区)
    order_posted = ""  # 西湖区's order, still posted
    order_open = ""  # listed, no response yet
    order_listed = ""  # listed, answered by zjnu and hznu
    order_picked = ""  # zjnu picked
    order_submitted = ""  # zjnu formally applied
    change_id = ""  # pending major change of px (decided by 西湖区)
    change_id_province = ""  # pending major change of pz (decided by the province)
    job_id = "job-city-330100-0001"  # the city bureau's import job, still uploading
    correction_id = ""  # t2's pending request to correct her record (PH-1)
    anomaly_id = f"{HOME_COUNTY}-authz-1"
    registration_id = ""  # t1's pending school-based credits (CR-1), registered by s1
    check_id = ""  # a QA-1 finding about pz-c1 awaiting zjnu's answer
    answered_check_id = ""  # one zjnu answered, for the recorders to close


def seed_records() -> None:
    items: list[dict[str, Any]] = [records.institution_item(i) for i in INSTITUTIONS]
    items += [records.school_item(s) for s in SCHOOLS]
    items += [records_store.teacher_item(t) for t in TEACHERS]
    items += [records.user_item(u) for u in ACCOUNTS.values()]
    # t2 has a login too (a second teacher of the home school, for selections to review)
    items.append(
        records.user_item(
            User(
                user_id="t2",
                role=Role.TEACHER,
                name="李强",
                school_id="s1",
                region_code=HOME_COUNTY,
                teacher_id="t2",
            )
        )
    )
    for p in PUBLISHED:
        items += catalog.seed_items(p, with_project_item=True)
    store.batch_write(items)


def build() -> World:
    """Seed the records, then reach every state through the API. Leaves the clock unset."""
    w = World()
    seed_records()
    zjnu, _, xihu = INSTITUTIONS
    try:
        # --- applications (PH-APPLY) -------------------------------------------------------
        _at(APPLY)
        w.draft_id = _ok(api("inst-zjnu", "POST", "/api/projects", body={"title": "草稿"}), 201)[
            "project_id"
        ]
        for sub, inst, leader, attr in (
            ("inst-zjnu", zjnu, 1, "submitted_id"),
            ("inst-xihu", xihu, 2, "local_submitted_id"),
        ):
            rec = _ok(api(sub, "POST", "/api/projects", body=draft(inst, leader)), 201)
            pid = rec["project_id"]
            _ok(
                api(
                    sub,
                    "POST",
                    "/api/projects/{project_id}/submit",
                    {"project_id": pid},
                    {"version": rec["version"]},
                ),
                200,
            )
            setattr(w, attr, pid)
        w.ready_id = _ok(api("inst-zjnu", "POST", "/api/projects", body=draft(zjnu, 3)), 201)[
            "project_id"
        ]

        # --- a teacher's record correction (PH-1: records window) ---------------------------
        w.correction_id = _ok(
            api("t2", "POST", "/api/records/me/corrections", body={"subject": "数学"}), 201
        )["request_id"]

        # --- orders (PH-ORDER-*) -----------------------------------------------------------
        _at(ORDER_DEMAND)
        ids = [
            _ok(api("bureau-330106", "POST", "/api/orders", body={**ORDER_FORM, "title": t}), 201)[
                "order_id"
            ]
            for t in (
                "订单一号专题培训",
                "订单二号专题培训",
                "订单三号专题培训",
                "订单四号专题培训",
            )
        ]
        w.order_listed, w.order_picked, w.order_submitted, w.order_open = ids
        _at(ORDER_LIST)
        _ok(api("centre", "POST", "/api/orders/list"), 200)
        _at(ORDER_RESPOND)
        for oid in ids[:3]:
            for iid in ("zjnu", "hznu"):
                _ok(
                    api(
                        f"inst-{iid}",
                        "POST",
                        "/api/orders/{order_id}/responses",
                        {"order_id": oid},
                        {"plan": order_plan_for(iid, oid)},
                    ),
                    201,
                )
        _at(ORDER_PICK)
        for oid in (w.order_picked, w.order_submitted):
            _ok(
                api(
                    "bureau-330106",
                    "POST",
                    "/api/orders/{order_id}/pick",
                    {"order_id": oid},
                    {"institution_id": "zjnu"},
                ),
                200,
            )
        _at(ORDER_REVISE)
        _ok(
            api(
                "inst-zjnu",
                "PUT",
                "/api/orders/{order_id}/response",
                {"order_id": w.order_submitted},
                {"plan": order_plan_for("zjnu", w.order_submitted), "submit": True},
            ),
            200,
        )
        # An order still posted once the list is out: written as the demand window left it.
        _at(ORDER_DEMAND)
        posted = Order(
            order_id=f"{TERM}-ord-{HOME_COUNTY}-posted0001",
            term=TERM,
            county=HOME_COUNTY,
            county_name="杭州市西湖区",
            form=OrderForm.model_validate(ORDER_FORM),
            stage=OrderStage.POSTED,
            created_by="bureau-330106",
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        assert order_store.create_order(posted)
        w.order_posted = posted.order_id

        # --- changes after publication (CH-1 … CH-3) ----------------------------------------
        _at(R1)
        for sub, pid, attr in (
            ("inst-xihu", "px", "change_id"),
            ("inst-zjnu", "pz", "change_id_province"),
        ):
            ch = _ok(
                api(
                    sub,
                    "POST",
                    "/api/projects/{project_id}/changes",
                    {"project_id": pid},
                    {
                        "kind": "place",
                        "what": "第1期培训地点改为杭州",
                        "why": "场地维修",
                        "class_id": f"{pid}-c1",
                        "place": "杭州",
                    },
                ),
                201,
            )
            assert ch["status"] == "pending", ch
            setattr(w, attr, ch["change_id"])

        # --- selections (PH-R1, PH-R1-SCHOOL) ----------------------------------------------
        # t1 pending; t2 confirmed by the institution (training rows); t3 (school s2) approved
        # by her school, waiting for the institution's recheck
        _at(R1)
        for sub in ("t1", "t2", "t3"):
            _ok(api(sub, "POST", "/api/selections", body={"class_id": "pz-c1"}), 201)
        _at(R1_SCHOOL)
        for sub, tid in (("p-s1", "t2"), ("p-s2", "t3")):
            _ok(
                api(
                    sub,
                    "POST",
                    "/api/school/reviews",
                    body={
                        "items": [{"teacher_id": tid, "class_id": "pz-c1"}],
                        "decision": "approve",
                    },
                ),
                200,
            )

        # --- expansions (PH-EXPAND-APPLY) --------------------------------------------------
        _at(EXPAND_APPLY)
        for sub, cid in (("inst-zjnu", "pz-c1"), ("inst-xihu", "px-c1")):
            _ok(
                api(
                    sub,
                    "POST",
                    "/api/institution/expansions",
                    body={"class_id": cid, "extra": 5, "reason": "报名人数多"},
                ),
                201,
            )

        _at(R1_RECHECK)
        body = {"items": [{"teacher_id": "t2", "class_id": "pz-c1"}], "decision": "confirm"}
        _ok(api("inst-zjnu", "POST", "/api/institution/rechecks", body=body), 200)

        # --- records: an import job and an anomaly (TD-1, TD-3) ----------------------------
        _ok(
            api(
                "bureau-330100",
                "POST",
                "/api/records/imports",
                body={"file_name": "teachers.csv", "size": 10},
                headers={"Idempotency-Key": w.job_id},
            ),
            201,
        )
        records_store.put_anomalies(
            [
                Anomaly(
                    anomaly_id=w.anomaly_id,
                    kind=AnomalyKind.INACTIVE_WITH_SELECTIONS,
                    region_code=HOME_COUNTY,
                    owner_school_id="s1",
                    owner_region=HOME_COUNTY,
                    school_ids=("s1",),
                    teacher_ids=("t1",),
                    detail="测试异常",
                    actions=(ResolveAction.ACKNOWLEDGE,),
                    found_at=clock.now(),
                )
            ]
        )
        # --- credits and quality (issue 14) ------------------------------------------------
        _at(R1)
        w.registration_id = _ok(
            api(
                "p-s1",
                "POST",
                "/api/credits/school-based",
                body={
                    "teacher_id": "t1",
                    "title": "校本研修读书会",
                    "on": "2024-03-15",
                    "offline": 10,
                },
            ),
            201,
        )["registration_id"]
        _at(TRAIN)
        for attr in ("check_id", "answered_check_id"):
            setattr(
                w,
                attr,
                _ok(api("monitor", "POST", "/api/quality/checks", body=CHECK), 201)["check_id"],
            )
        _ok(
            api(
                "inst-zjnu",
                "POST",
                "/api/quality/checks/{institution_id}/{check_id}/answer",
                {"institution_id": "zjnu", "check_id": w.answered_check_id},
                {"answer": "已调整课程安排"},
            ),
            200,
        )
    finally:
        clock.set_source(None)
    return w


# A QA-1 spot check of zjnu's pz-c1 with a finding to answer.
CHECK = {
    "class_id": "pz-c1",
    "checked_on": "2024-04-19",
    "items": ["课程实施与课程表一致"],
    "findings": "课程表与申报不一致",
    "rating": "pass",
    "follow_up": True,
}
