"""A teacher's own data as one xlsx workbook (个人信息保护法 art. 45: she may obtain a copy of
her personal information): `GET /api/me/export`.

One sheet per source, in `SOURCES`. Each source is a plain function of the teacher (and the
calling account) returning a `Sheet`; the workbook is those sheets in order. The training
issues add their data the same way: an attendance source and a credits source (issues 14 and
18) each write a `def attendance_sheet(teacher, user) -> Sheet` beside their store and append it
to `SOURCES` below; nothing else changes.

Correcting the record is not done here: she asks her school through 我的信息 (PH-1).
The workbook shows her ID number in full, so the download is audited like any other unmasked
read (functions/common/pi_audit.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from functions.common import pi_audit, records, xlsx
from functions.common.auth import require
from functions.common.errors import NotFound
from functions.records import service as records_service
from functions.records import store as records_store
from functions.selection import store as selection_store
from schemas.calendar import SHANGHAI, all_calendars
from schemas.people import ROLE_NAMES, Role, Teacher, User
from schemas.privacy import mask_id_number
from schemas.selection import PROMOTED_TEXT, STATUS_TEXT

FILENAME = "我的个人数据.xlsx"


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]] = field(default_factory=list)


SheetSource = Callable[[Teacher, User], Sheet]


def _date(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return str(value)


def record_sheet(teacher: Teacher, user: User) -> Sheet:
    """Her record as the platform holds it, and her account."""
    school = records_store.get_school(teacher.school_id)
    rows: list[tuple[str, Any]] = [
        ("姓名", teacher.name),
        ("身份证件号", teacher.id_number or ""),
        ("性别", teacher.gender),
        ("出生日期", _date(records_service.birth_date_of(teacher))),
        ("学校", school.name if school else ""),
        ("学段", teacher.stage),
        ("任教学科", teacher.subject),
        ("专业技术职务", teacher.title),
        ("在岗状态", teacher.employment),
        ("档案来源", {"national": "国家系统", "school": "学校维护"}.get(teacher.source, "")),
        ("平台账号", user.user_id),
        ("账号角色", ROLE_NAMES[user.role]),
    ]
    return Sheet("个人信息", ("项目", "内容"), rows)


def selections_sheet(teacher: Teacher, user: User) -> Sheet:
    """Every selection of every term the platform has a calendar for."""
    rows = []
    for cal in all_calendars():
        for s in selection_store.list_for_teacher(teacher.teacher_id, cal.term):
            text = PROMOTED_TEXT[0] if s.promoted else STATUS_TEXT[s.status][0]
            rows.append(
                (
                    cal.name,
                    s.project_title,
                    s.class_name,
                    s.institution_name,
                    _date(s.start_date),
                    _date(s.end_date),
                    f"第{s.round}轮",
                    text,
                    s.reason,
                    _date(s.created_at),
                    _date(s.updated_at),
                )
            )
    headers = (
        "学期", "项目", "班期", "培训机构", "开始日期", "结束日期", "轮次", "状态", "说明",
        "选课时间", "最近更新",
    )  # fmt: skip
    return Sheet("选课记录", headers, rows)


def credits_sheet(teacher: Teacher, user: User) -> Sheet:
    """Her credit ledger, every cycle (issue 14)."""
    from functions.credits import service as credits_service

    return Sheet(*credits_service.credits_sheet(teacher, user))


# The sheets of the download, in order. Attendance (issue 18) appends its sheet here.
SOURCES: tuple[SheetSource, ...] = (record_sheet, selections_sheet, credits_sheet)


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """The sheets as one workbook (functions/common/xlsx: every text cell is text, never a
    formula; a name typed as "=HYPERLINK(…)" stays those characters)."""
    return xlsx.workbook([xlsx.Sheet(s.title, s.rows, header=s.headers) for s in sheets])


def my_data(user: User, now: datetime, *, page: str, route: str) -> bytes:
    """The calling teacher's data as xlsx; the ID number it shows is audited first."""
    require(user, Role.TEACHER)
    teacher = records.get_teacher(user.teacher_id or "")
    if teacher is None:
        raise NotFound("未找到你的教师信息，请联系学校管理员")
    sheets = [source(teacher, user) for source in SOURCES]
    if teacher.id_number:
        pi_audit.record_reads(
            user.user_id,
            [
                pi_audit.Subject(
                    id_masked=mask_id_number(teacher.id_number),
                    name=teacher.name,
                    teacher_id=teacher.teacher_id,
                )
            ],
            now,
            page=page,
            route=route,
        )
    return workbook(sheets)
