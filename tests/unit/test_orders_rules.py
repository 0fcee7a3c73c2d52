"""The pure order rules (functions/orders/rules.py): visibility, qualification age, the county
minimum and the fit of a plan to its order."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from functions.orders import rules
from local.demo import order_plan
from schemas.calendar import term_calendar
from schemas.orders import Order, OrderForm, OrderStage
from schemas.org import Institution, Qualification, QualificationScope, QuotaCategory

ON = date(2024, 3, 11)


def inst(iid: str, scope: QualificationScope, since: date) -> Institution:
    return Institution(
        institution_id=iid,
        name=f"{iid}学院",
        quota_category=QuotaCategory.Q2_PROVINCE_WIDE,
        qualification=Qualification(
            scope=scope,
            subject_categories=("数学",),
            qualified_since=since,
            region_code="330106" if scope == QualificationScope.LOCAL else None,
        ),
    )


FORM = OrderForm(
    bureau_name="杭州市西湖区教育局",
    contact="周老师",
    mobile="13800001111",
    title="小学数学专题培训",
    theme="大单元教学",
    target="小学数学教师",
    stage="小学",
    subject="数学",
    field="学科教学",
    trainees=50,
    days=5,
    level="骨干",
    form="面授",
    goals="目标",
    course_requirements="要求",
)


def order(stage: OrderStage = OrderStage.LISTED, named: tuple[str, ...] = ()) -> Order:
    t = datetime(2024, 3, 8, tzinfo=UTC)
    return Order(
        order_id="2024H1-ord-330106-x",
        term="2024H1",
        county="330106",
        form=FORM.model_copy(update={"intended_institutions": named}),
        stage=stage,
        created_by="bureau-330106",
        created_at=t,
        updated_at=t,
    )


OLD = inst("old", QualificationScope.PROVINCE, date(2012, 1, 1))
NEW = inst("new", QualificationScope.PROVINCE, date(2023, 9, 15))
LOCAL = inst("local", QualificationScope.LOCAL, date(2012, 1, 1))
REMOTE = inst("remote", QualificationScope.REMOTE, date(2012, 1, 1))


def test_the_reference_date_is_the_first_response_day_of_the_term_Q_5():
    assert rules.reference_date(term_calendar("2024H1")) == ON


@pytest.mark.parametrize(
    ("since", "under"),
    [(date(2023, 3, 13), True), (date(2023, 3, 12), False), (date(2024, 3, 1), True)],
)
def test_qualified_under_one_year_Q_5(since, under):
    i = inst("xx", QualificationScope.PROVINCE, since)
    assert rules.qualified_under_one_year(i, ON) is under


@pytest.mark.parametrize(
    ("who", "named", "visible"),
    [
        (OLD, (), True),
        (OLD, ("old",), True),
        (OLD, ("other",), False),
        (NEW, (), False),
        (NEW, ("new",), False),
        (LOCAL, (), False),
        (LOCAL, ("local",), False),
        (REMOTE, (), True),
    ],
)
def test_visibility_by_kind_of_institution_OD_2_OD_4(who, named, visible):
    assert rules.order_visible_to(order(named=named), who, ON) is visible


def test_an_order_not_yet_listed_is_visible_to_nobody_OD_2():
    assert not rules.order_visible_to(order(OrderStage.POSTED), OLD, ON)


@pytest.mark.parametrize(("posted", "missing"), [(0, 3), (1, 2), (3, 0), (5, 0)])
def test_orders_missing_Q_7(posted, missing):
    assert rules.orders_missing(posted) == missing


def test_intended_institutions_are_checked_OD_1():
    f = FORM.model_copy(update={"intended_institutions": ("old", "new", "local", "gone")})
    errs = rules.intended_problems(f, {"old": OLD, "new": NEW, "local": LOCAL}, ON)
    assert [e.code for e in errs] == [
        "institution_too_new",
        "institution_not_province_wide",
        "unknown_institution",
    ]


def test_a_demo_plan_fits_its_order_and_a_changed_one_does_not_OD_5():
    plan = order_plan(FORM, OLD, date(2024, 5, 13))
    assert rules.plan_fits_order(plan, order()) == []
    bigger = plan.model_copy(
        update={"classes": [plan.classes[0].model_copy(update={"capacity": 60})]}
    )
    assert [e.rule for e in rules.plan_fits_order(bigger, order())] == ["OD-5"]
    two = plan.model_copy(update={"classes": [plan.classes[0], plan.classes[0]]})
    assert [e.rule for e in rules.plan_fits_order(two, order())] == ["OD-3"]
