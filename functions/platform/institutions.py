"""The institution directory: what the pickers that name an institution show (a county's intended
institutions on an order, an institution account's institution), by name, never by code."""

from __future__ import annotations

from datetime import date
from typing import Any

from functions.common import scope
from functions.common.errors import Forbidden
from functions.common.settings import settings
from functions.orders import rules as order_rules
from functions.platform import store
from schemas.calendar import term_calendar
from schemas.org import Institution, QualificationScope, QuotaCategory
from schemas.people import User
from schemas.projects import quota_table
from schemas.regions import region_tree

SCOPE_NAMES = {
    QualificationScope.PROVINCE: "面向全省",
    QualificationScope.REMOTE: "远程培训",
    QualificationScope.LOCAL: "本地",
}
_ORDER = list(QuotaCategory)


def directory(user: User) -> list[dict[str, Any]]:
    """The institutions `user` may name (scope.sees_institution): bureaus and the centre only.
    Each says whether it may take orders (OD-2, OD-4, Q-5) and, if not, why."""
    if scope.region_scope(user) is None:
        raise Forbidden("只有教育局和省培训中心可以查看培训机构名录")
    tree = region_tree()
    term = settings().term
    on = order_rules.reference_date(term_calendar(term))
    new_days = quota_table(term).new_institution_days
    found = [i for i in store.institutions() if scope.sees_institution(user, i, tree)]
    found.sort(key=lambda i: (_ORDER.index(i.quota_category), i.name))
    return [_view(i, on, new_days) for i in found]


def _view(inst: Institution, on: date, new_days: int) -> dict[str, Any]:
    q = inst.qualification
    tree = region_tree()
    if not order_rules.province_facing(inst):
        why = "仅具有本地培训资质，不能承接订单项目"
    elif order_rules.qualified_under_one_year(inst, on, new_days):
        why = "取得资质不满一年，不能承接订单项目"
    else:
        why = ""
    return {
        "institution_id": inst.institution_id,
        "name": inst.name,
        "short_name": inst.short_name,
        "scope": q.scope.value,
        "scope_text": SCOPE_NAMES[q.scope],
        "region_name": tree.full_name(q.region_code) if q.region_code in tree.regions else "",
        "takes_orders": not why,
        "why_not_orders": why,
    }
