"""Order rules as pure functions over models (OD-1 … OD-5, Q-5, Q-7, AP-6).

State-dependent rules (one response per institution, one contractor per order, the order's
stage) are enforced again in the conditional writes of `functions/orders/store.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from schemas.calendar import PhaseId, TermCalendar
from schemas.orders import MIN_ORDERS_PER_COUNTY, Order, OrderForm, OrderStage
from schemas.org import Institution, QualificationScope
from schemas.projects import FieldError, ProjectDraft
from schemas.vocab import Vocabulary

Errors = list[FieldError]

# Scopes that face the whole province (面向全省): province-wide and remote (distance) training.
# Local qualifications cover one region and never see orders.
PROVINCE_FACING = (QualificationScope.PROVINCE, QualificationScope.REMOTE)


def _err(field: str, code: str, message: str, rule: str = "") -> FieldError:
    return FieldError(field=field, code=code, message=message, rule=rule)


def reference_date(calendar: TermCalendar) -> date:
    """The day an institution's qualification age is measured on: the first day institutions
    may respond to orders (PH-ORDER-RESPOND), from the term's calendar (Q-5, OD-4)."""
    return calendar.window(PhaseId.ORDER_RESPOND).start


def qualified_under_one_year(inst: Institution, on: date, new_days: int = 365) -> bool:
    """Q-5: qualified for less than one year on `on` (`new_days` from the quota table)."""
    return (on - inst.qualification.qualified_since).days < new_days


def province_facing(inst: Institution) -> bool:
    """OD-2: qualified for province-wide training (province or remote scope, not local)."""
    return inst.qualification.scope in PROVINCE_FACING


def may_take_orders(inst: Institution, on: date, new_days: int = 365) -> bool:
    """OD-2, OD-4, Q-5: province-facing and qualified for at least one year."""
    return province_facing(inst) and not qualified_under_one_year(inst, on, new_days)


def order_visible_to(order: Order, inst: Institution, on: date, new_days: int = 365) -> bool:
    """OD-2: a listed order naming intended institutions is shown only to them; one naming none
    to every institution qualified for province-wide training. OD-4/Q-5: an institution
    qualified for under one year sees no order. Orders not yet listed are shown to nobody."""
    if order.stage == OrderStage.POSTED or not may_take_orders(inst, on, new_days):
        return False
    named = order.form.intended_institutions
    return not named or inst.institution_id in named


def intended_problems(
    form: OrderForm, institutions: Mapping[str, Institution], on: date, new_days: int = 365
) -> Errors:
    """OD-1: intended institutions are one to three institutions that may take orders."""
    out: Errors = []
    for i, iid in enumerate(form.intended_institutions):
        inst = institutions.get(iid)
        at = f"intended_institutions.{i}"
        if inst is None:
            out.append(_err(at, "unknown_institution", f"培训机构“{iid}”不存在", "OD-1"))
        elif not province_facing(inst):
            out.append(
                _err(
                    at,
                    "institution_not_province_wide",
                    f"{inst.name}不具有面向全省培训资质，不能承接订单项目",
                    "OD-2",
                )
            )
        elif qualified_under_one_year(inst, on, new_days):
            out.append(
                _err(
                    at,
                    "institution_too_new",
                    f"{inst.name}取得资质不满一年，不能承接订单项目",
                    "OD-4",
                )
            )
    return out


def form_values_in_vocabulary(form: OrderForm, vocab: Vocabulary) -> Errors:
    """OD-1: the order's stage, subject, field and level are values of the controlled
    vocabularies (data/vocab.yaml), the ones institutions' plans and the catalog use. An order is
    for one stage: 全学段 is not one."""
    out: Errors = []
    for kind in ("stage", "subject", "field", "level"):
        if problem := vocab.problem(kind, getattr(form, kind), project=False):
            out.append(_err(kind, "not_in_vocabulary", problem, "OD-1"))
    return out


def orders_missing(posted: int) -> int:
    """Q-7 / OD-3: how many more orders a county must post to reach 3."""
    return max(0, MIN_ORDERS_PER_COUNTY - posted)


def plan_fits_order(plan: ProjectDraft, order: Order) -> Errors:
    """OD-5 一单一方案 and OD-3: the plan answers this order alone, as one class period whose
    stage, subject, form, number of trainees and training days are the order's."""
    f, out = order.form, []
    if len(plan.classes) != 1:
        out.append(
            _err(
                "classes",
                "one_class_per_order",
                "每个订单为1个班期，方案须且只能设置1个班期",
                "OD-3",
            )
        )
    for name, label, want in (
        ("stage", "学段", f.stage),
        ("subject", "学科", f.subject),
        ("form", "培训形式", f.form),
    ):
        got = getattr(plan, name)
        if got is not None and got != want:
            out.append(
                _err(name, "differs_from_order", f"{label}须与订单一致（订单：{want}）", "OD-5")
            )
    for i, c in enumerate(plan.classes[:1]):
        if c.capacity is not None and c.capacity != f.trainees:
            out.append(
                _err(
                    f"classes.{i}.capacity",
                    "differs_from_order",
                    f"班额须与订单参训人数一致（{f.trainees}人）",
                    "OD-5",
                )
            )
        if c.start_date and c.end_date and (c.end_date - c.start_date).days + 1 != f.days:
            out.append(
                _err(
                    f"classes.{i}.end_date",
                    "differs_from_order",
                    f"培训天数须与订单一致（{f.days}天）",
                    "OD-5",
                )
            )
    return out
