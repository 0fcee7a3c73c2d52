"""Selection rules as pure functions over models (unit-tested without a store)."""

from __future__ import annotations

from datetime import datetime

from functions.common.errors import NotEligible, OutsideWindow
from schemas.calendar import PhaseId, TermCalendar
from schemas.catalog import ClassInfo, ProjectKind
from schemas.people import Teacher
from schemas.regions import RegionTree


def selection_round(calendar: TermCalendar, at: datetime) -> int:
    """Which selection round is open at `at` (SE-1; PH-R1, PH-R2). Raises OutsideWindow.

    Checked on the server from the clock on every selection write, never trusted from the page.
    """
    if calendar.is_open(PhaseId.R1, at):
        return 1
    if calendar.is_open(PhaseId.R2, at):
        return 2
    r1, r2 = calendar.window(PhaseId.R1), calendar.window(PhaseId.R2)
    raise OutsideWindow(
        f"当前不在选课时间内。第一轮：{r1.start:%m月%d日}—{r1.end:%m月%d日}；"
        f"第二轮：{r2.start:%m月%d日}—{r2.end:%m月%d日}",
    )


def check_eligible(teacher: Teacher, info: ClassInfo, regions: RegionTree) -> None:
    """Is `teacher` among the trainees the project targets? Raises NotEligible.

    Order projects (PH-2) are selectable only by teachers of the ordering county; otherwise the
    project's target regions, stages and subjects apply (an empty list means no restriction).
    """
    t = info.target
    if info.kind == ProjectKind.ORDER and info.order_county:
        if not regions.within(teacher.region_code, info.order_county):
            raise NotEligible(
                f"该项目为{regions.full_name(info.order_county)}订单式项目，仅限本地教师选择"
            )
    if t.region_codes and not any(regions.within(teacher.region_code, r) for r in t.region_codes):
        names = "、".join(regions.full_name(r) for r in t.region_codes)
        raise NotEligible(f"该项目仅面向{names}的教师")
    if t.stages and teacher.stage not in t.stages:
        raise NotEligible(f"该项目面向{'、'.join(t.stages)}学段，你的学段是{teacher.stage}")
    if t.subjects and teacher.subject not in t.subjects:
        raise NotEligible(f"该项目面向{'、'.join(t.subjects)}学科，你的学科是{teacher.subject}")
