"""Deadline reminders (五(一): 各地教育局要及时通知并督促指导学校、教师按规定的时间节点做好选课、审核等工作).

The scheduled phase job fires each reminder of the term calendar (`Reminder.fire_times`) by
starting the reminder worker. Work is cut into parts: one per county for the audiences read per
school (teachers who hold nothing, schools with reviews pending, the bureaus' digests), one
("all") for the others. The first run starts one worker run per batch of counties (fan-out by
paginated asynchronous invocations, like the records import); a run that nears its time limit
starts the next run with the counties it did not reach.

Exactly once per window and recipient, even when a run is repeated or dies halfway: each
message's id derives from the reminder, its fire instant and the recipient, and is written
with a conditional put (a second run finds it and writes nothing, nor a second email); a part
done is marked, so a repeated run skips it. The CH-4 timetable reminder fires daily and writes
one message per class ever (a marker and the message in one transaction); so does the QA-2
completion reminder (classes whose completion deadline is near with teachers undecided).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from functions.common import outbox
from functions.common.notices import fmt_day
from functions.notify import remind_store as rs
from schemas.calendar import SHANGHAI, Reminder, ReminderAudience, TermCalendar, term_calendar
from schemas.notify import (
    Message,
    MessageKind,
    Table,
    bureau_party,
    institution_party,
    school_party,
    teacher_party,
)
from schemas.people import Teacher
from schemas.projects import quota_table
from schemas.regions import RegionLevel, region_tree
from schemas.selection import SEAT_HOLDING, SelectionStatus

PER_COUNTY = frozenset(
    {
        ReminderAudience.TEACHERS_UNSELECTED,
        ReminderAudience.SCHOOLS_PENDING,
        ReminderAudience.BUREAU_DIGEST,
    }
)
COUNTIES_PER_RUN = 10  # a batch of counties per worker run: ~10 runs in parallel for 90
MARGIN_SECONDS = 60.0
ALL = "all"
_HOLDS = {s.value for s in (*SEAT_HOLDING, SelectionStatus.WAITLISTED)}
_CONFIRMED = SelectionStatus.CONFIRMED.value


@dataclass
class RemindResult:
    parts_done: int = 0
    parts_skipped: int = 0
    messages: int = 0
    runs_started: int = 0
    remaining: list[str] = field(default_factory=list)


def run_id(reminder: Reminder, at: datetime) -> str:
    """One firing of a reminder: its id and fire instant (a daily reminder fires many times)."""
    return f"{reminder.id}@{at.astimezone(SHANGHAI):%Y%m%d%H%M}"


def parts(reminder: Reminder) -> list[str]:
    if reminder.audience in PER_COUNTY:
        return sorted(c.code for c in region_tree().counties())
    return [ALL]


def start(
    term: str, reminder_id: str, at: datetime, invoke: Callable[[dict[str, object]], None]
) -> int:
    """The phase job's step: start one worker run per batch of parts. Returns runs started."""
    cal = term_calendar(term)
    reminder = cal.reminder(reminder_id)
    todo = parts(reminder)
    batches = [todo[i : i + COUNTIES_PER_RUN] for i in range(0, len(todo), COUNTIES_PER_RUN)]
    for batch in batches:
        invoke(event(term, reminder_id, at, batch))
    return len(batches)


def event(term: str, reminder_id: str, at: datetime, batch: Sequence[str]) -> dict[str, object]:
    return {"term": term, "reminder": reminder_id, "at": at.isoformat(), "parts": list(batch)}


def run(
    term: str,
    reminder_id: str,
    at: datetime,
    todo: Sequence[str],
    seconds_left: Callable[[], float],
    resume: Callable[[list[str]], None],
) -> RemindResult:
    """One worker run over `todo` parts; hands the rest to `resume` when time runs short."""
    cal = term_calendar(term)
    reminder = cal.reminder(reminder_id)
    rid = run_id(reminder, at)
    result = RemindResult()
    for i, part in enumerate(todo):
        if rs.part_done(term, rid, part):
            result.parts_skipped += 1
            continue
        if seconds_left() < MARGIN_SECONDS:
            result.remaining = list(todo[i:])
            resume(result.remaining)
            result.runs_started += 1
            return result
        written, totals = _do_part(cal, reminder, at, part)
        rs.mark_part(term, rid, part, written, totals)
        result.parts_done += 1
        result.messages += written
    if reminder.audience == ReminderAudience.BUREAU_DIGEST:
        result.messages += _rollup(cal, reminder, at)
    return result


def _do_part(
    cal: TermCalendar, reminder: Reminder, at: datetime, part: str
) -> tuple[int, dict[str, list[int]]]:
    a = reminder.audience
    if a in PER_COUNTY:
        return _county(cal, reminder, at, part)
    if a == ReminderAudience.INSTITUTIONS_RECHECK:
        return _institutions_recheck(cal, reminder, at), {}
    if a == ReminderAudience.INSTITUTIONS_EXPANSION:
        return _institutions_expansion(cal, reminder, at), {}
    if a == ReminderAudience.BUREAUS_EXPANSION:
        return _bureaus_expansion(cal, reminder, at), {}
    if a == ReminderAudience.INSTITUTIONS_TIMETABLE:
        return _timetables(cal, reminder, at), {}
    if a == ReminderAudience.INSTITUTIONS_COMPLETION:
        return _completions(cal, reminder, at), {}
    raise ValueError(f"unknown audience {a}")


def _msg(
    reminder: Reminder,
    at: datetime,
    party: str,
    title: str,
    body: str,
    link: str,
    link_text: str,
    kind: MessageKind = MessageKind.REMINDER,
    table: Table | None = None,
) -> Message:
    return outbox.message(
        party,
        kind,
        title,
        body,
        at,
        key=f"remind:{run_id(reminder, at)}",
        link=link,
        link_text=link_text,
        table=table,
    )


def _closes(cal: TermCalendar, reminder: Reminder) -> str:
    w = cal.window(reminder.phase)
    return f"{w.name}将于{fmt_day(w.end)}结束"


# --- per county: teachers, schools, the county bureau's digest ------------------------------


def _county(
    cal: TermCalendar, reminder: Reminder, at: datetime, county: str
) -> tuple[int, dict[str, list[int]]]:
    """Teachers who hold nothing / schools with reviews pending / the county's digest."""
    written = 0
    rows: list[tuple[str, str, int, int]] = []  # school id, name, unselected, pending
    for school in rs.schools_in_county(county):
        teachers = [t for t in rs.teachers_of_school(school.school_id) if _eligible(t)]
        sels = rs.selections_of_school(school.school_id, cal.term)
        holding = {s["teacher_id"] for s in sels if s.get("status") in _HOLDS}
        pending = sum(1 for s in sels if s.get("status") == SelectionStatus.PENDING.value)
        idle = [t for t in teachers if t.teacher_id not in holding]
        rows.append((school.school_id, school.name, len(idle), pending))
        if reminder.audience == ReminderAudience.TEACHERS_UNSELECTED:
            written += outbox.put_new_many(
                [_teacher_reminder(cal, reminder, at, t.teacher_id) for t in idle]
            )
        elif reminder.audience == ReminderAudience.SCHOOLS_PENDING and pending:
            msg = _msg(
                reminder,
                at,
                school_party(school.school_id),
                f"审核提醒：还有 {pending} 条选课待审核",
                f"本校还有 {pending} 条教师选课等待学校审核。{_closes(cal, reminder)}，"
                "请在截止前完成审核（不通过须填写原因）。",
                "school/",
                "去审核",
            )
            written += outbox.put_new(msg)
    totals = {"unselected": [r[2] for r in rows], "pending": [r[3] for r in rows]}
    if reminder.audience == ReminderAudience.BUREAU_DIGEST:
        open_rows = [r for r in rows if r[2] or r[3]]
        written += outbox.put_new(
            _digest(
                cal,
                reminder,
                at,
                county,
                [(r[1], r[2], r[3]) for r in open_rows],
                [f"records/teachers/#school={r[0]}" for r in open_rows],
                "学校",
            )
        )
    return written, {"unselected": [sum(totals["unselected"])], "pending": [sum(totals["pending"])]}


def _eligible(t: Teacher) -> bool:
    return t.employment == "在职" and not t.merged_into


def _teacher_reminder(cal: TermCalendar, reminder: Reminder, at: datetime, tid: str) -> Message:
    w = cal.window(reminder.phase)
    rule = "第一轮未选课的老师不能参加第二轮选课。" if reminder.phase.value == "PH-R1" else ""
    return _msg(
        reminder,
        at,
        teacher_party(tid),
        f"选课提醒：{w.name}{fmt_day(w.end)}结束",
        f"你本学期还没有选课。{_closes(cal, reminder)}，{rule}请尽快在选课目录中选择班期。",
        "catalog/",
        "去选课",
    )


def _digest(
    cal: TermCalendar,
    reminder: Reminder,
    at: datetime,
    region: str,
    rows: Sequence[tuple[str, int, int]],
    links: Sequence[str],
    by: str,
) -> Message:
    tree = region_tree()
    idle = sum(r[1] for r in rows)
    pending = sum(r[2] for r in rows)
    w = cal.window(reminder.phase)
    if rows:
        body = (
            f"{tree.name(region)}：{_closes(cal, reminder)}。目前尚有 {idle} 位教师未选课、"
            f"{pending} 条选课待学校审核，分{by}情况见下表。请督促相关学校和教师按时完成。"
        )
    else:
        body = f"{tree.name(region)}：{_closes(cal, reminder)}。目前各{by}没有未完成的选课或审核。"
    return _msg(
        reminder,
        at,
        bureau_party(region),
        f"督办汇总：{w.name}（{fmt_day(at)}）",
        body,
        "calendar/",
        "查看进程表",
        kind=MessageKind.DIGEST,
        table=Table(
            header=(by, "未选课教师", "待学校审核"),
            rows=tuple((r[0], str(r[1]), str(r[2])) for r in rows),
            links=tuple(links),
        )
        if rows
        else None,
    )


def _rollup(cal: TermCalendar, reminder: Reminder, at: datetime) -> int:
    """When every county is done: each city bureau's digest by county, the province's by city
    (whichever run finishes last writes them; a second one finds them written)."""
    rid = run_id(reminder, at)
    done = rs.parts_marked(cal.term, rid)
    counties = parts(reminder)
    if any(c not in done for c in counties):
        return 0
    tree = region_tree()
    by_city: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for c in counties:
        totals = done[c]
        idle, pending = int(totals["unselected"][0]), int(totals["pending"][0])
        city = next(
            (a for a in tree.ancestors(c) if tree.regions[a].level == RegionLevel.CITY), None
        )
        if city and (idle or pending):
            by_city[city].append((tree.name(c), idle, pending))
    written = 0
    province_rows = []
    for city in sorted(r.code for r in tree.cities()):
        rows = by_city.get(city, [])
        written += outbox.put_new(_digest(cal, reminder, at, city, rows, [], "县（市、区）"))
        if rows:
            province_rows.append(
                (tree.name(city), sum(r[1] for r in rows), sum(r[2] for r in rows))
            )
    written += outbox.put_new(_digest(cal, reminder, at, "330000", province_rows, [], "设区市"))
    return written


# --- institutions and bureaus (one part) -----------------------------------------------------


def _institutions_recheck(cal: TermCalendar, reminder: Reminder, at: datetime) -> int:
    counts: dict[str, int] = defaultdict(int)
    for info in rs.published_classes(cal.term):
        n = sum(
            1
            for s in rs.selections_of_class(info.class_id)
            if s.get("status") == SelectionStatus.SCHOOL_APPROVED.value
        )
        counts[info.institution_id] += n
    written = 0
    for inst, n in sorted(counts.items()):
        if n:
            written += outbox.put_new(
                _msg(
                    reminder,
                    at,
                    institution_party(inst),
                    f"复核提醒：还有 {n} 条选课待复核",
                    f"你机构的班期还有 {n} 条学校已审核的选课等待复核。{_closes(cal, reminder)}，"
                    "请在截止前完成复核（不通过须填写原因）。",
                    "institution/",
                    "去复核",
                )
            )
    return written


def _institutions_expansion(cal: TermCalendar, reminder: Reminder, at: datetime) -> int:
    infos = rs.published_classes(cal.term)
    waiting = rs.waitlist_lengths([i.class_id for i in infos])
    applied = rs.expansion_classes(cal.term)
    per: dict[str, list[str]] = defaultdict(list)
    for i in infos:
        if waiting.get(i.class_id, 0) > 0 and i.class_id not in applied:
            per[i.institution_id].append(
                f"《{i.project_title}》{i.class_name}（候补 {waiting[i.class_id]} 人）"
            )
    written = 0
    for inst, classes in sorted(per.items()):
        written += outbox.put_new(
            _msg(
                reminder,
                at,
                institution_party(inst),
                f"扩班提醒：{len(classes)} 个班期有教师候补",
                f"以下班期已满且有教师候补：{'；'.join(classes[:10])}"
                f"{'等' if len(classes) > 10 else ''}。{_closes(cal, reminder)}，"
                "如能增加名额，请在截止前提交扩班申请。",
                "institution/",
                "申请扩班",
            )
        )
    return written


def _bureaus_expansion(cal: TermCalendar, reminder: Reminder, at: datetime) -> int:
    per: dict[str, int] = defaultdict(int)
    for region in rs.applied_expansion_bureaus(cal.term):
        per[region] += 1
    written = 0
    for region, n in sorted(per.items()):
        written += outbox.put_new(
            _msg(
                reminder,
                at,
                bureau_party(region),
                f"扩班受理提醒：{n} 个扩班申请待受理",
                f"有 {n} 个培训机构扩班申请等待你局受理。{_closes(cal, reminder)}，"
                "请在截止前同意或不同意（不同意须填写原因）；同意后候补教师按顺序自动递补。",
                "bureau/",
                "去受理",
            )
        )
    return written


def _timetables(cal: TermCalendar, reminder: Reminder, at: datetime) -> int:
    """CH-4: classes whose timetable is still missing and due within `before_days` days; each
    class's institution is reminded once."""
    days = quota_table(cal.term).timetable_days_before
    today = at.astimezone(SHANGHAI).date()
    written = 0
    for info, has_timetable in rs.classes_with_timetable_state(cal.term):
        if has_timetable:
            continue
        due = info.start_date - timedelta(days=days)
        if not today <= due <= today + timedelta(days=reminder.before_days):
            continue
        msg = outbox.message(
            institution_party(info.institution_id),
            MessageKind.REMINDER,
            f"课程表提醒：《{info.project_title}》{info.class_name}",
            f"《{info.project_title}》{info.class_name}将于{fmt_day(info.start_date)}开班，"
            f"课程表须在开班前至少{days}天（{fmt_day(due)}前）在平台发布，目前尚未发布。"
            "逾期将不能发布课程表。",
            at,
            key=f"timetable:{info.class_id}",
            link="apply/",
            link_text="发布课程表",
        )
        written += rs.put_once(cal.term, f"timetable:{info.class_id}", msg)
    return written


def _completions(cal: TermCalendar, reminder: Reminder, at: datetime) -> int:
    """QA-2: classes over whose completion deadline falls within `before_days` days while
    confirmed teachers are still undecided; each class's institution is reminded once (after
    the deadline a sweep reports the undecided as not completing)."""
    from functions.training.rules import decision_window

    today = at.astimezone(SHANGHAI).date()
    written = 0
    for info in rs.published_classes(cal.term):
        if info.cancelled or today < info.end_date:
            continue
        last = (decision_window(info, cal.training)[1] - timedelta(days=1)).date()
        if not today <= last <= today + timedelta(days=reminder.before_days):
            continue
        sels = rs.selections_of_class(info.class_id)
        enrolled = {s["teacher_id"] for s in sels if s.get("status") == _CONFIRMED}
        open_ = len(enrolled - rs.decided_teachers(info.class_id)) if enrolled else 0
        if not open_:
            continue
        msg = outbox.message(
            institution_party(info.institution_id),
            MessageKind.REMINDER,
            f"结业认定提醒：《{info.project_title}》{info.class_name}",
            f"《{info.project_title}》{info.class_name}还有 {open_} 位学员未认定结业，"
            f"结业认定将于{fmt_day(last)}截止。逾期仍未认定的学员将按“未完成培训”报送其学校和"
            "教育局，之后只能由负责的教育局更正。",
            at,
            key=f"completion-due:{info.class_id}",
            link=f"training/?c={info.class_id}",
            link_text="去认定结业",
        )
        written += rs.put_once(cal.term, f"completion-due:{info.class_id}", msg)
    return written
