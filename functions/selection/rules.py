"""Selection rules as pure functions over models (unit-tested without a store)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from functions.common.errors import NotEligible, OutsideWindow
from functions.common.scope import PROVINCE
from schemas.calendar import PhaseId, TermCalendar
from schemas.catalog import ClassInfo, ProjectKind
from schemas.people import Teacher
from schemas.regions import RegionCode, RegionTree
from schemas.selection import SEAT_HOLDING, ClosingStep, Selection, SelectionStatus


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


def review_round(calendar: TermCalendar, at: datetime) -> int:
    """Which school review is open (PH-R1-SCHOOL → 1, PH-R2-SCHOOL → 2). Raises OutsideWindow.

    The number is the highest selection round a school may review now: a round-1 selection
    promoted from the waitlist after PH-R1-SCHOOL closed is reviewed in PH-R2-SCHOOL."""
    return _open_round(calendar, at, PhaseId.R1_SCHOOL, PhaseId.R2_SCHOOL, "学校审核")


def recheck_round(calendar: TermCalendar, at: datetime) -> int:
    """Which institution recheck is open (PH-R1-RECHECK → 1, PH-R2-RECHECK → 2)."""
    return _open_round(calendar, at, PhaseId.R1_RECHECK, PhaseId.R2_RECHECK, "机构复核")


def _open_round(
    calendar: TermCalendar, at: datetime, first: PhaseId, second: PhaseId, what: str
) -> int:
    if calendar.is_open(second, at):
        return 2
    if calendar.is_open(first, at):
        return 1
    w1, w2 = calendar.window(first), calendar.window(second)
    raise OutsideWindow(
        f"当前不在{what}时间内。第一轮：{w1.start:%m月%d日}—{w1.end:%m月%d日}；"
        f"第二轮：{w2.start:%m月%d日}—{w2.end:%m月%d日}"
    )


def check_window(calendar: TermCalendar, phase: PhaseId, at: datetime) -> None:
    """Raises OutsideWindow unless `phase` is open at `at` (PH-EXPAND-APPLY, PH-EXPAND-ACCEPT)."""
    if not calendar.is_open(phase, at):
        w = calendar.window(phase)
        raise OutsideWindow(f"当前不在「{w.name}」时间内（{w.start:%m月%d日}—{w.end:%m月%d日}）")


def expansion_bureau_region(info: ClassInfo) -> RegionCode:
    """The region of the bureau that accepts or refuses an expansion of `info`'s class (SE-3):
    the project's responsible bureau, decided once when it was published (the projects context's
    `responsible_bureau_region`: the ordering county for order projects, the region of a local
    institution, else the province) and stored on the class. Classes written before the field
    existed fall to the province bureau, which may act on every expansion."""
    return info.bureau_region or PROVINCE


def may_decide_expansion(
    bureau_region: RegionCode | None, target: RegionCode, regions: RegionTree
) -> bool:
    """A bureau acts on expansions of classes whose responsible region lies within its own."""
    return bool(bureau_region) and regions.within(target, bureau_region or "")


def on_roll(teacher: Teacher) -> bool:
    """SE-1: a teacher the school reviews and reminds: in post (在职) and not merged away."""
    return teacher.employment == "在职" and not teacher.merged_into


def has_open_selection(selections: Iterable[Selection]) -> bool:
    """Has the teacher a class this term (holding a seat or waiting for one)?"""
    return any(s.status in (*SEAT_HOLDING, SelectionStatus.WAITLISTED) for s in selections)


def promotion_open(calendar: TermCalendar, at: datetime) -> bool:
    """SE-1: a waitlisted teacher is promoted only while a review window can still review the
    seat; after PH-R2-RECHECK closes nobody is (the waitlists are closed then, too)."""
    return at < calendar.last_review_close()


def closing_steps(phase: PhaseId) -> list[tuple[ClosingStep, int]]:
    """What the close of `phase` does, in order, with the highest selection round it covers
    (SE-1): a school review window resolves the selections still pending; a recheck window the
    ones still waiting for the institution; the last one first closes every waitlist (no window
    is left to review a promoted seat), then resolves what is pending and unrechecked."""
    return {
        PhaseId.R1_SCHOOL: [(ClosingStep.SCHOOL, 1)],
        PhaseId.R2_SCHOOL: [(ClosingStep.SCHOOL, 2)],
        PhaseId.R1_RECHECK: [(ClosingStep.RECHECK, 1)],
        PhaseId.R2_RECHECK: [
            (ClosingStep.WAITLIST, 2),
            (ClosingStep.SCHOOL, 2),
            (ClosingStep.RECHECK, 2),
        ],
    }.get(phase, [])


WITHDRAWABLE = (SelectionStatus.PENDING, SelectionStatus.SCHOOL_APPROVED)


def may_withdraw(status: SelectionStatus, round_open: bool, has_right: bool) -> bool:
    """May the teacher withdraw (退选) now? While a round is open a pending or school-approved
    seat, or a waitlist place; outside the rounds only with a CH-3 withdrawal right, which
    covers a confirmed seat too (the store enforces the same in the write)."""
    if status == SelectionStatus.WAITLISTED:
        return round_open
    if round_open and status in WITHDRAWABLE:
        return True
    return has_right and status in (*WITHDRAWABLE, SelectionStatus.CONFIRMED)
