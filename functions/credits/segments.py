"""Segmented 90-credit projects (CR-2): one project, one enrolment, segments across semesters.
The first segment runs as the project's classes (selected, attended and decided in the training
weeks); each 合格 there posts the first segment's credits and records the segment on the
teacher's project enrolment. A later segment's roster is the teachers whose previous segment is
recorded (carried without selecting again); the institution decides each of them from that
segment's semester on, which posts that segment's credits."""

from __future__ import annotations

from datetime import datetime

from functions.common import catalog, notices
from functions.common.auth import require
from functions.common.errors import DomainError, NotFound, OutsideWindow, ReasonRequired
from functions.credits import rules, store
from functions.records import store as records_store
from schemas.calendar import SHANGHAI
from schemas.catalog import Project
from schemas.credits import SegmentInfo, SegmentRoster, SegmentRow
from schemas.people import Role, User
from schemas.training import OUTCOME_NAMES, Completion, CompletionRequest, ItemOutcome, Outcome


def _own_project(user: User, project_id: str) -> Project:
    require(user, Role.INSTITUTION)
    project = catalog.get(project_id)
    if project is None or project.institution_id != user.institution_id:
        raise NotFound("项目不存在或不属于你的机构")
    if len(project.segments) < 2:
        raise NotFound("该项目不分段实施")
    return project


def _infos(project: Project, now: datetime) -> list[SegmentInfo]:
    today = now.astimezone(SHANGHAI).date()
    return [
        SegmentInfo(
            n=i,
            name=s.name,
            semester=s.semester,
            credits=s.credits,
            open=i > 1 and today >= rules.semester_start(s.semester),
        )
        for i, s in enumerate(project.segments, start=1)
    ]


def _carried(project_id: str, segment: int) -> dict[str, dict[str, object]]:
    """CR-2: the enrolments carried into `segment` (the previous segment completed)."""
    prev = f"S{segment - 1}"
    return {str(e["teacher_id"]): e for e in store.enrolments(project_id) if prev in e}


def roster(user: User, project_id: str, segment: int, now: datetime) -> SegmentRoster:
    """A later segment's teachers (carried from the previous one) and their decisions."""
    project = _own_project(user, project_id)
    may, note = True, ""
    try:
        rules.check_segment_open(project, segment, now)
    except OutsideWindow as exc:
        may, note = False, exc.message
    carried = _carried(project_id, segment)
    decided = store.segment_completions(project_id, segment)
    teachers = records_store.teachers(set(carried) | set(decided))
    schools = records_store.schools({t.school_id for t in teachers.values()})
    rows = []
    for tid in sorted(set(carried) | set(decided)):
        t = teachers.get(tid)
        c = decided.get(tid)
        rows.append(
            SegmentRow(
                teacher_id=tid,
                name=t.name if t else tid,
                school_name=schools[t.school_id].name if t and t.school_id in schools else "",
                outcome=c.outcome.value if c else "",
                outcome_text=OUTCOME_NAMES[c.outcome] if c else "",
                reason=c.reason if c else "",
            )
        )
    return SegmentRoster(
        project_id=project_id,
        project_title=project.title,
        segments=_infos(project, now),
        segment=segment,
        rows=rows,
        may_decide=may,
        note=note,
    )


def decide(
    user: User, project_id: str, segment: int, req: CompletionRequest, now: datetime
) -> list[ItemOutcome]:
    """CR-2: the institution decides a later segment for the teachers carried into it; a 合格
    posts that segment's credits (a correction the difference), in one write per teacher that
    also checks the teacher was carried (the enrolment's previous segment)."""
    project = _own_project(user, project_id)
    seg = rules.check_segment_open(project, segment, now)
    worth = rules.segment_credits(project, segment)
    carried = _carried(project_id, segment)
    decided = store.segment_completions(project_id, segment)
    teachers = records_store.teachers({i.teacher_id for i in req.items})
    out = []
    for item in req.items:
        tid = item.teacher_id
        prev = decided.get(tid)
        enrol = carried.get(tid)
        t = teachers.get(tid)
        if t is None or (enrol is None and prev is None):
            out.append(
                ItemOutcome(
                    teacher_id=tid, ok=False, code="not_carried", message="该教师未完成上一段培训"
                )
            )
            continue
        reason = item.reason.strip()
        if prev and prev.outcome == item.outcome and (not reason or reason == prev.reason):
            out.append(ItemOutcome(teacher_id=tid, ok=True))  # a repeat
            continue
        if (item.outcome == Outcome.FAIL or prev is not None) and len(reason) < 2:
            out.append(
                ItemOutcome(
                    teacher_id=tid,
                    ok=False,
                    code=ReasonRequired.code,
                    message="不合格或更正已有认定时须填写原因",
                )
            )
            continue
        class_id = str(enrol["class_id"]) if enrol else (prev.class_id if prev else "")
        klass = next((k for k in project.classes if k.class_id == class_id), None)
        history = [*(prev.history if prev else [])]
        history.append(
            {
                "at": now.isoformat(),
                "by": f"{user.name}（{user.user_id}）",
                "outcome": item.outcome.value,
                "reason": reason,
                "event": "更正" if prev else "认定",
            }
        )
        c = Completion(
            term=seg.semester,
            class_id=class_id,
            project_id=project.project_id,
            project_title=project.title,
            class_name=f"{klass.name if klass else ''}·{seg.name}",
            institution_id=project.institution_id,
            institution_name=project.institution_name,
            teacher_id=tid,
            teacher_name=t.name,
            school_id=t.school_id,
            region_code=t.region_code,
            outcome=item.outcome,
            proposed=item.outcome,
            reason=reason,
            decided_by=user.user_id,
            decided_role=user.role.value,
            decided_at=now,
            version=(prev.version + 1) if prev else 1,
            credits=worth.credits,
            credits_online=worth.online,
            class_end=now.astimezone(SHANGHAI).date(),
            segment=segment,
            history=history,
        )
        label = f"《{project.title}》{seg.name}"
        earned = worth.credits if item.outcome == Outcome.PASS else 0
        before = prev.credits if prev and prev.outcome == Outcome.PASS and prev.credit_entry else 0
        msg = notices.completion_decided(
            tid,
            f"{project.project_id}-S{segment}",
            label,
            OUTCOME_NAMES[item.outcome],
            reason,
            c.version,
            now,
            credits=earned - before,
        )
        try:
            store.write_segment_completion(c, prev, len(project.segments), user.name, msg)
        except DomainError as exc:
            out.append(ItemOutcome(teacher_id=tid, ok=False, code=exc.code, message=exc.message))
            continue
        out.append(ItemOutcome(teacher_id=tid, ok=True))
    return out
