"""Completions nobody decided by the deadline (QA-2): what the daily sweep of the scheduled
phase job does once a class's decision window has closed.

A confirmed teacher of a finished class must not stay undecided for ever: the school and the
county bureau would never learn that the teacher has no result, and no credit could ever be
posted. So at the first sweep after a class's deadline (`TermCalendar.completion_sweeps`,
00:05 daily), each of its teachers still undecided is reported as not completing with the
reason 「机构未在期限内评定」 and what the attendance rule proposed, in the same write as any
decision (`store.completion_items`: the record, the audit entry, the teacher's message and the
reports to school and county bureau through the outbox). After the deadline only the
responsible bureau corrects a completion (QA-2), so that is who puts right a teacher who did
attend: the reason tells it the proposal.

Exactly once, in batches, safe to retry: classes are taken 100 at a time with one batched read
of their settled markers; each teacher's write is conditioned on no completion existing (a
decision made meanwhile, or by a run before, wins and nothing is written twice); the class's
marker is written after its teachers. A run that nears its time limit calls `resume` (the phase
function invokes itself with the same event) and returns.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from functions.common import catalog
from functions.common.errors import Conflict
from functions.selection import store as sel_store
from functions.training import rules, store
from schemas.calendar import TermCalendar
from schemas.catalog import ClassInfo, Project, TrainingClass
from schemas.projects import AuditEntry
from schemas.selection import SelectionStatus
from schemas.training import OUTCOME_NAMES, Completion, DeadlineSweep, Outcome

UNDECIDED = "机构未在期限内评定"
ACTOR = "system"
ACTOR_NAME = "系统（结业认定逾期）"
BATCH = 100
RESUME_MARGIN_SECONDS = 60


def reason(proposed: Outcome) -> str:
    """The reason the school and the bureau read: the lapse, and what the rule proposed (a
    proposed 合格 tells the bureau it probably has a correction to make)."""
    return f"{UNDECIDED}（按出勤记录建议{OUTCOME_NAMES[proposed]}）"


def settle(
    calendar: TermCalendar,
    now: datetime,
    seconds_left: Callable[[], float],
    resume: Callable[[], None],
) -> DeadlineSweep:
    """Settle every class of the term past its completion deadline that no sweep settled."""
    tr = calendar.training
    due: list[tuple[ClassInfo, Project, TrainingClass]] = []
    for project in catalog.published_projects(calendar.term):
        for klass in project.classes:
            info = ClassInfo.of(project, klass)
            if not klass.cancelled and rules.decision_window(info, tr)[1] <= now:
                due.append((info, project, klass))
    due.sort(key=lambda d: d[0].class_id)
    out = DeadlineSweep(term=calendar.term, at=now, due=len(due))
    for n in range(0, len(due), BATCH):
        batch = due[n : n + BATCH]
        settled = store.settled_classes([i.class_id for i, _, _ in batch])
        for info, project, klass in batch:
            if info.class_id in settled:
                continue
            if seconds_left() < RESUME_MARGIN_SECONDS:
                resume()
                return out
            reported = _settle_class(calendar, info, project, klass, now)
            store.mark_settled(info.class_id, now, reported)
            out.settled += 1
            out.reported += reported
    out.done = True
    return out


def _settle_class(
    calendar: TermCalendar, info: ClassInfo, project: Project, klass: TrainingClass, now: datetime
) -> int:
    tr = calendar.training
    sels = [
        s for s in sel_store.list_for_class(info.class_id) if s.status == SelectionStatus.CONFIRMED
    ]
    decided = store.completions_of_class(info.class_id)
    undecided = [s for s in sels if s.teacher_id not in decided]
    if not undecided:
        return 0
    sessions = rules.sessions_of(klass, tr)
    online = rules.online_hours_required(project.form, project.credits_online, tr)
    atts = store.attendance_of_class(info.class_id)
    names = {t.teacher_id: t.name for t in sel_store.teachers({s.teacher_id for s in undecided})}
    reported = 0
    for sel in sorted(undecided, key=lambda s: s.teacher_id):
        proposal = rules.propose(atts.get(sel.teacher_id), sessions, online, tr)
        why = reason(proposal.outcome)
        name = names.get(sel.teacher_id, sel.teacher_id)
        c = Completion(
            term=info.term,
            class_id=info.class_id,
            project_id=info.project_id,
            project_title=info.project_title,
            class_name=info.class_name,
            institution_id=info.institution_id,
            institution_name=info.institution_name,
            teacher_id=sel.teacher_id,
            teacher_name=name,
            school_id=sel.school_id,
            region_code=sel.region_code,
            outcome=Outcome.FAIL,
            proposed=proposal.outcome,
            reason=why,
            decided_by=ACTOR,
            decided_role=ACTOR,
            decided_at=now,
            credits=project.credits_total,
            history=[
                {
                    "at": now.isoformat(),
                    "by": ACTOR_NAME,
                    "outcome": Outcome.FAIL.value,
                    "reason": why,
                    "event": "逾期未认定",
                }
            ],
        )
        audit = AuditEntry(
            at=now,
            project_id=info.project_id,
            institution_id=info.institution_id,
            term=info.term,
            event="completion_lapsed",
            actor=ACTOR_NAME,
            detail=f"{info.class_name} {name}：{why}，按未完成培训报送学校和教育局",
        )
        try:
            store.write_completion(store.completion_items(c, None, audit))
        except Conflict:
            continue  # decided meanwhile (the bureau, or a run before this one): it stands
        reported += 1
    return reported
