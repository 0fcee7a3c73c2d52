"""The orders workbook (xlsx) in the layout of attachment 3 (主题式培训项目订单): a summary sheet
with one row per order, then one sheet per order laid out as the paper form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from functions.common import xlsx
from schemas.orders import STAGE_NAMES, Order

# Attachment 3's fields in its order (OD-1), then the platform's tracking columns.
FORM_FIELDS: tuple[tuple[str, str], ...] = (
    ("申报单位", "bureau_name"),
    ("联系人", "contact"),
    ("手机", "mobile"),
    ("项目名称", "title"),
    ("培训主题", "theme"),
    ("参训对象", "target"),
    ("学段", "stage"),
    ("学科", "subject"),
    ("培训领域", "field"),
    ("参训人数", "trainees"),
    ("培训天数", "days"),
    ("培训层次", "level"),
    ("培训形式", "form"),
    ("培训目标（200字内）", "goals"),
    ("培训课程要求（200字内）", "course_requirements"),
)
HEADERS = (
    "订单编号",
    "县（市、区）",
    *(label for label, _ in FORM_FIELDS),
    "意向培训机构",
    "阶段",
    "承训机构",
)


def _intended(o: Order, names: Mapping[str, str]) -> str:
    named = o.form.intended_institutions
    if not named:
        return "无"
    return "有：" + "；".join(f"{i}. {names.get(n, n)}" for i, n in enumerate(named, start=1))


def summary_row(o: Order, names: Mapping[str, str]) -> list[object]:
    f = o.form
    return [
        o.order_id,
        o.county_name or o.county,
        *(str(getattr(f, attr)) if attr == "form" else getattr(f, attr) for _, attr in FORM_FIELDS),
        _intended(o, names),
        STAGE_NAMES[o.stage],
        names.get(o.picked_institution_id or "", ""),
    ]


def form_rows(o: Order, names: Mapping[str, str]) -> list[list[object]]:
    """One order laid out as the paper form of attachment 3."""
    f = o.form
    rows: list[list[object]] = [
        [f"申报单位（盖章）：{f.bureau_name}", f"联系人：{f.contact}", f"手机：{f.mobile}"]
    ]
    for label, attr in FORM_FIELDS[3:]:
        value = getattr(f, attr)
        rows.append([label, str(value) if attr == "form" else value])
    rows.append(["意向培训机构", _intended(o, names)])
    rows.append(["订单编号", o.order_id])
    return rows


def orders_workbook(orders: Sequence[Order], names: Mapping[str, str]) -> bytes:
    summary = xlsx.Sheet("订单汇总", [summary_row(o, names) for o in orders], header=HEADERS)
    forms = [
        xlsx.Sheet(
            f"订单{n}",
            form_rows(o, names),
            heading="主题式培训项目订单",
            widths=(24, 60),
            wrap=True,
        )
        for n, o in enumerate(orders, start=1)
    ]
    return xlsx.workbook([summary, *forms])
