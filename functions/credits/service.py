"""Credit views (issue 14): 我的学分 (a cycle's entries and totals against its requirement), the
teacher's 培训档案 (every entry and completion, xlsx or printed), a school's teachers' progress
and who is behind, a bureau's region by school or county (from the scheduled aggregation).
Scoped as the records context scopes teachers (functions/common/scope.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from functions.common import records, scope, xlsx
from functions.common.auth import require
from functions.common.errors import Forbidden, NotFound, OutsideScope, ValidationFailed
from functions.credits import rules, store
from functions.records import store as records_store
from schemas.calendar import SHANGHAI
from schemas.credits import (
    REGISTRATION_NAMES,
    SOURCE_NAMES,
    Archive,
    ArchiveCompletion,
    ArchiveCycle,
    CreditCycle,
    CreditEntry,
    CycleInfo,
    EntryView,
    GroupProgress,
    MyCredits,
    ProgressView,
    Registration,
    RegistrationStatus,
    RegistrationView,
    TeacherProgress,
    credits_config,
)
from schemas.people import Role, Teacher, User
from schemas.training import OUTCOME_NAMES, Completion, Outcome


def cycle_info(c: CreditCycle) -> CycleInfo:
    return CycleInfo.model_validate(c.model_dump())


def pick_cycle(cycle_id: str | None, now: datetime) -> CreditCycle:
    """The cycle asked for, else the one today falls in (else the last one)."""
    config = credits_config()
    if cycle_id:
        found = config.cycle(cycle_id)
        if found is None:
            raise NotFound("学分周期不存在")
        return found
    return config.cycle_of(now.astimezone(SHANGHAI).date()) or config.cycles[-1]


def entry_view(e: CreditEntry) -> EntryView:
    return EntryView(**e.model_dump(), source_text=SOURCE_NAMES[e.source], credits_total=e.credits)


def registration_view(r: Registration) -> RegistrationView:
    return RegistrationView(**r.model_dump(), status_text=REGISTRATION_NAMES[r.status])


def _own_teacher(user: User) -> Teacher:
    require(user, Role.TEACHER)
    t = records.get_teacher(user.teacher_id or "")
    if t is None:
        raise NotFound("教师记录不存在")
    return t


def _school_name(school_id: str) -> str:
    s = records_store.get_school(school_id)
    return s.name if s else ""


def my_credits(user: User, cycle_id: str | None, now: datetime) -> MyCredits:
    """我的学分: the cycle's entries (newest first) and totals against its requirement, the pace
    a steady teacher would be at today, school-based credits still allowed (CR-1) and the
    school-based registrations awaiting the bureau."""
    t = _own_teacher(user)
    cycle = pick_cycle(cycle_id, now)
    found = store.teacher_ledger(t.teacher_id)
    totals = found.cycle_totals(cycle.cycle_id)
    today = now.astimezone(SHANGHAI).date()
    expected = rules.expected_by_now(cycle, today)
    entries = sorted(
        (e for e in found.entries if e.cycle_id == cycle.cycle_id),
        key=lambda e: (e.on, e.posted_at),
        reverse=True,
    )
    pending = [
        registration_view(r)
        for r in found.registrations
        if r.cycle_id == cycle.cycle_id and r.status == RegistrationStatus.PENDING
    ]
    return MyCredits(
        teacher_id=t.teacher_id,
        teacher_name=t.name,
        school_name=_school_name(t.school_id),
        cycle=cycle_info(cycle),
        cycles=[cycle_info(c) for c in credits_config().cycles],
        totals=totals,
        required=cycle.required,
        remaining=max(0, cycle.required - totals.total),
        percent=rules.percent(totals.total, cycle.required),
        expected_by_now=expected,
        behind=rules.behind(totals.total, expected),
        school_based_room=rules.school_based_room(cycle, totals.sb_held),
        entries=[entry_view(e) for e in entries],
        pending=pending,
    )


# --- 培训档案 (the teacher's record of training) ----------------------------------------------

ARCHIVE_HEADERS = (
    "学分周期",
    "日期",
    "类别",
    "内容",
    "培训机构/学校",
    "线上学分",
    "线下学分",
    "学分",
    "登记人",
    "说明",
)


def archive_rows(teacher_id: str) -> list[tuple[str, ...]]:
    """Every ledger entry of every cycle, oldest first, as the 培训档案 lists them."""
    found = store.teacher_ledger(teacher_id)
    names = {c.cycle_id: c.name for c in credits_config().cycles}
    out: list[tuple[str, ...]] = []
    for e in sorted(found.entries, key=lambda e: (e.on, e.posted_at)):
        out.append(
            (
                names.get(e.cycle_id, e.cycle_id),
                e.on.isoformat(),
                SOURCE_NAMES[e.source],
                e.title,
                e.institution_name or e.school_name,
                str(e.online),
                str(e.offline),
                str(e.credits),
                e.posted_by_name or e.posted_by,
                e.note,
            )
        )
    return out


def archive(user: User, now: datetime) -> Archive:
    """培训档案 as a page prints it: every cycle with entries, then every completion decision."""
    from functions.common.ledger import format_code

    t = _own_teacher(user)
    found = store.teacher_ledger(t.teacher_id)
    cycles = []
    for c in credits_config().cycles:
        es = [e for e in found.entries if e.cycle_id == c.cycle_id]
        if not es and c.cycle_id not in found.totals:
            continue
        cycles.append(
            ArchiveCycle(
                cycle=cycle_info(c),
                totals=found.cycle_totals(c.cycle_id),
                entries=[entry_view(e) for e in sorted(es, key=lambda e: (e.on, e.posted_at))],
            )
        )
    done = [
        ArchiveCompletion(
            term=c.term,
            project_title=c.project_title,
            class_name=c.class_name,
            institution_name=c.institution_name,
            outcome_text=OUTCOME_NAMES[c.outcome],
            credits=c.credits if c.outcome == Outcome.PASS else 0,
            decided_on=c.decided_at.astimezone(SHANGHAI).date(),
            reason=c.reason,
            certificate=format_code(c.certificate) if c.certificate else "",
        )
        for c in completion_rows(t.teacher_id)
    ]
    return Archive(
        teacher_id=t.teacher_id,
        teacher_name=t.name,
        school_name=_school_name(t.school_id),
        generated_at=now,
        cycles=cycles,
        completions=done,
    )


def credits_sheet(
    teacher: Teacher, user: User
) -> tuple[str, tuple[str, ...], list[tuple[str, ...]]]:
    """Her credits for the own-data download (functions/platform/mydata.SOURCES): every ledger
    entry of every cycle, as 培训档案 lists them."""
    return "学分记录", ARCHIVE_HEADERS, archive_rows(teacher.teacher_id)


def completion_rows(teacher_id: str) -> list[Completion]:
    """The teacher's completion decisions, all terms (合格 and 不合格), oldest first."""
    return sorted(store.completions_of_teacher(teacher_id), key=lambda c: c.decided_at)


def archive_xlsx(user: User) -> tuple[str, bytes]:
    """培训档案 as xlsx: every entry of every cycle, then the completion decisions."""
    t = _own_teacher(user)
    rows = archive_rows(t.teacher_id)
    done = completion_rows(t.teacher_id)
    rows.append(("",) * len(ARCHIVE_HEADERS))
    rows.append(
        ("结业记录", "认定日期", "结果", "培训项目", "培训机构", "", "", "学分", "", "原因")
    )
    for c in done:
        rows.append(
            (
                c.term,
                f"{c.decided_at.astimezone(SHANGHAI):%Y-%m-%d}",
                OUTCOME_NAMES[c.outcome],
                f"《{c.project_title}》{c.class_name}",
                c.institution_name,
                "",
                "",
                str(c.credits if c.outcome == Outcome.PASS else 0),
                "",
                c.reason,
            )
        )
    data = _one_sheet("培训档案", ARCHIVE_HEADERS, rows)
    return f"{t.name}培训档案.xlsx", data


# --- progress: a school's teachers, a bureau's region -----------------------------------------


def _on_roll(t: Teacher) -> bool:
    return t.employment == "在职" and not t.merged_into


def teacher_progress(
    teachers: list[Teacher], cycle: CreditCycle, expected: int, school_names: dict[str, str]
) -> list[TeacherProgress]:
    totals = store.totals_of([t.teacher_id for t in teachers], cycle.cycle_id)
    out = []
    for t in teachers:
        tt = totals[t.teacher_id]
        out.append(
            TeacherProgress(
                teacher_id=t.teacher_id,
                name=t.name,
                school_id=t.school_id,
                school_name=school_names.get(t.school_id, ""),
                total=tt.total,
                school_based=tt.school_based,
                required=cycle.required,
                percent=rules.percent(tt.total, cycle.required),
                behind=rules.behind(tt.total, expected),
            )
        )
    # Who is behind first, furthest behind first: the list a school acts on.
    return sorted(out, key=lambda p: (not p.behind, p.total, p.teacher_id))


def school_progress(
    user: User, school_id: str | None, cycle_id: str | None, now: datetime
) -> ProgressView:
    """A school's teachers on roll with their credits in the cycle, those behind the pace first
    (school staff: their own school; a bureau: a school within its region)."""
    if user.role in scope.SCHOOL_STAFF:
        school_id = user.school_id
    elif user.role not in scope.BUREAUS:
        raise Forbidden()
    if not school_id:
        raise ValidationFailed("请选择学校")
    school = records_store.get_school(school_id)
    if school is None:
        raise NotFound("学校不存在")
    if not scope.covers_school(user, school):
        raise OutsideScope()
    cycle = pick_cycle(cycle_id, now)
    expected = rules.expected_by_now(cycle, now.astimezone(SHANGHAI).date())
    roll = [t for t in records.teachers_of_school(school_id) if _on_roll(t)]
    teachers = teacher_progress(roll, cycle, expected, {school.school_id: school.name})
    n, credits = len(teachers), sum(p.total for p in teachers)
    return ProgressView(
        cycle=cycle_info(cycle),
        expected_by_now=expected,
        scope_name=school.name,
        level="school",
        region_code=school.region_code,
        summary=GroupProgress(
            code=school.school_id,
            name=school.name,
            teachers=n,
            behind=sum(1 for p in teachers if p.behind),
            met=sum(1 for p in teachers if p.total >= cycle.required),
            credits=credits,
            average=round(credits / n, 1) if n else 0.0,
        ),
        teachers=teachers,
        as_of=now,
    )


def progress_xlsx(view: ProgressView) -> tuple[str, bytes]:
    if view.teachers:
        data = _one_sheet(
            "学分进度",
            ("学校", "教师", "本周期学分", "其中校本研修", "周期要求", "完成比例", "进度"),
            (
                (
                    p.school_name,
                    p.name,
                    p.total,
                    p.school_based,
                    p.required,
                    f"{p.percent}%",
                    "落后" if p.behind else "正常",
                )
                for p in view.teachers
            ),
        )
    else:
        data = _one_sheet(
            "学分进度",
            ("地区/学校", "教师数", "进度落后", "已达周期要求", "学分合计", "人均学分"),
            ((g.name, g.teachers, g.behind, g.met, g.credits, g.average) for g in view.groups),
        )
    return f"{view.scope_name}学分进度（{view.cycle.name}）.xlsx", data


def region_progress(
    user: User, region: str | None, cycle_id: str | None, now: datetime
) -> ProgressView:
    """A bureau's region (or a region within it) by school (a county) or by county or city, from
    the scheduled aggregation: teachers, those behind the pace, those who met the requirement."""
    from functions.credits import aggregate
    from schemas.regions import RegionLevel, region_tree

    require(user, *scope.BUREAUS)
    base = scope.region_scope(user)
    region = region or base or ""
    if not scope.covers_region(user, region):
        raise OutsideScope()
    tree = region_tree()
    cycle = pick_cycle(cycle_id, now)
    node = tree.get(region)
    parent = node.parent if node.level != RegionLevel.PROVINCE else aggregate.ROOT
    own = aggregate.row(cycle.cycle_id, parent or aggregate.ROOT, region)
    rows = aggregate.rows_in(cycle.cycle_id, region)
    groups = sorted(
        (r for r, _ in rows),
        key=lambda g: (-(g.behind / g.teachers if g.teachers else 0), g.code),
    )
    stamps = [at for _, at in rows] + ([own[1]] if own else [])
    return ProgressView(
        cycle=cycle_info(cycle),
        expected_by_now=rules.expected_by_now(cycle, now.astimezone(SHANGHAI).date()),
        scope_name=tree.full_name(region),
        level=node.level.value,
        region_code=region,
        summary=own[0] if own else None,
        groups=groups,
        as_of=min(stamps) if stamps else None,
    )


def _one_sheet(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """One worksheet with a bold header row, written by functions/common/xlsx."""
    return xlsx.workbook([xlsx.Sheet(title, rows, header=header)])
