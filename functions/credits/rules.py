"""Credit rules as pure functions (CR-1, CR-2, CR-3): what a class's completion is worth, the
school-based cap, the pace of a cycle, and when a later segment may be decided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from functions.common.errors import OutsideWindow, ValidationFailed
from schemas.calendar import SHANGHAI
from schemas.catalog import Project, Segment
from schemas.credits import CreditCycle, CreditsConfig


@dataclass(frozen=True)
class ClassCredits:
    segment: int  # 0: the project is not segmented
    credits: int
    online: int


def segment_of_term(project: Project, term: str) -> int:
    """CR-2: the segment (1-based) a segmented project runs in `term`; its first segment when
    none names the term (0 for a project without segments)."""
    if not project.segments:
        return 0
    for i, s in enumerate(project.segments, start=1):
        if s.semester == term:
            return i
    return 1


def segment_credits(project: Project, segment: int) -> ClassCredits:
    """CR-2, CR-3: what completing `segment` earns: the segment's credits, online ones in the
    project's proportion (a whole project when `segment` is 0)."""
    if segment == 0 or not project.segments:
        return ClassCredits(0, project.credits_total, project.credits_online)
    s: Segment = project.segments[segment - 1]
    online = round(s.credits * project.credits_online / project.credits_total)
    return ClassCredits(segment, s.credits, min(online, s.credits))


def class_credits(project: Project, term: str) -> ClassCredits:
    """What a 合格 in one of the project's classes of `term` earns (CR-2: a segment's credits,
    never the whole project's, when the project runs in segments)."""
    return segment_credits(project, segment_of_term(project, term))


def semester_start(semester: str) -> date:
    """The first day of a semester named like 2024H2 (H1 from January, H2 from July)."""
    year, half = int(semester[:4]), semester[-1]
    return date(year, 1 if half == "1" else 7, 1)


def check_segment_open(project: Project, segment: int, now: datetime) -> Segment:
    """CR-2: a later segment is decided from its semester on. Raises OutsideWindow, or
    ValidationFailed for a segment the project does not have."""
    if segment < 2 or segment > len(project.segments):
        raise ValidationFailed("该项目没有这一段")
    s = project.segments[segment - 1]
    starts = semester_start(s.semester)
    if now.astimezone(SHANGHAI).date() < starts:
        raise OutsideWindow(f"{s.name}在{starts.year}年{starts.month}月起实施，届时才能认定结业")
    return s


def cycle_for(config: CreditsConfig, day: date) -> CreditCycle:
    cycle = config.cycle_of(day)
    if cycle is None:
        raise ValidationFailed(f"{day:%Y年%m月%d日}不在任何学分周期内")
    return cycle


def expected_by_now(cycle: CreditCycle, today: date) -> int:
    """The credits a teacher keeping a steady pace has reached by `today`: the requirement in
    proportion to the cycle's elapsed days (all of it once the cycle is over)."""
    if today <= cycle.start:
        return 0
    if today >= cycle.end:
        return cycle.required
    days = (cycle.end - cycle.start).days + 1
    elapsed = (today - cycle.start).days
    return cycle.required * elapsed // days


def behind(total: int, expected: int) -> bool:
    """Behind the pace: fewer credits than a steady pace would have by now."""
    return total < expected


def percent(total: int, required: int) -> float:
    return round(min(100.0, max(0.0, total * 100 / required)), 1) if required else 100.0


def school_based_room(cycle: CreditCycle, held: int) -> int:
    """CR-1: school-based credits that may still be registered in the cycle."""
    return max(0, cycle.school_based_cap - held)


def cap_message(name: str, cycle: CreditCycle, held: int, asked: int) -> str:
    """CR-1: why a registration was refused, with how many credits remain."""
    room = school_based_room(cycle, held)
    return (
        f"{name}本周期（{cycle.name}）校本研修学分已登记 {held} 学分，"
        f"上限 {cycle.school_based_cap} 学分，还可登记 {room} 学分，本次 {asked} 学分超出上限"
    )


def check_registration_day(cycle: CreditCycle | None, on: date, today: date) -> CreditCycle:
    """A school-based activity is registered after it took place, within a credit cycle."""
    if on > today:
        raise ValidationFailed("研修日期不能晚于今天：校本研修在活动结束后登记")
    if cycle is None:
        raise ValidationFailed(f"研修日期{on:%Y年%m月%d日}不在任何学分周期内")
    return cycle
