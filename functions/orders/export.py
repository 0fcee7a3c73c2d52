"""The orders workbook (xlsx) in the layout of attachment 3 (主题式培训项目订单): a summary sheet
with one row per order, then one sheet per order laid out as the paper form."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

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


def orders_workbook(orders: Sequence[Order], names: Mapping[str, str]) -> bytes:
    from openpyxl import Workbook  # imported on use: only export requests pay for it
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "订单汇总"
    ws.append(list(HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for o in orders:
        ws.append(summary_row(o, names))
    ws.freeze_panes = "A2"
    wrap = Alignment(wrap_text=True, vertical="top")
    for n, o in enumerate(orders, start=1):
        sheet = wb.create_sheet(f"订单{n}")
        sheet.append(["主题式培训项目订单"])
        sheet["A1"].font = Font(bold=True, size=14)
        f = o.form
        sheet.append(
            [f"申报单位（盖章）：{f.bureau_name}", f"联系人：{f.contact}", f"手机：{f.mobile}"]
        )
        for label, attr in FORM_FIELDS[3:]:
            value = getattr(f, attr)
            sheet.append([label, str(value) if attr == "form" else value])
        sheet.append(["意向培训机构", _intended(o, names)])
        sheet.append(["订单编号", o.order_id])
        sheet.column_dimensions["A"].width = 24
        sheet.column_dimensions["B"].width = 60
        for row in sheet.iter_rows(min_row=3):
            for cell in row:
                cell.alignment = wrap
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
